/*
 * A NIC's IP configuration for the host (kvp.h), as hv_kvp_daemon gives
 * and takes it.
 *
 * KVP_OP_GET_IP_INFO names the NIC by its MAC ("00:15:5D:..."): the
 * answer holds its addresses and their subnets (IPv4 masks, IPv6 "/plen"),
 * the default gateways and the DNS servers, each list ';'-separated in the
 * daemon's layout, the address families present and whether DHCP is on.
 * The gateways come from the kernel's routing tables (the daemon runs "ip
 * route" and awk); the DNS servers and the DHCP state from the
 * distribution's hv_get_dns_info and hv_get_dhcp_info, which the daemon
 * runs too, or where they are missing from /etc/resolv.conf and as off.
 *
 * KVP_OP_SET_IP_INFO names the NIC by its VMBus instance (sysfs
 * device/device_id): the configuration is written to
 * /var/lib/hyperv/ifcfg-NAME in the daemon's format and handed to the
 * distribution's hv_set_ifconfig.  Without that script there is nothing
 * that could apply it, and the host is told so (HV_ERROR_NOT_SUPPORTED).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/hyperv.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include "pv.h"
#include "pvbusd.h"
#include "machine.h"
#include "kvp.h"
#include "proc.h"

#define SCRIPT_MAXOUT	65536
#define CFG_MAX		16384

/* The daemon reads the scripts' output in lines of at most this. */
#define SCRIPT_LINE	256

/* S for the log, its bytes outside printable ASCII as '?'. */
static const char *
printable(const char *s, char *buf, size_t len)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < len; i++)
		buf[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	buf[i] = '\0';
	return (buf);
}

/*
 * Run PATH with ARG (may be NULL), no shell, its output into OUT (LEN
 * bytes, NUL-terminated).  Its exit status into *STATUS; -1 if it could
 * not run.
 */
static int
script(const char *path, const char *arg, char *out, size_t len, int *status)
{
	size_t got = 0;
	ssize_t n;
	pid_t pid;
	int p[2], fd;
	char c;

	out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		logit(LOG_ERR, "KVP: %s: %s", path, strerror(errno));
		return (-1);
	}
	if (pid == 0) {
		proc_child_signals();
		if ((fd = open("/dev/null", O_RDONLY)) == -1 ||
		    dup2(fd, STDIN_FILENO) == -1 ||
		    dup2(p[1], STDOUT_FILENO) == -1)
			_exit(126);
		close_range(STDERR_FILENO + 1, ~0u, 0);
		execl(path, path, arg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	for (;;) {
		if (got + 1 < len)
			n = read(p[0], out + got, len - 1 - got);
		else
			n = read(p[0], &c, 1);	/* the rest is dropped */
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (got + 1 < len)
			got += (size_t)n;
	}
	out[got] = '\0';
	close(p[0]);
	while (waitpid(pid, status, 0) == -1)
		if (errno != EINTR)
			return (-1);
	return (0);
}

/*
 * Append the output lines of a command to LIST (LEN bytes) as the daemon
 * does: each line (cut at SCRIPT_LINE - 1 bytes) and a ';', while LIST
 * keeps room for an element of ELEM bytes and its ';'.
 */
static void
append_lines(char *list, size_t len, const char *text, size_t elem)
{
	size_t n;

	while (*text != '\0') {
		n = strcspn(text, "\n");
		if (n > SCRIPT_LINE - 1)
			n = SCRIPT_LINE - 1;
		if (len < strlen(list) + elem + 1)
			break;
		snprintf(list + strlen(list), len - strlen(list), "%.*s;",
		    (int)n, text);
		text += n;
		if (*text == '\n')
			text++;
	}
}

/* The default gateways of IFNAME: IPv4 then IPv6, into LIST. */
static void
gateways(const struct kvpd *k, const char *ifname, char *list, size_t len)
{
	char text[65536], *line, *next, dev[IF_NAMESIZE + 1];
	char buf[INET6_ADDRSTRLEN], dst[33], gw[33], out[4096];
	unsigned int d, g, flags, mask, plen;
	unsigned char a6[16];
	struct in_addr a4;
	size_t i;

	out[0] = '\0';
	if (pv_read_text(k->plat, "/proc/net/route", text,
	    sizeof(text)) == 0)
		for (line = text; *line != '\0'; line = next) {
			next = line + strcspn(line, "\n");
			if (*next == '\n')
				*next++ = '\0';
			if (sscanf(line, "%16s %x %x %x %*d %*u %*d %x", dev, &d,
			    &g, &flags, &mask) != 5 || strcmp(dev, ifname) ||
			    d != 0 || mask != 0 || g == 0)
				continue;
			a4.s_addr = g;
			inet_ntop(AF_INET, &a4, buf, sizeof(buf));
			snprintf(out + strlen(out), sizeof(out) - strlen(out),
			    "%s\n", buf);
		}
	append_lines(list, len, out, INET_ADDRSTRLEN);
	out[0] = '\0';
	if (pv_read_text(k->plat, "/proc/net/ipv6_route", text,
	    sizeof(text)) == 0)
		for (line = text; *line != '\0'; line = next) {
			next = line + strcspn(line, "\n");
			if (*next == '\n')
				*next++ = '\0';
			if (sscanf(line, "%32s %x %*s %*x %32s %*x %*x %*x %*x "
			    "%16s", dst, &plen, gw, dev) != 4 ||
			    strcmp(dev, ifname) || plen != 0 ||
			    strspn(dst, "0") != 32 || strspn(gw, "0") == 32 ||
			    strlen(gw) != 32)
				continue;
			for (i = 0; i < 16; i++)
				sscanf(gw + 2 * i, "%2hhx", &a6[i]);
			inet_ntop(AF_INET6, a6, buf, sizeof(buf));
			snprintf(out + strlen(out), sizeof(out) - strlen(out),
			    "%s\n", buf);
		}
	append_lines(list, len, out, INET6_ADDRSTRLEN);
}

/* The nameserver lines of resolv.conf(5), one server a line. */
static void
resolv_conf(const struct kvpd *k, char *out, size_t len)
{
	char text[16384], *line, *next, *p;
	size_t n;

	out[0] = '\0';
	if (pv_read_text(k->plat, "/etc/resolv.conf", text,
	    sizeof(text)) != 0)
		return;
	for (line = text; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		if (strncmp(line, "nameserver", 10) != 0 ||
		    !isspace((unsigned char)line[10]))
			continue;
		p = line + 10 + strspn(line + 10, " \t");
		n = strcspn(p, " \t");
		snprintf(out + strlen(out), len - strlen(out), "%.*s\n",
		    (int)n, p);
	}
}

static void
dns_dhcp(const struct kvpd *k, const char *ifname,
    struct hv_kvp_ipaddr_value *v)
{
	char *out;
	int status;

	if ((out = malloc(SCRIPT_MAXOUT)) == NULL)
		return;
	if (access(KVPD_DNS_SCRIPT, X_OK) != 0 ||
	    script(KVPD_DNS_SCRIPT, NULL, out, SCRIPT_MAXOUT, &status) != 0)
		resolv_conf(k, out, SCRIPT_MAXOUT);
	append_lines((char *)v->dns_addr, sizeof(v->dns_addr), out,
	    INET_ADDRSTRLEN);
	/* Without an answer the flag stays as the host sent it. */
	if (access(KVPD_DHCP_SCRIPT, X_OK) == 0 &&
	    script(KVPD_DHCP_SCRIPT, ifname, out, 128, &status) == 0 &&
	    out[0] != '\0')
		v->dhcp_enabled = strncmp(out, "Enabled", 7) == 0;
	free(out);
}

/*
 * The subnets, as the daemon lists them: an IPv4 mask needs the room of
 * the longest address and two bytes more; an IPv6 "/plen" is added while
 * the count the daemon keeps (every entry so far, its ';' and the whole
 * list again for each IPv6 one) leaves room for it.
 */
struct subnets {
	char	*list;
	size_t	 len;
	size_t	 off;
};

static void
subnet_add(struct subnets *s, const struct m_addr *a)
{
	unsigned char mask[4] = { 0 };
	char text[INET_ADDRSTRLEN + 8];
	unsigned int i;

	if (a->family == AF_INET) {
		if (s->len - s->off < INET_ADDRSTRLEN + 2)
			return;
		for (i = 0; i < a->prefix && i < 32; i++)
			mask[i / 8] |= 0x80 >> (i % 8);
		inet_ntop(AF_INET, mask, text, sizeof(text));
		snprintf(s->list + strlen(s->list), s->len - strlen(s->list),
		    "%s%s", s->off == 0 ? "" : ";", text);
		s->off += strlen(text) + 1;
		return;
	}
	snprintf(text, sizeof(text), "/%u", a->prefix);
	if (s->len < s->off + strlen(text) + 1)
		return;
	snprintf(s->list + strlen(s->list), s->len - strlen(s->list), "%s%s",
	    s->off == 0 ? "" : ";", text);
	s->off += strlen(s->list) + 1;
}

static int
addr_seq_cmp(const void *a, const void *b)
{
	const struct m_addr *x = a, *y = b;

	return (x->seq < y->seq ? -1 : x->seq > y->seq);
}

static void
get_ip_info(struct kvpd *k, struct hv_kvp_msg *m)
{
	struct hv_kvp_ipaddr_value *v = &m->body.kvp_ip_val;
	struct subnets sn;
	struct machine si;
	struct m_iface *it = NULL, one;
	char mac[18], *ip;
	size_t i, off, room;
	int error;

	if (memchr(v->adapter_id, '\0', sizeof(v->adapter_id)) == NULL) {
		kvpd_refuse(k, m, "GET_IP_INFO: an adapter id without its "
		    "NUL");
		return;
	}
	if ((error = machine_collect(&si, k->conf->exclude)) != 0) {
		logit(LOG_WARNING, "KVP: the interfaces: %s",
		    strerror(error));
		m->error = HV_E_FAIL;
		return;
	}
	/* A VF shares its NIC's MAC: the one with addresses answers. */
	for (i = 0; i < si.nifaces; i++) {
		snprintf(mac, sizeof(mac), "%02X:%02X:%02X:%02X:%02X:%02X",
		    si.ifaces[i].mac[0], si.ifaces[i].mac[1],
		    si.ifaces[i].mac[2], si.ifaces[i].mac[3],
		    si.ifaces[i].mac[4], si.ifaces[i].mac[5]);
		if (strcmp(mac, (const char *)v->adapter_id) != 0)
			continue;
		if (it == NULL || (it->naddrs == 0 && si.ifaces[i].naddrs > 0))
			it = &si.ifaces[i];
	}
	if (it == NULL) {
		logit(LOG_INFO, "KVP: GET_IP_INFO: no interface reported "
		    "has the MAC %s", printable((const char *)v->adapter_id,
		    mac, sizeof(mac)));
		machine_free(&si);
		m->error = HV_E_FAIL;
		return;
	}
	one = *it;
	if (one.naddrs > 0)
		qsort(one.addrs, one.naddrs, sizeof(one.addrs[0]),
		    addr_seq_cmp);
	v->addr_family = 0;
	memset(v->ip_addr, 0, sizeof(v->ip_addr));
	memset(v->sub_net, 0, sizeof(v->sub_net));
	memset(v->gate_way, 0, sizeof(v->gate_way));
	memset(v->dns_addr, 0, sizeof(v->dns_addr));
	ip = (char *)v->ip_addr;
	sn.list = (char *)v->sub_net;
	sn.len = sizeof(v->sub_net);
	sn.off = 0;
	m->error = HV_S_OK;
	for (i = off = 0; i < one.naddrs; i++) {
		const struct m_addr *a = &one.addrs[i];
		char text[INET6_ADDRSTRLEN];

		v->addr_family |= a->family == AF_INET ? ADDR_FAMILY_IPV4 :
		    ADDR_FAMILY_IPV6;
		subnet_add(&sn, a);
		room = (a->family == AF_INET ? INET_ADDRSTRLEN :
		    INET6_ADDRSTRLEN) + 2;
		if (sizeof(v->ip_addr) - off < room) {
			m->error = HV_E_FAIL;
			break;
		}
		inet_ntop(a->family, a->addr, text, sizeof(text));
		snprintf(ip + strlen(ip), sizeof(v->ip_addr) - strlen(ip),
		    "%s%s", off == 0 ? "" : ";", text);
		off += strlen(text) + 1;
	}
	/* The daemon asks for the rest with each address, so only with one. */
	if (one.naddrs > 0) {
		gateways(k, one.name, (char *)v->gate_way,
		    sizeof(v->gate_way));
		dns_dhcp(k, one.name, v);
	}
	machine_free(&si);
}

/* The interface whose VMBus instance (device/device_id) is GUID. */
static int
if_by_guid(const struct kvpd *k, const char *guid, char *name, size_t len)
{
	char path[PATH_MAX], id[256];
	struct dirent *de;
	DIR *d;
	int found = 0;

	if (pv_opendir(k->plat, "/sys/class/net", &d) != 0)
		return (0);
	while (!found && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/class/net/%s/device/"
		    "device_id", de->d_name);
		if (pv_read_text(k->plat, path, id, sizeof(id)) != 0)
			continue;
		id[strcspn(id, "\n")] = '\0';
		if (strcmp(id, guid) == 0) {
			snprintf(name, len, "%s", de->d_name);
			found = 1;
		}
	}
	closedir(d);
	return (found);
}

enum { CFG_IPADDR, CFG_NETMASK, CFG_GATEWAY, CFG_DNS };

/*
 * One ';'-separated list of the host's into the configuration, as the
 * daemon writes it (its process_ip_string): IPv4 entries IPADDR0..,
 * NETMASK0.., GATEWAY then GATEWAY1.., IPv6 entries IPV6ADDR then
 * IPV6ADDR_1.. (and IPV6NETMASK, IPV6_DEFAULTGW) spelt out in full, DNS1..
 * for either.  The list ends at its first empty entry.  0, or -1 for an
 * entry that is no address (a netmask that is none is taken as an IPv6
 * prefix length, as the daemon takes it).
 */
static int
cfg_list(char *cfg, size_t cfglen, const char *list, int type)
{
	static const char *const v4[] = { "IPADDR", "NETMASK", "GATEWAY",
	    "DNS" };
	static const char *const v6[] = { "IPV6ADDR", "IPV6NETMASK",
	    "IPV6_DEFAULTGW", "DNS" };
	char tok[INET6_ADDRSTRLEN], suffix[16], full[64];
	unsigned char a[16];
	const char *p = list, *q;
	size_t n;
	int i = 0, j = 0;

	while (*p != '\0' && *p != ';') {
		n = strcspn(p, ";");
		q = p + strspn(p, " ");
		if ((size_t)(q - p) > n)
			q = p + n;
		if ((size_t)(p + n - q) >= sizeof(tok))
			return (-1);
		memcpy(tok, q, p + n - q);
		tok[p + n - q] = '\0';
		p += n;
		if (*p == ';')
			p++;
		suffix[0] = '\0';
		if (inet_pton(AF_INET, tok, a) == 1) {
			if (type == CFG_DNS)
				snprintf(suffix, sizeof(suffix), "%d", ++i);
			else if (type == CFG_GATEWAY && i == 0)
				++i;
			else
				snprintf(suffix, sizeof(suffix), "%d", i++);
			snprintf(full, sizeof(full), "%s", tok);
			snprintf(cfg + strlen(cfg), cfglen - strlen(cfg),
			    "%s%s=%s\n", v4[type], suffix, full);
			continue;
		}
		if (inet_pton(AF_INET6, tok, a) == 1)
			snprintf(full, sizeof(full), "%02x%02x:%02x%02x:"
			    "%02x%02x:%02x%02x:%02x%02x:%02x%02x:%02x%02x:"
			    "%02x%02x", a[0], a[1], a[2], a[3], a[4], a[5],
			    a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13],
			    a[14], a[15]);
		else if (type == CFG_NETMASK)
			snprintf(full, sizeof(full), "%s", tok);
		else
			return (-1);
		if (type == CFG_DNS)
			snprintf(suffix, sizeof(suffix), "%d", ++i);
		else if (j == 0)
			++j;
		else
			snprintf(suffix, sizeof(suffix), "_%d", j++);
		snprintf(cfg + strlen(cfg), cfglen - strlen(cfg), "%s%s=%s\n",
		    v6[type], suffix, full);
	}
	return (0);
}

/* Write CFG to PATH whole (a file beside it, renamed), or fail. */
static int
cfg_write(const char *path, const char *cfg)
{
	char tmp[PATH_MAX];
	size_t len = strlen(cfg);
	ssize_t n;
	int fd, error = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.new", path) >= (int)sizeof(tmp))
		return (ENAMETOOLONG);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0644)) == -1)
		return (errno);
	while (len > 0 && error == 0) {
		if ((n = write(fd, cfg, len)) == -1) {
			if (errno != EINTR)
				error = errno;
			continue;
		}
		cfg += n;
		len -= (size_t)n;
	}
	if (close(fd) == -1 && error == 0)
		error = errno;
	if (error == 0 && rename(tmp, path) == -1)
		error = errno;
	if (error != 0)
		unlink(tmp);
	return (error);
}

static int
field_string(const void *field, size_t size)
{
	return (memchr(field, '\0', size) != NULL);
}

static void
set_ip_info(struct kvpd *k, struct hv_kvp_msg *m)
{
	struct hv_kvp_ipaddr_value *v = &m->body.kvp_ip_val;
	char ifname[256], path[PATH_MAX], file[PATH_MAX], mac[64], *cfg;
	size_t i;
	int status, error;

	if (!field_string(v->adapter_id, sizeof(v->adapter_id)) ||
	    !field_string(v->ip_addr, sizeof(v->ip_addr)) ||
	    !field_string(v->sub_net, sizeof(v->sub_net)) ||
	    !field_string(v->gate_way, sizeof(v->gate_way)) ||
	    !field_string(v->dns_addr, sizeof(v->dns_addr))) {
		kvpd_refuse(k, m, "SET_IP_INFO: a field without its NUL");
		return;
	}
	if (!if_by_guid(k, (const char *)v->adapter_id, ifname,
	    sizeof(ifname))) {
		logit(LOG_INFO, "KVP: SET_IP_INFO: no interface is the "
		    "VMBus device %s", printable((const char *)v->adapter_id,
		    ifname, sizeof(ifname)));
		m->error = HV_GUID_NOTFOUND;
		return;
	}
	if (access(KVPD_SETIP_SCRIPT, X_OK) != 0) {
		logit(LOG_WARNING, "KVP: SET_IP_INFO for %s: no %s to apply "
		    "it: refused as not supported", ifname, KVPD_SETIP_SCRIPT);
		m->error = HV_ERROR_NOT_SUPPORTED;
		return;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/address", ifname);
	if (pv_read_text(k->plat, path, mac, sizeof(mac)) != 0) {
		logit(LOG_WARNING, "KVP: SET_IP_INFO: %s has no MAC", ifname);
		m->error = HV_E_FAIL;
		return;
	}
	mac[strcspn(mac, "\n")] = '\0';
	for (i = 0; mac[i] != '\0'; i++)
		mac[i] = toupper((unsigned char)mac[i]);
	if ((cfg = calloc(1, CFG_MAX)) == NULL) {
		m->error = HV_E_FAIL;
		return;
	}
	snprintf(cfg, CFG_MAX, "HWADDR=%s\nDEVICE=%s\nBOOTPROTO=%s\n", mac,
	    ifname, v->dhcp_enabled ? "dhcp" : "none");
	if (cfg_list(cfg, CFG_MAX, (const char *)v->ip_addr, CFG_IPADDR) ||
	    cfg_list(cfg, CFG_MAX, (const char *)v->sub_net, CFG_NETMASK) ||
	    cfg_list(cfg, CFG_MAX, (const char *)v->gate_way, CFG_GATEWAY) ||
	    cfg_list(cfg, CFG_MAX, (const char *)v->dns_addr, CFG_DNS)) {
		logit(LOG_WARNING, "KVP: SET_IP_INFO for %s: refused an "
		    "entry that is no address", ifname);
		m->error = HV_INVALIDARG;
		free(cfg);
		return;
	}
	snprintf(path, sizeof(path), "/var/lib/hyperv/ifcfg-%s", ifname);
	if ((error = pv_path(k->plat, path, file, sizeof(file))) == 0)
		error = cfg_write(file, cfg);
	free(cfg);
	if (error != 0) {
		logit(LOG_ERR, "KVP: SET_IP_INFO: %s: %s", file,
		    strerror(error));
		m->error = HV_E_FAIL;
		return;
	}
	if (script(KVPD_SETIP_SCRIPT, file, path, 2, &status) != 0 ||
	    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		logit(LOG_WARNING, "KVP: SET_IP_INFO: %s %s failed",
		    KVPD_SETIP_SCRIPT, file);
		m->error = HV_E_FAIL;
		return;
	}
	logit(LOG_NOTICE, "KVP: the host's IP configuration for %s applied",
	    ifname);
	m->error = HV_S_OK;
}

void
kvpd_ipinfo(struct kvpd *k, void *msg, int set)
{
	if (set)
		set_ip_info(k, msg);
	else
		get_ip_info(k, msg);
}
