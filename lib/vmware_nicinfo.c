/*
 * The encoder of NIC info v3 (lib/vmware_nicinfo.h).  XDR (RFC 4506): every
 * item a multiple of four bytes, integers big-endian, a variable-length
 * string or opaque its length then its bytes padded with zeros, an optional
 * item (`*T` in nicinfo.x) a boolean then the item when it is there.
 *
 *	GuestNicProto	ver = 3, nicInfoV3 present
 *	NicInfoV3	nics<16>, routes<100> (none), dns, wins, dhcpv4,
 *			dhcpv6 (all absent)
 *	GuestNicV3	macAddress string<18>, ips<2048>, dns, wins, dhcpv4,
 *			dhcpv6 (all absent)
 *	IpAddressEntry	type (IAT_IPV4 1, IAT_IPV6 2), addr opaque<255>,
 *			prefix length, origin and status (absent)
 */
#include <sys/socket.h>
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "vmware_nicinfo.h"

#define NIC_INFO_V3	3
#define IAT_IPV4	1
#define IAT_IPV6	2

struct xdr_out {
	unsigned char	*p;
	size_t		 len, cap;
	int		 full;
};

static void
xdr_u32(struct xdr_out *x, uint32_t v)
{
	if (x->cap - x->len < 4) {
		x->full = 1;
		return;
	}
	x->p[x->len++] = v >> 24;
	x->p[x->len++] = v >> 16;
	x->p[x->len++] = v >> 8;
	x->p[x->len++] = v;
}

static void
xdr_opaque(struct xdr_out *x, const void *data, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;

	xdr_u32(x, (uint32_t)n);
	if (x->full || x->cap - x->len < padded) {
		x->full = 1;
		return;
	}
	memcpy(x->p + x->len, data, n);
	memset(x->p + x->len + n, 0, padded - n);
	x->len += padded;
}

static int
mac_ok(const char *mac)
{
	size_t i;

	if (strlen(mac) != PV_NICINFO_MACLEN)
		return (0);
	for (i = 0; i < PV_NICINFO_MACLEN; i++)
		if (i % 3 == 2 ? mac[i] != ':' :
		    !isxdigit((unsigned char)mac[i]))
			return (0);
	return (1);
}

int
pv_nicinfo_encode(const struct pv_nic *nics, size_t n, unsigned char *buf,
    size_t cap, size_t *lenp)
{
	struct xdr_out x = { buf, 0, cap, 0 };
	const struct pv_nic_addr *a;
	size_t i, j;

	*lenp = 0;
	if (n > PV_NICINFO_MAXNICS)
		return (E2BIG);
	for (i = 0; i < n; i++) {
		if (nics[i].naddrs > PV_NICINFO_MAXADDRS)
			return (E2BIG);
		if (!mac_ok(nics[i].mac))
			return (EINVAL);
		for (j = 0; j < nics[i].naddrs; j++) {
			a = &nics[i].addrs[j];
			if ((a->family != AF_INET && a->family != AF_INET6) ||
			    a->prefix > (a->family == AF_INET ? 32u : 128u))
				return (EINVAL);
		}
	}
	xdr_u32(&x, NIC_INFO_V3);
	xdr_u32(&x, 1);				/* nicInfoV3 present */
	xdr_u32(&x, (uint32_t)n);
	for (i = 0; i < n; i++) {
		xdr_opaque(&x, nics[i].mac, PV_NICINFO_MACLEN);
		xdr_u32(&x, (uint32_t)nics[i].naddrs);
		for (j = 0; j < nics[i].naddrs; j++) {
			a = &nics[i].addrs[j];
			xdr_u32(&x, a->family == AF_INET ? IAT_IPV4 : IAT_IPV6);
			xdr_opaque(&x, a->addr, a->family == AF_INET ? 4 : 16);
			xdr_u32(&x, a->prefix);
			xdr_u32(&x, 0);		/* no origin */
			xdr_u32(&x, 0);		/* no status */
		}
		for (j = 0; j < 4; j++)		/* no dns, wins, dhcp v4/v6 */
			xdr_u32(&x, 0);
	}
	xdr_u32(&x, 0);				/* no routes */
	for (j = 0; j < 4; j++)			/* no dns, wins, dhcp v4/v6 */
		xdr_u32(&x, 0);
	if (x.full)
		return (ENOSPC);
	*lenp = x.len;
	return (0);
}
