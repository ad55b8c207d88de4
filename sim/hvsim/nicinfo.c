/*
 * NIC info v3 as the host reads it (nicinfo.h).  Every count and length is
 * checked against nicinfo.x before anything is read with it.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "nicinfo.h"

/* nicinfo.x's limits. */
#define MAX_NICS	16
#define MAX_IPS		2048
#define MAC_LEN		18
#define ADDR_MAX	255
#define MAX_ROUTES	100
#define DNS_MAXLEN	255
#define DNS_SERVERS	16
#define DNS_SUFFIXES	10
#define DHCP_MAXSIZE	16384

/* InetAddressType */
enum { IAT_UNKNOWN, IAT_IPV4, IAT_IPV6, IAT_IPV4Z, IAT_IPV6Z, IAT_DNS = 16 };

struct xin {
	const unsigned char	*p;
	size_t			 len, pos;
	char			*err;
	size_t			 errlen;
	int			 failed;
	FILE			*f;		/* NULL: check only */
};

static int __attribute__((format(printf, 2, 3)))
bad(struct xin *x, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (x->failed)
		return (-1);
	x->failed = 1;
	n = snprintf(x->err, x->errlen, "at byte %zu: ", x->pos);
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < x->errlen)
		vsnprintf(x->err + n, x->errlen - n, fmt, ap);
	va_end(ap);
	return (-1);
}

static int
u32(struct xin *x, uint32_t *v)
{
	if (x->len - x->pos < 4)
		return (bad(x, "the message ends inside an item"));
	*v = (uint32_t)x->p[x->pos] << 24 | (uint32_t)x->p[x->pos + 1] << 16 |
	    (uint32_t)x->p[x->pos + 2] << 8 | x->p[x->pos + 3];
	x->pos += 4;
	return (0);
}

/* A boolean, or whether an optional item follows. */
static int
boolean(struct xin *x, uint32_t *v, const char *what)
{
	if (u32(x, v) != 0)
		return (-1);
	if (*v > 1)
		return (bad(x, "%s: boolean %u", what, *v));
	return (0);
}

static int
count(struct xin *x, uint32_t *n, uint32_t max, const char *what)
{
	if (u32(x, n) != 0)
		return (-1);
	if (*n > max)
		return (bad(x, "%u %s, at most %u", *n, what, max));
	return (0);
}

/* A variable-length opaque or string of at most MAX bytes. */
static int
opaque(struct xin *x, size_t max, const unsigned char **data, uint32_t *n,
    const char *what)
{
	size_t padded, i;

	if (u32(x, n) != 0)
		return (-1);
	if (*n > max)
		return (bad(x, "%s of %u bytes, at most %zu", what, *n, max));
	padded = ((size_t)*n + 3) & ~(size_t)3;
	if (x->len - x->pos < padded)
		return (bad(x, "%s: the message ends inside it", what));
	for (i = *n; i < padded; i++)
		if (x->p[x->pos + i] != 0)
			return (bad(x, "%s: padding not zero", what));
	*data = x->p + x->pos;
	x->pos += padded;
	return (0);
}

/* A TypedIpAddress; printed with PREFIX when F is set and PRINT. */
static int
address(struct xin *x, int print, int has_prefix, uint32_t prefix_at)
{
	const unsigned char *a;
	uint32_t type, n, prefix = 0, zone = 0;
	char text[INET6_ADDRSTRLEN];
	size_t want, alen;
	int af;

	if (u32(x, &type) != 0 || opaque(x, ADDR_MAX, &a, &n, "address") != 0)
		return (-1);
	switch (type) {
	case IAT_IPV4:	af = AF_INET; want = 4; break;
	case IAT_IPV6:	af = AF_INET6; want = 16; break;
	case IAT_IPV4Z:	af = AF_INET; want = 8; break;
	case IAT_IPV6Z:	af = AF_INET6; want = 20; break;
	default:
		return (bad(x, "address type %u", type));
	}
	if (n != want)
		return (bad(x, "an address of type %u has %u bytes, not %zu",
		    type, n, want));
	alen = af == AF_INET ? 4 : 16;
	if (want > alen)
		zone = (uint32_t)a[alen] << 24 | (uint32_t)a[alen + 1] << 16 |
		    (uint32_t)a[alen + 2] << 8 | a[alen + 3];
	if (has_prefix) {
		size_t save = x->pos;

		x->pos = prefix_at;
		if (u32(x, &prefix) != 0)
			return (-1);
		x->pos = save;
		if (prefix > alen * 8)
			return (bad(x, "prefix length %u of a %zu-bit address",
			    prefix, alen * 8));
	}
	if (print && x->f != NULL) {
		inet_ntop(af, a, text, sizeof(text));
		if (want > alen)
			fprintf(x->f, "\"%s%%%u/%u\"", text, zone, prefix);
		else
			fprintf(x->f, "\"%s/%u\"", text, prefix);
	}
	return (0);
}

static int
dns(struct xin *x)
{
	const unsigned char *s;
	uint32_t opt, n, i, len;
	int k;

	for (k = 0; k < 2; k++) {		/* hostName, domainName */
		if (boolean(x, &opt, "DNS name") != 0)
			return (-1);
		if (opt && opaque(x, DNS_MAXLEN, &s, &len, "DNS name") != 0)
			return (-1);
	}
	if (count(x, &n, DNS_SERVERS, "DNS servers") != 0)
		return (-1);
	for (i = 0; i < n; i++)
		if (address(x, 0, 0, 0) != 0)
			return (-1);
	if (count(x, &n, DNS_SUFFIXES, "DNS suffixes") != 0)
		return (-1);
	for (i = 0; i < n; i++)
		if (opaque(x, DNS_MAXLEN, &s, &len, "DNS suffix") != 0)
			return (-1);
	return (0);
}

/* The optional DNS, WINS, DHCPv4 and DHCPv6 of a NIC or of the list. */
static int
configs(struct xin *x)
{
	const unsigned char *s;
	uint32_t opt, enabled, len;
	int k;

	if (boolean(x, &opt, "DNS config") != 0 || (opt && dns(x) != 0))
		return (-1);
	if (boolean(x, &opt, "WINS config") != 0 ||
	    (opt && (address(x, 0, 0, 0) != 0 || address(x, 0, 0, 0) != 0)))
		return (-1);
	for (k = 0; k < 2; k++) {
		if (boolean(x, &opt, "DHCP config") != 0)
			return (-1);
		if (opt && (boolean(x, &enabled, "DHCP enabled") != 0 ||
		    opaque(x, DHCP_MAXSIZE, &s, &len, "DHCP settings") != 0))
			return (-1);
	}
	return (0);
}

static int
nic(struct xin *x)
{
	const unsigned char *mac;
	uint32_t maclen, n, i, opt, v;
	size_t at, prefix_at;

	if (opaque(x, MAC_LEN, &mac, &maclen, "MAC") != 0)
		return (-1);
	if (memchr(mac, '\0', maclen) != NULL)
		return (bad(x, "a NUL in the MAC"));
	if (x->f != NULL) {
		fprintf(x->f, "{\"mac\":");
		json_string(x->f, mac, maclen);
		fprintf(x->f, ",\"ips\":[");
	}
	if (count(x, &n, MAX_IPS, "addresses") != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		/* The prefix follows the address: find it, then print. */
		at = x->pos;
		if (address(x, 0, 0, 0) != 0)
			return (-1);
		prefix_at = x->pos;
		if (u32(x, &v) != 0)
			return (-1);
		x->pos = at;
		if (x->f != NULL && i > 0)
			fputc(',', x->f);
		if (address(x, 1, 1, prefix_at) != 0)
			return (-1);
		x->pos += 4;
		if (boolean(x, &opt, "origin") != 0 || (opt && u32(x, &v) != 0))
			return (-1);
		if (boolean(x, &opt, "status") != 0 || (opt && u32(x, &v) != 0))
			return (-1);
	}
	if (x->f != NULL)
		fprintf(x->f, "]}");
	return (configs(x));
}

int
nicinfo_decode(const unsigned char *p, size_t len, FILE *f, char *err,
    size_t errlen)
{
	struct xin x = { p, len, 0, err, errlen, 0, NULL };
	uint32_t ver, opt, nnics, n, i, v;

	/* Check everything before printing anything. */
	for (;;) {
		x.pos = 0;
		if (u32(&x, &ver) != 0)
			return (-1);
		if (ver != 3)
			return (bad(&x, "NIC info version %u, not 3", ver));
		if (boolean(&x, &opt, "NicInfoV3") != 0)
			return (-1);
		if (!opt)
			return (bad(&x, "no NicInfoV3"));
		if (count(&x, &nnics, MAX_NICS, "NICs") != 0)
			return (-1);
		if (x.f != NULL)
			fputc('[', x.f);
		for (i = 0; i < nnics; i++) {
			if (x.f != NULL && i > 0)
				fputc(',', x.f);
			if (nic(&x) != 0)
				return (-1);
		}
		if (x.f != NULL)
			fputc(']', x.f);
		if (count(&x, &n, MAX_ROUTES, "routes") != 0)
			return (-1);
		for (i = 0; i < n; i++) {
			if (address(&x, 0, 0, 0) != 0 || u32(&x, &v) != 0 ||
			    boolean(&x, &opt, "next hop") != 0 ||
			    (opt && address(&x, 0, 0, 0) != 0) ||
			    u32(&x, &v) != 0)
				return (-1);
			if (v >= nnics)
				return (bad(&x, "a route on NIC %u of %u", v,
				    nnics));
			if (u32(&x, &v) != 0 || u32(&x, &v) != 0)
				return (-1);
		}
		if (configs(&x) != 0)
			return (-1);
		if (x.pos != x.len)
			return (bad(&x, "%zu bytes left over", x.len - x.pos));
		if (x.f != NULL || f == NULL)
			return (0);
		x.f = f;
	}
}

void
json_string(FILE *f, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fprintf(f, "\\%c", p[i]);
		else if (p[i] < 0x20 || p[i] >= 0x7f)
			fprintf(f, "\\u%04x", p[i]);
		else
			fputc(p[i], f);
	}
	fputc('"', f);
}
