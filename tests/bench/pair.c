/*
 * Runs commands side by side: WARM rounds that are not kept, then RUNS
 * rounds, each round running every command once in the order given (ours,
 * peer, ours, peer, ...), so that a machine that slows down or speeds up
 * during the run weighs on all of them alike.
 *
 *   pair [-n runs] [-w warm] [-p] [-k secs] [-o file] -- A [ARGS...]
 *       [-- B [ARGS...]]...
 *
 * For each command, one line, on the standard output or into FILE (for a
 * pair started by a program whose own output is there, such as kvphost):
 *   STATUS WALL_MED MIN MAX CPU_MED MIN MAX RSS_MED MIN MAX OUT_MED MIN MAX
 *     PSS_MED MIN MAX
 * wall and CPU (user + system) time in microseconds, peak RSS in KiB as the
 * kernel counts it (the shared libraries' pages the process touched
 * included), and with -p the first number the command printed (a figure it
 * measured itself, such as operations per second), else 0.
 *
 * With -k, a command that runs until told to stop (a daemon) gets SIGTERM,
 * with its process group, SECS seconds after it started; its peak RSS is then
 * the greatest sum of the resident sets of its group, sampled every 100 ms,
 * so that a daemon of several processes is not taken for its largest one.
 * The PSS figures (KiB, else 0) are the greatest sum of the group's
 * proportional set sizes seen so: each page shared with other processes
 * counted as its share, so that pages of libc all the machine's processes
 * map weigh on none of them whole, and the pages a daemon's processes share
 * after fork are counted once among them.
 *
 * A command is started by fork and exec, with no shell between, so a
 * do-nothing program measures the floor of starting a program.  Its exit
 * status must be the same in every run; a change means the figures mix two
 * behaviours, and pair fails.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define MAXCMDS		8

enum { WALL, CPU, RSS, OUT, PSS, NFIG };

struct cmd {
	char	**argv;
	int	  status;	/* of the first run; -1 before it */
	double	 *fig[NFIG];	/* RUNS samples of each figure */
};

static void
usage(void)
{
	fprintf(stderr, "usage: pair [-n runs] [-w warm] [-p] [-k secs] "
	    "[-o file] -- A [ARGS...] [-- B [ARGS...]]...\n");
	exit(2);
}

static double
timespec_us(const struct timespec *a, const struct timespec *b)
{
	return ((b->tv_sec - a->tv_sec) * 1e6 + (b->tv_nsec - a->tv_nsec) / 1e3);
}

static double
timeval_us(const struct timeval *tv)
{
	return (tv->tv_sec * 1e6 + tv->tv_usec);
}

/* The first number in BUF, or 0 when it holds none. */
static double
first_number(const char *buf)
{
	const char *p;

	for (p = buf; *p != '\0'; p++)
		if ((*p >= '0' && *p <= '9') ||
		    (*p == '.' && p[1] >= '0' && p[1] <= '9'))
			return (strtod(p, NULL));
	return (0);
}

/* The Pss: line of /proc/PID/smaps_rollup in KiB, or 0. */
static long
proc_pss(const char *pid)
{
	char path[sizeof("/proc//smaps_rollup") + NAME_MAX], line[256];
	long kib = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/smaps_rollup", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (0);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Pss: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return (kib);
}

/*
 * The resident set of process group PGRP in KiB, summed over /proc, and
 * the sum of its proportional set sizes in *PSS.
 */
static double
group_rss(pid_t pgrp, double *pss)
{
	char path[sizeof("/proc//statm") + NAME_MAX], buf[512], *p;
	struct dirent *d;
	long pages, kib = 0, share = 0;
	DIR *dir;
	FILE *f;
	int pg;

	*pss = 0;
	if ((dir = opendir("/proc")) == NULL)
		return (0);
	while ((d = readdir(dir)) != NULL) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		/* The command name may hold anything; the fields follow ')'. */
		p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
		fclose(f);
		if (p == NULL || sscanf(p, ") %*c %*d %d", &pg) != 1 ||
		    pg != pgrp)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/statm", d->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		if (fscanf(f, "%*s %ld", &pages) == 1)
			kib += pages * (sysconf(_SC_PAGESIZE) / 1024);
		fclose(f);
		share += proc_pss(d->d_name);
	}
	closedir(dir);
	*pss = share;
	return (kib);
}

/*
 * Wait for PID, which runs in its own process group; after SECS seconds
 * stop the group.  Returns the peak RSS of the group seen meanwhile, and
 * its peak PSS in *PEAK_PSS.
 */
static double
wait_stopping(pid_t pid, unsigned long secs, int *st, struct rusage *ru,
    const struct timespec *t0, double *peak_pss)
{
	const struct timespec tick = { 0, 100 * 1000 * 1000 };
	struct timespec now;
	double peak = 0, rss, pss;
	int signalled = 0;
	pid_t w;

	for (;;) {
		if ((w = wait4(pid, st, WNOHANG, ru)) == pid)
			return (peak);
		if (w == -1 && errno != EINTR)
			err(1, "wait4");
		if ((rss = group_rss(pid, &pss)) > peak)
			peak = rss;
		if (pss > *peak_pss)
			*peak_pss = pss;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (timespec_us(t0, &now) >= secs * 1e6 + signalled * 10e6) {
			/* Ten seconds after SIGTERM it is SIGKILL. */
			if (signalled++ == 1)
				errx(1, "pid %d does not end on SIGTERM",
				    (int)pid);
			kill(-pid, SIGTERM);
		}
		nanosleep(&tick, NULL);
	}
}

/*
 * Run C once; with KEEP, store its figures as sample I.  With PRINTED its
 * standard output is read for the figure it prints.
 */
static void
run(struct cmd *c, int printed, unsigned long stop, int keep, size_t i)
{
	struct timespec t0, t1;
	struct rusage ru;
	double peak = 0, peak_pss = 0;
	char buf[256];
	size_t len = 0;
	ssize_t n;
	pid_t pid;
	int p[2] = { -1, -1 }, null, st;

	if ((null = open("/dev/null", O_RDWR)) == -1)
		err(1, "/dev/null");
	if (printed && pipe(p) == -1)
		err(1, "pipe");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if ((pid = fork()) == -1)
		err(1, "fork");
	if (pid == 0) {
		if (stop)
			setpgid(0, 0);
		dup2(null, 0);
		dup2(printed ? p[1] : null, 1);
		dup2(null, 2);
		execvp(c->argv[0], c->argv);
		_exit(127);
	}
	close(null);
	if (stop)
		setpgid(pid, pid);	/* before the first sample, whoever runs first */
	if (printed) {
		close(p[1]);
		while ((n = read(p[0], buf + len, sizeof(buf) - 1 - len)) > 0 ||
		    (n == -1 && errno == EINTR))
			if (n > 0 && (len += n) == sizeof(buf) - 1)
				break;
		buf[len] = '\0';
		close(p[0]);
	}
	if (stop)
		peak = wait_stopping(pid, stop, &st, &ru, &t0, &peak_pss);
	else
		while (wait4(pid, &st, 0, &ru) == -1)
			if (errno != EINTR)
				err(1, "wait4");
	clock_gettime(CLOCK_MONOTONIC, &t1);

	st = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	if (c->status == -1)
		c->status = st;
	else if (st != c->status)
		errx(1, "%s: exit status %d, then %d", c->argv[0], c->status,
		    st);
	if (!keep)
		return;
	c->fig[WALL][i] = timespec_us(&t0, &t1);
	c->fig[CPU][i] = timeval_us(&ru.ru_utime) + timeval_us(&ru.ru_stime);
	c->fig[RSS][i] = peak > ru.ru_maxrss ? peak : ru.ru_maxrss;
	c->fig[OUT][i] = printed ? first_number(buf) : 0;
	c->fig[PSS][i] = peak_pss;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return ((x > y) - (x < y));
}

/* Median, least and greatest of the N samples V (sorted in place). */
static void
print_stats(double *v, size_t n)
{
	double med;

	qsort(v, n, sizeof(*v), cmp_double);
	med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
	printf(" %.1f %.1f %.1f", med, v[0], v[n - 1]);
}

static unsigned long
number(const char *arg, unsigned long min, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	if (arg[0] < '0' || arg[0] > '9' ||
	    (v = strtoul(arg, &end, 10), errno != 0) || *end != '\0' ||
	    v < min || v > max)
		usage();
	return (v);
}

int
main(int argc, char *argv[])
{
	struct cmd cmds[MAXCMDS];
	size_t ncmds = 0, runs = 10, warm = 2, r, i, f;
	unsigned long stop = 0;
	const char *outfile = NULL;
	int ch, printed = 0;

	while ((ch = getopt(argc, argv, "+k:n:o:pw:")) != -1) {
		switch (ch) {
		case 'k':
			stop = number(optarg, 1, 3600);
			break;
		case 'n':
			runs = number(optarg, 1, 100000);
			break;
		case 'o':
			outfile = optarg;
			break;
		case 'p':
			printed = 1;
			break;
		case 'w':
			warm = number(optarg, 0, 100000);
			break;
		default:
			usage();
		}
	}
	/* getopt has taken the first "--"; each further one starts a command. */
	argc -= optind;
	argv += optind;
	while (argc > 0) {
		if (ncmds == nitems(cmds))
			errx(2, "more than %zu commands", nitems(cmds));
		cmds[ncmds].argv = argv;
		cmds[ncmds].status = -1;
		while (argc > 0 && strcmp(argv[0], "--") != 0) {
			argc--;
			argv++;
		}
		if (argv == cmds[ncmds].argv)
			usage();
		if (argc > 0) {
			*argv++ = NULL;
			argc--;
		}
		for (f = 0; f < NFIG; f++)
			if ((cmds[ncmds].fig[f] = calloc(runs,
			    sizeof(double))) == NULL)
				err(1, NULL);
		ncmds++;
	}
	if (ncmds == 0)
		usage();
	if (outfile != NULL && freopen(outfile, "w", stdout) == NULL)
		err(2, "%s", outfile);

	for (r = 0; r < warm + runs; r++)
		for (i = 0; i < ncmds; i++)
			run(&cmds[i], printed, stop, r >= warm, r - warm);

	for (i = 0; i < ncmds; i++) {
		printf("%d", cmds[i].status);
		for (f = 0; f < NFIG; f++) {
			print_stats(cmds[i].fig[f], runs);
			free(cmds[i].fig[f]);
		}
		printf("\n");
	}
	return (0);
}
