/*
 * The VMware agent: the guest side of VMware Tools, as OpenBSD's vmt(4)
 * is in its kernel.  The host sends commands on a TCLO channel (a MESSAGE
 * channel of protocol "TCLO"): the guest sends its reply to the previous
 * command (nothing at first) and asks for the next.  As vmt does, the
 * agent polls every second, at once again while the host has more, and
 * reopens the channel a second after any failure (a checkpoint the channel
 * did not survive, a host that closed it); a host that refuses to open one
 * is asked again after VMT_REOPEN_S.  Power commands run the configured
 * command; the guest's information goes out over RPCI every interval.
 *
 * Only one program can be the tools of a guest: while vmtoolsd runs, the
 * agent leaves TCLO and guest information to it and says so once.
 */
#include <sys/types.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pvbusd.h"
#include "proc.h"
#include "vmt.h"
#include "vmware_tclo.h"

#define VMT_REOPEN_S		15
#define VMT_POLL_S		1

/* tools.os.statechange.status states (vmt(4), open-vm-tools). */
enum {
	STATE_HALT = 1,
	STATE_REBOOT = 2,
	STATE_POWERON = 3,
	STATE_RESUME = 4,
	STATE_SUSPEND = 5,
};

int
vmt_rpci(struct vmt *v, const char *what, const char *msg, size_t len)
{
	char reply[256];
	const char *text;
	size_t rlen, tlen;
	int error;

	if ((error = pv_vmw_rpci(v->t, msg, len, reply, sizeof(reply),
	    &rlen)) != 0) {
		logit(LOG_WARNING, "%s: %s", what, strerror(error));
		return (-1);
	}
	if (pv_vmw_rpci_result(reply, rlen, &text, &tlen) != 0) {
		logit(LOG_WARNING, "%s: the host answered \"%.*s\"", what,
		    (int)rlen, reply);
		return (-1);
	}
	return (0);
}

static void
tclo_close(struct vmt *v)
{
	if (v->open)
		(void)pv_vmw_close(&v->chan);
	v->open = 0;
}

static int
tclo_open(struct vmt *v)
{
	int error;

	if ((error = pv_vmw_open(v->t, PV_VMW_PROTO_TCLO, &v->chan)) != 0) {
		logit(LOG_WARNING, "TCLO channel: the host refused it; "
		    "asking again in %d s", VMT_REOPEN_S);
		return (-1);
	}
	v->open = 1;
	v->ping = 1;
	return (0);
}

static void
statechange(struct vmt *v, int ok, int state)
{
	char msg[64];

	snprintf(msg, sizeof(msg), "tools.os.statechange.status %d %d", ok,
	    state);
	(void)vmt_rpci(v, "state change", msg, strlen(msg));
}

/* Register what the agent does, as vmt(4) does. */
static void
capabilities(struct vmt *v)
{
	char msg[64];

	/*
	 * The statechange capability has no value, and both vmtoolsd and
	 * vmt(4) send it with the space that would come before one.
	 */
	static const char *const caps[] = {
		"vmx.capability.unified_loop toolbox",
		"tools.capability.statechange ",
	};
	size_t i;

	for (i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		(void)vmt_rpci(v, "capabilities", caps[i], strlen(caps[i]));
	snprintf(msg, sizeof(msg), "tools.set.version %u", VMT_TOOLS_VERSION);
	(void)vmt_rpci(v, "tools version", msg, strlen(msg));
	/* A host that asks again has forgotten what it knew. */
	vmt_guestinfo_reset(v);
	vmt_guestinfo(v);
}

/* Halt or reboot: the host hears the state first, then a failure. */
static void
power(struct vmt *v, int state, const char *what, const char *cmd,
    char *reply, size_t len)
{
	logit(LOG_NOTICE, "the host asks for %s", what);
	statechange(v, 1, state);
	if (vmt_spawn(what, cmd, v->conf->cmd_timeout) == 0) {
		snprintf(reply, len, "%s", PV_TCLO_REPLY_OK);
		return;
	}
	statechange(v, 0, state);
	snprintf(reply, len, "ERROR %s command failed", what);
}

/* Act on one command of LEN bytes and put the reply into REPLY. */
static void
command(struct vmt *v, const char *msg, size_t len, char *reply, size_t rlen)
{
	struct pv_tclo_req req;
	char ip[64], set[128];

	pv_tclo_parse(msg, len, &req);
	snprintf(reply, rlen, "%s", PV_TCLO_REPLY_OK);
	switch (req.cmd) {
	case PV_TCLO_NONE:
	case PV_TCLO_PING:
	case PV_TCLO_SET_OPTION:
		break;
	case PV_TCLO_BAD:
		logit(LOG_WARNING, "TCLO: refused a command of %zu bytes: "
		    "%s", len, req.reason);
		snprintf(reply, rlen, "ERROR %s", req.reason);
		break;
	case PV_TCLO_UNKNOWN:
		snprintf(reply, rlen, "%s", PV_TCLO_REPLY_UNKNOWN);
		break;
	case PV_TCLO_RESET:
		snprintf(reply, rlen, "%s", PV_TCLO_REPLY_RESET);
		break;
	case PV_TCLO_CAPREG:
		capabilities(v);
		break;
	case PV_TCLO_HALT:
		power(v, STATE_HALT, "halt", v->conf->halt, reply, rlen);
		break;
	case PV_TCLO_REBOOT:
		power(v, STATE_REBOOT, "reboot", v->conf->reboot, reply, rlen);
		break;
	case PV_TCLO_POWERON:
		statechange(v, 1, STATE_POWERON);
		break;
	case PV_TCLO_SUSPEND:
		statechange(v, 1, STATE_SUSPEND);
		break;
	case PV_TCLO_RESUME:
		/* The host may have moved: tell it everything again. */
		vmt_guestinfo_reset(v);
		vmt_guestinfo(v);
		statechange(v, 1, STATE_RESUME);
		break;
	case PV_TCLO_BROADCASTIP:
		if (vmt_primary_ipv4(v, ip, sizeof(ip)) != 0) {
			snprintf(reply, rlen, "%s", PV_TCLO_REPLY_NOIP);
			break;
		}
		snprintf(set, sizeof(set), "info-set guestinfo.ip %s", ip);
		if (vmt_rpci(v, "guestinfo.ip", set, strlen(set)) != 0)
			snprintf(reply, rlen, "ERROR Unable to set guestinfo.ip");
		break;
	}
}

/*
 * One round on the channel: the reply owed (or an empty one), then the
 * host's next command.  1 when a command was answered (ask again at once),
 * 0 when the host had none, -1 when the channel failed.
 */
static int
tclo_poll(struct vmt *v)
{
	char cmd[PV_TCLO_MAXCMD + 1], reply[PV_TCLO_MAXCMD + 64];
	size_t len;
	int error;

	if (v->ping && pv_vmw_send(&v->chan, "", 0) != 0)
		return (-1);
	v->ping = 0;
	error = pv_vmw_recv(&v->chan, cmd, sizeof(cmd), &len);
	if (error == EMSGSIZE) {
		/* The library refused it whole: nothing of it was read. */
		logit(LOG_WARNING, "TCLO: refused a command longer than "
		    "%d bytes", PV_TCLO_MAXCMD);
		snprintf(reply, sizeof(reply), "ERROR Command too long");
	} else if (error != 0)
		return (-1);
	else if (len == 0) {
		v->ping = 1;
		return (0);
	} else
		command(v, cmd, len, reply, sizeof(reply));
	if (pv_vmw_send(&v->chan, reply, strlen(reply)) != 0)
		return (-1);
	return (1);
}

static int
after(const struct timespec *now, const struct timespec *t)
{
	return (now->tv_sec > t->tv_sec ||
	    (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec));
}

static int
vmt_run(const struct agent_conf *conf, struct pvbus *bus, size_t unit,
    int readyfd)
{
	struct vmt v;
	struct timespec now, next_info, next_open, wait;
	sigset_t set;
	pid_t other, deferred = 0;
	int r, delay, sig;

	/* The backdoor is the machine's, whichever unit found it. */
	(void)bus;
	(void)unit;
	memset(&v, 0, sizeof(v));
	v.conf = conf;
	v.t = &pv_vmw_backdoor;
	agent_block_stop(&set);
	agent_ready(conf, readyfd);

	clock_gettime(CLOCK_MONOTONIC, &now);
	next_info = next_open = now;
	for (;;) {
		delay = VMT_POLL_S;
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* Who owns TCLO: checked before opening and every interval. */
		if ((!v.open && after(&now, &next_open)) ||
		    after(&now, &next_info)) {
			other = proc_find("vmtoolsd");
			if (other != 0 && deferred == 0)
				logit(LOG_NOTICE, "vmtoolsd is running "
				    "(pid %d): TCLO and guest info are left "
				    "to it", (int)other);
			else if (other == 0 && deferred != 0)
				logit(LOG_NOTICE, "vmtoolsd has ended: "
				    "answering the host");
			deferred = other;
			if (deferred != 0) {
				tclo_close(&v);
				next_open = next_info = now;
				next_open.tv_sec += conf->interval;
				next_info.tv_sec += conf->interval;
			}
		}
		if (deferred == 0 && !v.open && after(&now, &next_open) &&
		    tclo_open(&v) != 0) {
			next_open = now;
			next_open.tv_sec += VMT_REOPEN_S;
		}
		if (deferred == 0 && v.open) {
			if ((r = tclo_poll(&v)) == 1)
				delay = 0;
			else if (r == -1) {
				logit(LOG_INFO, "TCLO channel failed: "
				    "reopening it");
				tclo_close(&v);
				next_open = now;
				next_open.tv_sec += VMT_POLL_S;
			}
		}
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (deferred == 0 && after(&now, &next_info)) {
			vmt_guestinfo(&v);
			next_info = now;
			next_info.tv_sec += conf->interval;
		}
		/* A zero wait still takes a signal that is pending. */
		wait.tv_sec = delay;
		wait.tv_nsec = 0;
		if ((sig = sigtimedwait(&set, NULL, &wait)) > 0)
			break;
	}
	tclo_close(&v);
	free(v.nicinfo);
	return (0);
}

static int
vmt_wants(const struct pvbus_unit *u)
{
	const char *store = pvbus_unit_store(u);

	return (strcmp(pvbus_unit_type(u), "VMware") == 0 && store != NULL &&
	    strcmp(store, "guestinfo") == 0);
}

const struct agent_ops vmt_agent = {
	.name = "VMware",
	.wants = vmt_wants,
	.run = vmt_run,
};
