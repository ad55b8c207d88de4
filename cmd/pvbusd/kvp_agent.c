/*
 * The Hyper-V KVP agent (kvp.h): pvbusd in hv_kvp_daemon's place.
 *
 * The agent opens the driver's device, registers, and then answers one
 * request for each message the driver hands it, until SIGTERM, SIGINT or
 * SIGHUP, or until the device goes away (the driver was unloaded: the
 * agent ends, and pvbusd with it, for the service manager to restart).
 * Only one program can hold the device: while hv_kvp_daemon runs, the
 * agent leaves it the device, says so once, and looks again every
 * interval.
 */
#include <sys/signalfd.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pv.h"
#include "pvbusd.h"
#include "proc.h"
#include "kvp.h"

/* The agent's device, or -1; the daemon's pid when it defers to it. */
struct kvp_state {
	struct kvpd	 k;
	int		 dev;
	pid_t		 deferred;
	int		 failed_logged;
};

static int
kvp_open(struct kvp_state *s)
{
	char *msg;
	size_t size = kvpd_msg_size();
	ssize_t n;
	int error;

	if ((error = kvpd_pools_open(&s->k)) != 0)
		return (-1);
	if ((error = pv_open(s->k.plat, KVPD_DEVICE, O_RDWR, 0,
	    &s->dev)) != 0) {
		if (!s->failed_logged)
			logit(LOG_WARNING, "KVP: %s: %s%s", KVPD_DEVICE,
			    strerror(error), error == EBUSY ? " (another "
			    "program serves it)" : "");
		s->failed_logged = 1;
		s->dev = -1;
		kvpd_pools_close(&s->k);
		return (-1);
	}
	if ((msg = calloc(1, size)) == NULL) {
		close(s->dev);
		s->dev = -1;
		kvpd_pools_close(&s->k);
		return (-1);
	}
	kvpd_register_msg(msg);
	n = write(s->dev, msg, size);
	free(msg);
	if (n != (ssize_t)size) {
		logit(LOG_ERR, "KVP: %s: registering: %s", KVPD_DEVICE,
		    n == -1 ? strerror(errno) : "short write");
		close(s->dev);
		s->dev = -1;
		kvpd_pools_close(&s->k);
		return (-1);
	}
	s->failed_logged = 0;
	s->k.version[0] = '\0';
	logit(LOG_INFO, "KVP: serving %s", KVPD_DEVICE);
	return (0);
}

static void
kvp_close(struct kvp_state *s)
{
	if (s->dev != -1)
		close(s->dev);
	s->dev = -1;
	kvpd_pools_close(&s->k);
}

/*
 * One message from the device: 1 when it was answered, 0 when the
 * handshake took it, -1 when the device failed.
 */
static int
kvp_serve(struct kvp_state *s, char *buf, size_t size, int *registered)
{
	ssize_t n;
	size_t len;

	/* One byte more than a message, to see one that is too long. */
	if ((n = read(s->dev, buf, size + 1)) == -1) {
		if (errno == EINTR || errno == EAGAIN)
			return (0);
		logit(LOG_ERR, "KVP: %s: %s", KVPD_DEVICE, strerror(errno));
		return (-1);
	}
	if (n == 0) {
		logit(LOG_NOTICE, "KVP: %s closed", KVPD_DEVICE);
		return (-1);
	}
	if (!*registered) {
		*registered = 1;
		if (kvpd_register_answer(&s->k, buf, (size_t)n))
			return (0);
	}
	len = kvpd_handle(&s->k, buf, (size_t)n);
	if ((n = write(s->dev, buf, len)) != (ssize_t)len) {
		logit(LOG_ERR, "KVP: %s: answering: %s", KVPD_DEVICE,
		    n == -1 ? strerror(errno) : "short write");
		return (-1);
	}
	return (1);
}

static int
kvp_run(const struct agent_conf *conf, struct pvbus *bus, size_t unit,
    int readyfd)
{
	const struct pv_unit *u = (const void *)pvbus_unit(bus, unit);
	struct kvp_state s;
	struct pollfd pfd[2];
	struct signalfd_siginfo si;
	sigset_t set;
	pid_t other;
	size_t size = kvpd_msg_size();
	char *buf;
	int sfd, r, rc = 0, registered = 0;

	memset(&s, 0, sizeof(s));
	s.k.conf = conf;
	s.k.plat = u->plat;
	s.dev = -1;
	for (r = 0; r < KVPD_NPOOLS; r++)
		s.k.pools[r] = -1;
	agent_block_stop(&set);
	if ((sfd = signalfd(-1, &set, SFD_CLOEXEC)) == -1 ||
	    (buf = calloc(1, size + 1)) == NULL) {
		logit(LOG_ERR, "KVP: %s", strerror(errno));
		return (1);
	}
	agent_ready(conf, readyfd);

	for (;;) {
		if (s.dev == -1) {
			other = proc_find(KVPD_DAEMON);
			if (other != 0 && s.deferred == 0)
				logit(LOG_NOTICE, "KVP: %s is running (pid "
				    "%d): the device is left to it",
				    KVPD_DAEMON, (int)other);
			else if (other == 0 && s.deferred != 0)
				logit(LOG_NOTICE, "KVP: %s has ended: "
				    "answering the host", KVPD_DAEMON);
			s.deferred = other;
			if (other == 0 && kvp_open(&s) == 0)
				registered = 0;
		}
		pfd[0].fd = sfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = s.dev;
		pfd[1].events = POLLIN;
		/* Without the device, look again after an interval. */
		r = poll(pfd, s.dev == -1 ? 1 : 2, s.dev == -1 ?
		    (int)conf->interval * 1000 : -1);
		if (r == -1 && errno != EINTR) {
			logit(LOG_ERR, "KVP: poll: %s", strerror(errno));
			rc = 1;
			break;
		}
		if (r > 0 && (pfd[0].revents & POLLIN)) {
			if (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
				break;
		}
		if (r > 0 && s.dev != -1 &&
		    (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)) &&
		    kvp_serve(&s, buf, size, &registered) == -1) {
			rc = 1;
			break;
		}
	}
	kvp_close(&s);
	free(buf);
	close(sfd);
	return (rc);
}

static int
kvp_wants(const struct pvbus_unit *unit)
{
	const struct pv_unit *u = (const void *)unit;

	return (strcmp(pvbus_unit_type(unit), "Hyper-V") == 0 &&
	    pv_access(u->plat, KVPD_DEVICE, F_OK) == 0);
}

const struct agent_ops kvp_agent = {
	.name = "Hyper-V KVP",
	.wants = kvp_wants,
	.run = kvp_run,
};
