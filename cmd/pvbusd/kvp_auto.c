/*
 * The Auto pool (kvp.h): the items hv_kvp_daemon makes up when the host
 * enumerates pool 2, in its order, from the live system.  The daemon reads
 * the names once when it starts and resolves the domain name then; here
 * every enumeration reads them again, so that a renamed or upgraded
 * machine reports what it now is, and the name is resolved again when the
 * host name changed.  The addresses are those the VMware agent reports
 * (machine.h: the -o nics patterns, interfaces that are up, no loopback),
 * in the order of getifaddrs(3), as the daemon
 * lists them.
 */
#include <sys/socket.h>
#include <sys/utsname.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pv.h"
#include "pvbusd.h"
#include "machine.h"
#include "kvp.h"

enum {
	AUTO_FQDN,
	AUTO_ISV,
	AUTO_IPV4,
	AUTO_IPV6,
	AUTO_OSBUILD,
	AUTO_OSNAME,
	AUTO_OSMAJOR,
	AUTO_OSMINOR,
	AUTO_OSVERSION,
	AUTO_ARCH,
	AUTO_COUNT
};

static const char *const auto_names[AUTO_COUNT] = {
	[AUTO_FQDN] = "FullyQualifiedDomainName",
	[AUTO_ISV] = "IntegrationServicesVersion",
	[AUTO_IPV4] = "NetworkAddressIPv4",
	[AUTO_IPV6] = "NetworkAddressIPv6",
	[AUTO_OSBUILD] = "OSBuildNumber",
	[AUTO_OSNAME] = "OSName",
	[AUTO_OSMAJOR] = "OSMajorVersion",
	[AUTO_OSMINOR] = "OSMinorVersion",
	[AUTO_OSVERSION] = "OSVersion",
	[AUTO_ARCH] = "ProcessorArchitecture",
};

/*
 * VAR of os-release(5) as the daemon reads it: the last VAR= line, quotes
 * and newlines dropped wherever they are, a backslash taking the next byte
 * as it is.  /usr/lib/os-release stands in for a missing /etc/os-release,
 * as os-release(5) says; the daemon reads only the latter.  0 if found.
 */
static int
os_release(const struct kvpd *k, const char *var, char *out, size_t len)
{
	static const char *const files[] = { "/etc/os-release",
	    "/usr/lib/os-release" };
	char text[8192], *line, *next, *eq, *p, *q;
	size_t i, vlen = strlen(var);
	int found = 0;

	for (i = 0; i < nitems(files); i++)
		if (pv_read_text(k->plat, files[i], text, sizeof(text)) == 0)
			break;
	if (i == nitems(files))
		return (ENOENT);
	for (line = text; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			*next++ = '\0';
		if (line[0] == '#' || (eq = strchr(line, '=')) == NULL ||
		    (size_t)(eq - line) != vlen || strncmp(line, var, vlen))
			continue;
		for (p = q = eq + 1; *p != '\0'; p++) {
			if (*p == '\\') {
				if (*++p == '\0')
					break;
				*q++ = *p;
			} else if (*p != '\'' && *p != '"')
				*q++ = *p;
		}
		*q = '\0';
		snprintf(out, len, "%s", eq + 1);
		found = 1;
	}
	return (found ? 0 : ENOENT);
}

/*
 * The host name's canonical name (getaddrinfo(3), IPv4, as the daemon
 * asks), or the host name itself where it does not resolve: the daemon
 * then reports "getaddrinfo failed: ..." as the machine's name.
 */
static void
fqdn(struct kvpd *k, char *out, size_t len)
{
	struct addrinfo hints, *ai;
	char host[sizeof(k->fqdn_host)];
	int error;

	if (gethostname(host, sizeof(host)) == -1)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	if (k->fqdn[0] == '\0' || strcmp(host, k->fqdn_host) != 0) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_INET;
		hints.ai_socktype = SOCK_STREAM;
		hints.ai_flags = AI_CANONNAME;
		if ((error = getaddrinfo(host, NULL, &hints, &ai)) == 0 &&
		    ai->ai_canonname != NULL && ai->ai_canonname[0] != '\0')
			snprintf(k->fqdn, sizeof(k->fqdn), "%s",
			    ai->ai_canonname);
		else {
			logit(LOG_INFO, "KVP: host name %s does not resolve "
			    "(%s): reported as it is", host, error != 0 ?
			    gai_strerror(error) : "no canonical name");
			snprintf(k->fqdn, sizeof(k->fqdn), "%s", host);
		}
		if (error == 0)
			freeaddrinfo(ai);
		snprintf(k->fqdn_host, sizeof(k->fqdn_host), "%s", host);
	}
	snprintf(out, len, "%s", k->fqdn);
}

static int
seq_cmp(const void *a, const void *b)
{
	const struct m_addr *const *x = a, *const *y = b;

	return ((*x)->seq < (*y)->seq ? -1 : (*x)->seq > (*y)->seq);
}

int
kvpd_addr_list(const struct m_iface *ifs, size_t n, int family, char *out,
    size_t len)
{
	const struct m_addr **v;
	char text[INET6_ADDRSTRLEN];
	size_t i, j, nv = 0, off = 0, room;
	int error = 0;

	out[0] = '\0';
	for (i = 0; i < n; i++)
		nv += ifs[i].naddrs;
	if (nv == 0)
		return (0);
	if ((v = calloc(nv, sizeof(*v))) == NULL)
		return (ENOMEM);
	for (i = nv = 0; i < n; i++)
		for (j = 0; j < ifs[i].naddrs; j++)
			if (family == AF_UNSPEC ||
			    ifs[i].addrs[j].family == family)
				v[nv++] = &ifs[i].addrs[j];
	qsort(v, nv, sizeof(*v), seq_cmp);
	for (i = 0; i < nv; i++) {
		/* The daemon's reckoning: room for the longest, and two. */
		room = (v[i]->family == AF_INET ? INET_ADDRSTRLEN :
		    INET6_ADDRSTRLEN) + 2;
		if (len - off < room) {
			error = ENOSPC;
			break;
		}
		inet_ntop(v[i]->family, v[i]->addr, text, sizeof(text));
		snprintf(out + strlen(out), len - strlen(out), "%s%s",
		    off == 0 ? "" : ";", text);
		off += strlen(text) + 1;
	}
	free(v);
	return (error);
}

static void
addresses(struct kvpd *k, int family, char *out, size_t len)
{
	struct machine si;
	int error;

	out[0] = '\0';
	if ((error = machine_collect(&si, k->conf->exclude)) != 0) {
		logit(LOG_WARNING, "KVP: the interfaces: %s",
		    strerror(error));
		return;
	}
	(void)kvpd_addr_list(si.ifaces, si.nifaces, family, out, len);
	machine_free(&si);
}

/*
 * The system's names, once an enumeration: the host asks for the items one
 * message each, from the first, and a uname(2) for each of the ten and an
 * os-release(5) read for each of its two would tell it nothing more.
 */
static void
read_names(struct kvpd *k)
{
	if (uname(&k->uts) == -1)
		memset(&k->uts, 0, sizeof(k->uts));
	if (os_release(k, "NAME", k->os_name, sizeof(k->os_name)) != 0)
		snprintf(k->os_name, sizeof(k->os_name), "%s",
		    k->uts.sysname);
	if (os_release(k, "VERSION_ID", k->os_version_id,
	    sizeof(k->os_version_id)) != 0)
		k->os_version_id[0] = '\0';
	k->names_read = 1;
}

int
kvpd_auto_item(struct kvpd *k, uint32_t index, char *key, char *value)
{
	const struct utsname *u = &k->uts;

	if (index >= AUTO_COUNT)
		return (ENOENT);
	memset(key, 0, KVPD_KEYSIZE);
	memset(value, 0, KVPD_VALUESIZE);
	snprintf(key, KVPD_KEYSIZE, "%s", auto_names[index]);
	/* A new enumeration starts at 0, or at least not after the last. */
	if (!k->names_read || index <= k->names_index)
		read_names(k);
	k->names_index = index;
	switch (index) {
	case AUTO_FQDN:
		fqdn(k, value, KVPD_VALUESIZE);
		break;
	case AUTO_ISV:
		snprintf(value, KVPD_VALUESIZE, "%s", k->version[0] != '\0' ?
		    k->version : "Unknown version");
		break;
	case AUTO_IPV4:
		addresses(k, AF_INET, value, KVPD_VALUESIZE);
		break;
	case AUTO_IPV6:
		addresses(k, AF_INET6, value, KVPD_VALUESIZE);
		break;
	case AUTO_OSBUILD:
		snprintf(value, KVPD_VALUESIZE, "%s", u->release);
		break;
	case AUTO_OSNAME:
		snprintf(value, KVPD_VALUESIZE, "%s", k->os_name);
		break;
	case AUTO_OSMAJOR:
		snprintf(value, KVPD_VALUESIZE, "%s", k->os_version_id);
		break;
	case AUTO_OSMINOR:
		break;
	case AUTO_OSVERSION:
		/* The host wants x.y.z: the release up to its first '-'. */
		snprintf(value, KVPD_VALUESIZE, "%.*s",
		    (int)strcspn(u->release, "-"), u->release);
		break;
	case AUTO_ARCH:
		snprintf(value, KVPD_VALUESIZE, "%s", u->machine);
		break;
	}
	return (0);
}
