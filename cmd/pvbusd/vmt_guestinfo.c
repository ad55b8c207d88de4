/*
 * Guest information for the VMware host, as vmt(4) and open-vm-tools send
 * it: "SetGuestInfo  <type> <value>" RPCI commands (the two spaces are the
 * protocol's) with the types of open-vm-tools' guestInfo.h, the NICs as
 * NIC info v3.  The host keeps what it was told, so only changes are sent;
 * the uptime goes every time, as the host's sign that the tools live.
 */
#include <sys/socket.h>
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pvbusd.h"
#include "machine.h"
#include "vmt.h"

enum {
	INFO_DNS_NAME = 1,
	INFO_OS_NAME_FULL = 5,
	INFO_OS_NAME = 6,
	INFO_UPTIME = 7,
};

static int
set_info(struct vmt *v, int type, const char *what, const char *value)
{
	char msg[512];
	int n;

	n = snprintf(msg, sizeof(msg), "SetGuestInfo  %d %s", type, value);
	if (n < 0 || (size_t)n >= sizeof(msg)) {
		logit(LOG_WARNING, "%s: too long to send", what);
		return (-1);
	}
	return (vmt_rpci(v, what, msg, (size_t)n));
}

void
vmt_guestinfo_reset(struct vmt *v)
{
	v->hostname[0] = '\0';
	v->os_sent = 0;
	v->nicinfo_sent = 0;
}

/* The NICs as the host takes them: the first 16, 64 addresses each. */
static void
send_nics(struct vmt *v, const struct machine *si)
{
	struct pv_nic nics[PV_NICINFO_MAXNICS];
	struct pv_nic_addr *addrs;
	const struct m_iface *it;
	unsigned char *msg;
	size_t n, i, j, len, dropped = si->dropped, pre;
	int error;

	n = si->nifaces < PV_NICINFO_MAXNICS ? si->nifaces :
	    PV_NICINFO_MAXNICS;
	dropped += si->nifaces - n;
	pre = strlen(PV_NICINFO_CMD);
	addrs = calloc(PV_NICINFO_MAXNICS * PV_NICINFO_MAXADDRS,
	    sizeof(*addrs));
	msg = malloc(pre + PV_NICINFO_MAXSIZE);
	if (addrs == NULL || msg == NULL) {
		logit(LOG_ERR, "NIC info: out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		it = &si->ifaces[i];
		memset(&nics[i], 0, sizeof(nics[i]));
		snprintf(nics[i].mac, sizeof(nics[i].mac),
		    "%02x:%02x:%02x:%02x:%02x:%02x", it->mac[0], it->mac[1],
		    it->mac[2], it->mac[3], it->mac[4], it->mac[5]);
		nics[i].addrs = &addrs[i * PV_NICINFO_MAXADDRS];
		for (j = 0; j < it->naddrs && j < PV_NICINFO_MAXADDRS; j++) {
			addrs[i * PV_NICINFO_MAXADDRS + j].family =
			    it->addrs[j].family;
			memcpy(addrs[i * PV_NICINFO_MAXADDRS + j].addr,
			    it->addrs[j].addr, 16);
			addrs[i * PV_NICINFO_MAXADDRS + j].prefix =
			    it->addrs[j].prefix;
		}
		nics[i].naddrs = j;
		dropped += it->naddrs - j + it->dropped;
	}
	if (dropped != v->dropped_logged) {
		if (dropped > 0)
			logit(LOG_WARNING, "NIC info: %zu interfaces or "
			    "addresses not reported: the host takes %d "
			    "interfaces of %d addresses", dropped,
			    PV_NICINFO_MAXNICS, PV_NICINFO_MAXADDRS);
		v->dropped_logged = dropped;
	}
	memcpy(msg, PV_NICINFO_CMD, pre);
	if ((error = pv_nicinfo_encode(nics, n, msg + pre, PV_NICINFO_MAXSIZE,
	    &len)) != 0) {
		logit(LOG_ERR, "NIC info: %s", strerror(error));
		goto out;
	}
	len += pre;
	if (v->nicinfo_sent && len == v->nicinfolen &&
	    memcmp(msg, v->nicinfo, len) == 0)
		goto out;
	if (vmt_rpci(v, "NIC info", (const char *)msg, len) != 0)
		goto out;
	free(v->nicinfo);
	v->nicinfo = msg;
	v->nicinfolen = len;
	v->nicinfo_sent = 1;
	msg = NULL;
 out:
	free(msg);
	free(addrs);
}

void
vmt_guestinfo(struct vmt *v)
{
	struct machine si;
	char up[32];
	int error;

	if ((error = machine_collect(&si, v->conf->exclude)) != 0) {
		logit(LOG_ERR, "guest info: %s", strerror(error));
		return;
	}
	if (strcmp(si.hostname, v->hostname) != 0 &&
	    set_info(v, INFO_DNS_NAME, "host name", si.hostname) == 0)
		snprintf(v->hostname, sizeof(v->hostname), "%s", si.hostname);
	if (!v->os_sent &&
	    set_info(v, INFO_OS_NAME_FULL, "OS name", si.os_full) == 0 &&
	    set_info(v, INFO_OS_NAME, "OS kind", si.os_name) == 0)
		v->os_sent = 1;
	snprintf(up, sizeof(up), "%" PRIu64, machine_uptime());
	(void)set_info(v, INFO_UPTIME, "uptime", up);
	send_nics(v, &si);
	machine_free(&si);
}

int
vmt_primary_ipv4(const struct vmt *v, char *buf, size_t len)
{
	struct machine si;
	size_t i, j;
	int rc = -1;

	if (machine_collect(&si, v->conf->exclude) != 0)
		return (-1);
	for (i = 0; i < si.nifaces && rc == -1; i++)
		for (j = 0; j < si.ifaces[i].naddrs; j++)
			if (si.ifaces[i].addrs[j].family == AF_INET) {
				if (inet_ntop(AF_INET,
				    si.ifaces[i].addrs[j].addr, buf,
				    (socklen_t)len) != NULL)
					rc = 0;
				break;
			}
	machine_free(&si);
	return (rc);
}
