/*
 * The machine as a guest agent reports it (machine.h): getifaddrs(3) for
 * the interfaces, uname(2) and os-release(5) for the names.
 */
#include <sys/socket.h>
#include <sys/utsname.h>
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/if_arp.h>
#include <errno.h>
#include <fnmatch.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "machine.h"

const char *const machine_default_exclude[] = {
	"veth*", "docker*", "br-*", "cni*", "flannel*", "cali*", "virbr*",
	"vnet*", "tun*", "tap*", "lxc*", "lxd*", "vxlan*", "cilium*",
	"kube-*", "weave*", "podman*", "antrea-*", "genev_sys_*", "vmnet*",
	"dummy*", "nodelocaldns",
	NULL
};

int
machine_excluded(const char *name, const char *const *exclude)
{
	for (; *exclude != NULL; exclude++)
		if (fnmatch(*exclude, name, 0) == 0)
			return (1);
	return (0);
}

uint64_t
machine_uptime(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) == -1)
		return (0);
	return ((uint64_t)ts.tv_sec * 100 + (uint64_t)ts.tv_nsec / 10000000);
}

/* PRETTY_NAME of os-release(5), unquoted; 0 if found. */
static int
os_pretty(char *buf, size_t len)
{
	static const char *const files[] = { "/etc/os-release",
	    "/usr/lib/os-release" };
	char line[512], *v, *e;
	size_t i, n;
	FILE *f;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		if ((f = fopen(files[i], "re")) == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if (strncmp(line, "PRETTY_NAME=", 12) != 0)
				continue;
			v = line + 12;
			v[strcspn(v, "\n")] = '\0';
			if (*v == '"' || *v == '\'') {
				if ((e = strrchr(v + 1, *v)) != NULL)
					*e = '\0';
				v++;
			}
			if (*v == '\0')
				continue;
			n = strlen(v) < len ? strlen(v) : len - 1;
			memcpy(buf, v, n);
			buf[n] = '\0';
			fclose(f);
			return (0);
		}
		fclose(f);
	}
	return (-1);
}

/*
 * VMware's guest OS kinds for Linux name the kernel's major version
 * ("other5xlinux", "other6xlinux"; 64-bit kinds end in "-64"), which the
 * host knows whatever the distribution.
 */
static void
os_names(struct machine *si)
{
	struct utsname u;
	unsigned long major;

	if (uname(&u) == -1) {
		snprintf(si->os_full, sizeof(si->os_full), "Linux");
		snprintf(si->os_name, sizeof(si->os_name), "otherlinux");
		return;
	}
	if (os_pretty(si->os_full, sizeof(si->os_full)) == -1)
		snprintf(si->os_full, sizeof(si->os_full), "%s %s", u.sysname,
		    u.release);
	/* Kernels newer than the newest kind the host knows take that one. */
	major = strtoul(u.release, NULL, 10);
	if (major > 6)
		major = 6;
	snprintf(si->os_name, sizeof(si->os_name), "other%sxlinux%s",
	    major >= 3 ? (const char *[]){ "3", "4", "5", "6" }[major - 3] :
	    "26", strcmp(u.machine, "x86_64") == 0 ||
	    strcmp(u.machine, "aarch64") == 0 ? "-64" : "");
}

static int
prefix_len(const unsigned char *mask, size_t n)
{
	size_t i;
	int bits = 0;
	unsigned char b;

	for (i = 0; i < n; i++)
		for (b = mask[i]; b & 0x80; b <<= 1)
			bits++;
	return (bits);
}

static struct m_iface *
find(struct machine *si, const char *name)
{
	size_t i;

	for (i = 0; i < si->nifaces; i++)
		if (strcmp(si->ifaces[i].name, name) == 0)
			return (&si->ifaces[i]);
	return (NULL);
}

static int
addr_cmp(const void *a, const void *b)
{
	const struct m_addr *x = a, *y = b;

	if (x->family != y->family)
		return (x->family == AF_INET ? -1 : 1);
	return (memcmp(x->addr, y->addr, sizeof(x->addr)));
}

static int
iface_cmp(const void *a, const void *b)
{
	const struct m_iface *x = a, *y = b;

	return (x->index < y->index ? -1 : x->index > y->index);
}

/*
 * V (N of *CAP elements of SIZE used) with room for one more: V itself, a
 * larger copy, or NULL (V left as it is) when memory is short.
 */
static void *
grow(void *v, size_t n, size_t *cap, size_t size)
{
	size_t want;

	if (n < *cap)
		return (v);
	want = *cap == 0 ? 4 : *cap * 2;
	if ((v = reallocarray(v, want, size)) != NULL)
		*cap = want;
	return (v);
}

/* The interfaces to report: up, not loopback, an Ethernet address. */
static int
add_link(struct machine *si, const struct ifaddrs *ifa,
    const char *const *exclude)
{
	const struct sockaddr_ll *ll = (const void *)ifa->ifa_addr;
	struct m_iface *it;

	if ((ifa->ifa_flags & IFF_LOOPBACK) || !(ifa->ifa_flags & IFF_UP) ||
	    ll->sll_hatype != ARPHRD_ETHER || ll->sll_halen != 6 ||
	    machine_excluded(ifa->ifa_name, exclude) ||
	    find(si, ifa->ifa_name) != NULL)
		return (0);
	if (si->nifaces == M_MAXIFACES) {
		si->dropped++;
		return (0);
	}
	if ((it = grow(si->ifaces, si->nifaces, &si->ifacecap,
	    sizeof(*si->ifaces))) == NULL)
		return (ENOMEM);
	si->ifaces = it;
	it = &si->ifaces[si->nifaces++];
	memset(it, 0, sizeof(*it));
	snprintf(it->name, sizeof(it->name), "%s", ifa->ifa_name);
	it->index = (unsigned int)ll->sll_ifindex;
	memcpy(it->mac, ll->sll_addr, 6);
	return (0);
}

static int
add_addr(struct machine *si, const struct ifaddrs *ifa, unsigned int seq)
{
	const struct sockaddr_in *in = (const void *)ifa->ifa_addr;
	const struct sockaddr_in6 *in6 = (const void *)ifa->ifa_addr;
	struct m_iface *it;
	struct m_addr *a;

	if ((it = find(si, ifa->ifa_name)) == NULL)
		return (0);
	/*
	 * Link-local IPv6 addresses stay, as vmtoolsd and hv_kvp_daemon keep
	 * them: the host shows what the guest has.
	 */
	if (ifa->ifa_addr->sa_family == AF_INET6 &&
	    IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr))
		return (0);
	if (ifa->ifa_addr->sa_family == AF_INET &&
	    (ntohl(in->sin_addr.s_addr) >> 24) == 127)
		return (0);
	if (it->naddrs == M_MAXADDRS) {
		it->dropped++;
		return (0);
	}
	if ((a = grow(it->addrs, it->naddrs, &it->addrcap,
	    sizeof(*it->addrs))) == NULL)
		return (ENOMEM);
	it->addrs = a;
	a = &it->addrs[it->naddrs++];
	memset(a, 0, sizeof(*a));
	a->family = ifa->ifa_addr->sa_family;
	a->seq = seq;
	if (a->family == AF_INET) {
		memcpy(a->addr, &in->sin_addr, 4);
		a->prefix = ifa->ifa_netmask == NULL ? 32 : prefix_len(
		    (const unsigned char *)&((const struct sockaddr_in *)
		    (const void *)ifa->ifa_netmask)->sin_addr, 4);
	} else {
		memcpy(a->addr, &in6->sin6_addr, 16);
		a->prefix = ifa->ifa_netmask == NULL ? 128 : prefix_len(
		    ((const struct sockaddr_in6 *)(const void *)
		    ifa->ifa_netmask)->sin6_addr.s6_addr, 16);
	}
	return (0);
}

int
machine_collect(struct machine *si, const char *const *exclude)
{
	struct ifaddrs *ifs, *ifa;
	unsigned int seq;
	size_t i;
	int pass, error = 0;

	memset(si, 0, sizeof(*si));
	if (gethostname(si->hostname, sizeof(si->hostname)) == -1)
		si->hostname[0] = '\0';
	si->hostname[sizeof(si->hostname) - 1] = '\0';
	os_names(si);
	if (getifaddrs(&ifs) == -1)
		return (errno);
	/* Links first: an address belongs to an interface already known. */
	for (pass = 0; pass < 2; pass++)
		for (ifa = ifs, seq = 0; ifa != NULL && error == 0;
		    ifa = ifa->ifa_next, seq++) {
			if (ifa->ifa_addr == NULL)
				continue;
			if (pass == 0 && ifa->ifa_addr->sa_family == AF_PACKET)
				error = add_link(si, ifa, exclude);
			else if (pass == 1 &&
			    (ifa->ifa_addr->sa_family == AF_INET ||
			    ifa->ifa_addr->sa_family == AF_INET6))
				error = add_addr(si, ifa, seq);
		}
	freeifaddrs(ifs);
	if (error != 0) {
		machine_free(si);
		return (error);
	}
	/* An empty array is NULL, which qsort(3) must not be given. */
	if (si->nifaces > 0)
		qsort(si->ifaces, si->nifaces, sizeof(*si->ifaces), iface_cmp);
	for (i = 0; i < si->nifaces; i++)
		if (si->ifaces[i].naddrs > 0)
			qsort(si->ifaces[i].addrs, si->ifaces[i].naddrs,
			    sizeof(si->ifaces[i].addrs[0]), addr_cmp);
	return (0);
}

void
machine_free(struct machine *si)
{
	size_t i;

	for (i = 0; i < si->nifaces; i++)
		free(si->ifaces[i].addrs);
	free(si->ifaces);
	si->ifaces = NULL;
	si->nifaces = si->ifacecap = 0;
}
