/*
 * pvbusd: serve each pvbus unit as /dev/pvbusN through CUSE.
 *
 * One process per device: each CUSE session needs its own /dev/cuse channel
 * and libfuse's signal handling is per process, and a unit's store then
 * never waits on another's.  The supervisor opens the bus, forks the device
 * processes, waits until every node exists, then (without -d) lets the
 * starting process exit and keeps running detached.  SIGTERM, SIGINT and
 * SIGHUP stop the devices and end it; a device process that dies ends it too,
 * with status 1, for the service manager to restart.  With -a and a single
 * agent there is nothing to supervise, and the agent runs in pvbusd's own
 * process: a second one would only add its own private pages, and map
 * libc's shared ones again.
 */
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pvbusd.h"
#include "agent.h"
#include "machine.h"

#define START_TIMEOUT_MS	30000	/* for every device to appear */
#define STOP_TIMEOUT_S		5	/* before SIGKILL */

struct opts {
	int			 foreground;
	int			 agents_only;	/* -a */
	struct agent_conf	 agent;
	const char		**nics;		/* -o nics=, split */
	mode_t			 mode;
	gid_t			 gid;
	char			 root[PATH_MAX];
	struct pvbus_options	 bus;
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: pvbusd [-ad] [-C dump] [-g group] [-m mode] "
	    "[-o name=value] [-r root]\n"
	    "              [-T timeout]\n");
	exit(1);
}

/* "a,b,c" as a NULL-terminated list; the strings live in S. */
static const char **
split_patterns(char *s)
{
	const char **v;
	size_t n = 2;
	char *p;

	for (p = s; *p != '\0'; p++)
		n += *p == ',';
	if ((v = calloc(n, sizeof(*v))) == NULL) {
		fprintf(stderr, "pvbusd: out of memory\n");
		exit(1);
	}
	n = 0;
	while ((p = strsep(&s, ",")) != NULL)
		if (*p != '\0')
			v[n++] = p;
	return (v);
}

/* The value of -o NAME=VAL in seconds, from 1 to MAX. */
static unsigned int
seconds(const char *name, const char *val, unsigned long max)
{
	unsigned long n;
	char *end;

	errno = 0;
	n = strtoul(val, &end, 10);
	if (*val < '0' || *val > '9' || *end != '\0' || errno != 0 ||
	    n == 0 || n > max) {
		fprintf(stderr, "pvbusd: -o %s=%s: want seconds from 1 to "
		    "%lu\n", name, val, max);
		exit(1);
	}
	return ((unsigned int)n);
}

/*
 * -o NAME=VALUE: the agents' settings.  ARG is copied, so that ps(1) shows
 * the command line as given; the copy lives as long as pvbusd.
 */
static void
agent_opt(struct opts *o, const char *given)
{
	char *arg, *val;

	if ((arg = strdup(given)) == NULL) {
		fprintf(stderr, "pvbusd: out of memory\n");
		exit(1);
	}
	if ((val = strchr(arg, '=')) == NULL) {
		fprintf(stderr, "pvbusd: -o %s: want name=value\n", arg);
		exit(1);
	}
	*val++ = '\0';
	if (strcmp(arg, "halt") == 0 || strcmp(arg, "reboot") == 0) {
		if (*val == '\0') {
			fprintf(stderr, "pvbusd: -o %s: empty command\n", arg);
			exit(1);
		}
		if (arg[0] == 'h')
			o->agent.halt = val;
		else
			o->agent.reboot = val;
	} else if (strcmp(arg, "nics") == 0) {
		free(o->nics);
		o->nics = split_patterns(val);
		o->agent.exclude = o->nics;
	} else if (strcmp(arg, "interval") == 0) {
		o->agent.interval = seconds(arg, val, AGENT_MAX_INTERVAL);
		/* Only the number is kept. */
		free(arg);
	} else if (strcmp(arg, "cmd_timeout") == 0) {
		o->agent.cmd_timeout = seconds(arg, val,
		    AGENT_MAX_CMD_TIMEOUT);
		free(arg);
	} else {
		fprintf(stderr, "pvbusd: -o %s: unknown; known: halt, reboot, "
		    "nics, interval, cmd_timeout\n", arg);
		exit(1);
	}
}

static void
parse_opts(int argc, char *argv[], struct opts *o)
{
	struct group *gr;
	unsigned long n;
	char *end;
	int ch;

	memset(o, 0, sizeof(*o));
	o->mode = 0640;
	o->gid = (gid_t)-1;
	o->agent.halt = AGENT_DEFAULT_HALT;
	o->agent.reboot = AGENT_DEFAULT_REBOOT;
	o->agent.exclude = machine_default_exclude;
	o->agent.interval = AGENT_DEFAULT_INTERVAL;
	o->agent.cmd_timeout = AGENT_DEFAULT_CMD_TIMEOUT;
	o->agent.detach = 1;
	while ((ch = getopt(argc, argv, "aC:dg:m:o:r:T:")) != -1) {
		switch (ch) {
		case 'a':
			o->agents_only = 1;
			break;
		case 'o':
			agent_opt(o, optarg);
			break;
		case 'C':
			o->bus.cpuid_dump = optarg;
			break;
		case 'd':
			o->foreground = 1;
			o->agent.detach = 0;
			break;
		case 'g':
			if ((gr = getgrnam(optarg)) != NULL) {
				o->gid = gr->gr_gid;
				break;
			}
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    n >= (gid_t)-1)
				fatalx("unknown group: %s", optarg);
			o->gid = (gid_t)n;
			break;
		case 'm':
			errno = 0;
			n = strtoul(optarg, &end, 8);
			if (*optarg == '\0' || *end != '\0' || errno != 0 ||
			    n > 0777)
				fatalx("invalid mode: %s", optarg);
			o->mode = (mode_t)n;
			break;
		case 'r':
			/* Device processes work from "/". */
			if (realpath(optarg, o->root) == NULL)
				fatal("%s", optarg);
			o->bus.root = o->root;
			break;
		case 'T':
			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (*optarg < '1' || *optarg > '9' || *end != '\0' ||
			    errno != 0 || n > INT_MAX)
				fatalx("invalid timeout: %s", optarg);
			o->bus.store_timeout_ms = (int)n;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

/*
 * Fork: the caller returns as the detached supervisor with the descriptor on
 * which it reports success; the parent exits with the status it reports.
 */
static int
detach_begin(void)
{
	int p[2];
	pid_t pid;
	ssize_t n;
	char c;

	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1)
		fatal("fork");
	if (pid > 0) {
		close(p[1]);
		while ((n = read(p[0], &c, 1)) == -1 && errno == EINTR)
			;
		/* A byte: it runs; EOF: it failed and has said why. */
		_exit(n == 1 ? 0 : 1);
	}
	close(p[0]);
	setsid();
	return (p[1]);
}

static void
detach_end(int statusfd)
{
	log_detach();
	if (write(statusfd, "y", 1) != 1)
		log_warn("start-up report");
	close(statusfd);
}

struct child {
	pid_t	pid;
	char	name[16];
	size_t	unit;
	const struct agent_ops *agent;	/* the unit's agent, not its device */
};

static void __attribute__((noreturn))
agent_process(const struct agent_ops *agent, struct pvbus *bus, size_t unit,
    const struct opts *o, int readyfd, const sigset_t *oldmask)
{
	sigprocmask(SIG_SETMASK, oldmask, NULL);
	_exit(agent->run(&o->agent, bus, unit, readyfd));
}

static void
device_process(struct pvbus *bus, size_t unit, const struct opts *o,
    int readyfd, const sigset_t *oldmask)
{
	struct pvbusd_dev dev;

	sigprocmask(SIG_SETMASK, oldmask, NULL);
	memset(&dev, 0, sizeof(dev));
	dev.bus = bus;
	dev.unit = unit;
	snprintf(dev.name, sizeof(dev.name), "%s",
	    pvbus_unit_name(pvbus_unit(bus, unit)));
	dev.mode = o->mode;
	dev.gid = o->gid;
	dev.readyfd = readyfd;
	dev.daemon = !o->foreground;
	dev.limit = (size_t)PVBUSD_XFER_PAGES * (size_t)sysconf(_SC_PAGESIZE);
	_exit(pvbusd_serve(&dev));
}

/*
 * The one agent of -a, in this process.  Its ready byte is the start-up
 * report of a detached pvbusd; in the foreground there is nobody to tell.
 * It keeps the capabilities it started with, as an agent process does.
 */
static int
agent_alone(const struct agent_ops *agent, struct pvbus *bus, size_t unit,
    const struct opts *o, int statusfd)
{
	log_info("%s agent: %s", pvbus_unit_name(pvbus_unit(bus, unit)),
	    pvbus_unit_type(pvbus_unit(bus, unit)));
	return (agent->run(&o->agent, bus, unit, statusfd));
}

/* Wait up to TIMEOUT seconds for the children to exit; 0 when all did. */
static int
reap(struct child *c, size_t n, int timeout)
{
	struct timespec end, now;
	size_t i, left;
	pid_t pid;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout;
	for (;;) {
		while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
			for (i = 0; i < n; i++)
				if (c[i].pid == pid)
					c[i].pid = 0;
		for (i = left = 0; i < n; i++)
			left += c[i].pid != 0;
		if (left == 0)
			return (0);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			return (-1);
		usleep(10000);
	}
}

static void
stop_all(struct child *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i].pid > 0)
			kill(c[i].pid, SIGTERM);
	if (reap(c, n, STOP_TIMEOUT_S) == 0)
		return;
	for (i = 0; i < n; i++)
		if (c[i].pid > 0) {
			log_warnx("%s: killed", c[i].name);
			kill(c[i].pid, SIGKILL);
		}
	reap(c, n, STOP_TIMEOUT_S);
}

/* Read one byte per device; 0 once all are ready. */
static int
wait_ready(int fd, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	struct timespec start, now;
	size_t got = 0;
	char buf[64];
	ssize_t r;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (got < n) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		ms = START_TIMEOUT_MS - ((now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000);
		if (ms <= 0 || poll(&pfd, 1, (int)ms) == 0) {
			log_warnx("devices did not appear in time");
			return (-1);
		}
		if ((r = read(fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (-1);
		}
		if (r == 0)
			return (-1);
		got += (size_t)r;
	}
	return (0);
}

static int
supervise(struct pvbus *bus, const struct opts *o, int statusfd)
{
	const struct agent_ops *agent;
	struct child *c;
	sigset_t set, old;
	siginfo_t si;
	size_t n, i, unit;
	pid_t pid, self = getpid();
	int ready[2], sig, status, error, rc = 1;

	if ((c = calloc(2 * pvbus_nunits(bus), sizeof(*c))) == NULL)
		return (1);
	for (i = n = 0; i < pvbus_nunits(bus); i++) {
		if (!o->agents_only) {
			c[n].unit = i;
			snprintf(c[n++].name, sizeof(c[0].name), "%s",
			    pvbus_unit_name(pvbus_unit(bus, i)));
		}
		if ((c[n].agent = agent_for(pvbus_unit(bus, i))) != NULL) {
			c[n].unit = i;
			snprintf(c[n++].name, sizeof(c[0].name), "%s agent",
			    pvbus_unit_name(pvbus_unit(bus, i)));
		}
	}
	if (n == 0) {
		log_warnx("-a: no interface here has an agent");
		free(c);
		return (1);
	}
	if (n == 1 && c[0].agent != NULL) {
		agent = c[0].agent;
		unit = c[0].unit;
		free(c);
		return (agent_alone(agent, bus, unit, o, statusfd));
	}
	if (pipe2(ready, O_CLOEXEC) == -1) {
		log_warn("pipe");
		free(c);
		return (1);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, &old);

	for (i = 0; i < n; i++) {
		if ((c[i].pid = fork()) == -1) {
			log_warn("fork");
			c[i].pid = 0;
			close(ready[0]);
			close(ready[1]);
			goto out;
		}
		if (c[i].pid == 0) {
			/*
			 * Devices go with the supervisor, even on SIGKILL; one
			 * that died before this was armed is seen here.
			 */
			prctl(PR_SET_PDEATHSIG, SIGTERM);
			if (getppid() != self)
				_exit(1);
			close(ready[0]);
			if (statusfd != -1)
				close(statusfd);
			/* The child needs its own entry only. */
			agent = c[i].agent;
			unit = c[i].unit;
			free(c);
			if (agent != NULL)
				agent_process(agent, bus, unit, o, ready[1],
				    &old);
			device_process(bus, unit, o, ready[1], &old);
		}
	}
	close(ready[1]);
	rc = wait_ready(ready[0], n) == 0 ? 0 : 1;
	close(ready[0]);
	if (rc != 0)
		goto out;
	for (i = 0; i < n; i++)
		log_info("%s%s: %s", c[i].agent != NULL ? "" : "/dev/",
		    c[i].name, pvbus_unit_type(pvbus_unit(bus, c[i].unit)));
	if ((error = pvbusd_caps_limit(0)) != 0) {
		errno = error;
		log_warn("capabilities");
	}
	if (statusfd != -1)
		detach_end(statusfd);

	for (;;) {
		if ((sig = sigwaitinfo(&set, &si)) == -1)
			continue;
		if (sig != SIGCHLD)
			break;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (i = 0; i < n && c[i].pid != pid; i++)
				;
			if (i == n)
				continue;
			c[i].pid = 0;
			log_warnx("%s: process ended "
			    "(status 0x%x)", c[i].name, (unsigned int)status);
			rc = 1;
			goto out;
		}
	}
	log_info("signal %d: removing the devices", sig);
 out:
	stop_all(c, n);
	free(c);
	return (rc);
}

int
main(int argc, char *argv[])
{
	struct pvbus *bus;
	struct opts o;
	int error, statusfd = -1, rc;

	parse_opts(argc, argv, &o);
	log_init(o.foreground);
	if ((error = pvbus_open(&bus, &o.bus)) != 0) {
		errno = error;
		fatal("cannot open the bus");
	}
	if (pvbus_nunits(bus) == 0)
		fatalx("no hypervisor interface found");
	if (!o.foreground) {
		statusfd = detach_begin();
		if (chdir("/") == -1)
			log_warn("chdir /");
	}
	rc = supervise(bus, &o, statusfd);
	pvbus_close(bus);
	return (rc);
}
