/*
 * xssim: a XenStore server on a Unix socket or a pseudo-terminal, for tests.
 *
 *	xssim [--socket PATH] [--pty LINK] [--domid N] [--entry-nb N]
 *	    [--entry-size N] [--watch-nb N] [--transaction N] [--perm-nb N]
 *
 * Every connection is domain N (0, the default, is privileged).  With --pty,
 * one more connection is served on a pseudo-terminal in raw mode, LINK a
 * symbolic link to its slave: a stand-in for /dev/xen/xenbus.  The store
 * starts with the tree a domU of a libxl host sees.  SIGTERM or SIGINT end
 * it; the socket and the link are removed.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/string.h>
#include <termios.h>
#include <unistd.h>

#include "../number.h"
#include "xssim.h"

static volatile sig_atomic_t xss_stop;

static void
on_signal(int sig)
{
	(void)sig;
	xss_stop = 1;
}

static int
listen_on(const char *path)
{
	struct sockaddr_un sun;
	int fd, n;

	/*
	 * Bound and listening under a name of its own first, then renamed:
	 * a client that sees the socket can connect at once (between bind
	 * and listen it would be refused).
	 */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.%d", path,
	    (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path)) {
		fprintf(stderr, "xssim: %s: path too long\n", path);
		return (-1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		perror("xssim: socket");
		return (-1);
	}
	unlink(sun.sun_path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 16) == -1 || rename(sun.sun_path, path) == -1) {
		fprintf(stderr, "xssim: %s: %s\n", path, strerror(errno));
		unlink(sun.sun_path);
		close(fd);
		return (-1);
	}
	return (fd);
}

/*
 * A pseudo-terminal for LINK: the master is returned, non-blocking; the
 * slave, in raw mode, is kept open in *SLAVEP so that the master never
 * sees a hangup between clients.
 */
static int
open_pty(const char *link, int *slavep)
{
	struct termios tio;
	char name[64];
	int mfd, sfd = -1;

	if ((mfd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		perror("xssim: posix_openpt");
		return (-1);
	}
	if (grantpt(mfd) == -1 || unlockpt(mfd) == -1 ||
	    ptsname_r(mfd, name, sizeof(name)) != 0) {
		perror("xssim: pseudo-terminal");
		goto fail;
	}
	if ((sfd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1 ||
	    tcgetattr(sfd, &tio) == -1) {
		fprintf(stderr, "xssim: %s: %s\n", name, strerror(errno));
		goto fail;
	}
	/* No line discipline may touch the bytes: no echo, no CR/NL. */
	cfmakeraw(&tio);
	if (tcsetattr(sfd, TCSANOW, &tio) == -1 ||
	    fcntl(mfd, F_SETFL, fcntl(mfd, F_GETFL) | O_NONBLOCK) == -1) {
		fprintf(stderr, "xssim: %s: %s\n", name, strerror(errno));
		goto fail;
	}
	unlink(link);
	if (symlink(name, link) == -1) {
		fprintf(stderr, "xssim: %s: %s\n", link, strerror(errno));
		goto fail;
	}
	*slavep = sfd;
	return (mfd);
 fail:
	if (sfd != -1)
		close(sfd);
	close(mfd);
	return (-1);
}

/*
 * --log: the request's type and its first string, with bytes other than
 * printable ASCII as \ooo, so that tests can count what a client asked.
 */
static void
log_request(struct xss *s, const struct xs_msg *m)
{
	size_t i;

	if (s->log == NULL)
		return;
	fprintf(s->log, "%s ", xs_type_name(m->hdr.type));
	for (i = 0; i < m->hdr.len && m->body[i] != '\0'; i++) {
		if (m->body[i] > ' ' && m->body[i] < 0x7f &&
		    m->body[i] != '\\')
			fputc(m->body[i], s->log);
		else
			fprintf(s->log, "\\%03o", (unsigned char)m->body[i]);
	}
	fputc('\n', s->log);
	fflush(s->log);
}

static void
conn_input(struct xss *s, struct xss_conn *conn)
{
	unsigned char buf[XS_HDR_LEN + XS_PAYLOAD_MAX];
	size_t off = 0, used;
	ssize_t n;
	int done;

	n = read(conn->fd, buf, sizeof(buf));
	if (n == -1 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		conn->dead = 1;
		return;
	}
	while (off < (size_t)n && !conn->dead) {
		/* A header announcing more than the limit: out of step. */
		if (xs_reader_feed(&conn->rd, buf + off, n - off, &used,
		    &done) != 0) {
			conn->dead = 1;
			return;
		}
		off += used;
		if (done) {
			log_request(s, &conn->rd.msg);
			xss_dispatch(s, conn, &conn->rd.msg);
		}
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: xssim [--socket path] [--pty link] "
	    "[--domid n] [--entry-nb n]\n"
	    "             [--entry-size n] [--watch-nb n] [--transaction n] "
	    "[--perm-nb n]\n"
	    "             [--log file]\n");
	exit(2);
}

/* The largest quota an option sets. */
#define QUOTA_MAX	(1ul << 30)

/* The number of option OPT, or exit 2. */
static unsigned int
number(const char *opt, const char *arg, unsigned long max)
{
	unsigned long v;

	if (sim_number(arg, 0, max, &v) == -1) {
		sim_number_error("xssim", opt, arg, 0, max);
		exit(2);
	}
	return (v);
}

int
main(int argc, char *argv[])
{
	/* Options from NUM on set the numbers nums[val - NUM]. */
	enum { NUM = 0x100 };
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pty", required_argument, NULL, 'p' },
		{ "domid", required_argument, NULL, NUM },
		{ "entry-nb", required_argument, NULL, NUM + 1 },
		{ "entry-size", required_argument, NULL, NUM + 2 },
		{ "watch-nb", required_argument, NULL, NUM + 3 },
		{ "transaction", required_argument, NULL, NUM + 4 },
		{ "perm-nb", required_argument, NULL, NUM + 5 },
		{ "log", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 }
	};
	struct xss s = {
		.quota = { 1000, 2048, 128, 10, 5 },
	};
	const struct {
		const char	*name;
		uint32_t	*v;
		unsigned long	 max;
	} nums[] = {
		{ "--domid", &s.domid, 0x7fef },
		{ "--entry-nb", &s.quota.entries, QUOTA_MAX },
		{ "--entry-size", &s.quota.entry_size, QUOTA_MAX },
		{ "--watch-nb", &s.quota.watches, QUOTA_MAX },
		{ "--transaction", &s.quota.transactions, QUOTA_MAX },
		{ "--perm-nb", &s.quota.perms, QUOTA_MAX },
	};
	struct xss_conn *conn, **pp;
	struct pollfd *pfd = NULL;
	struct sigaction sa;
	sigset_t block, orig;
	const char *path = NULL, *link = NULL;
	size_t nconn, i;
	int ch, lfd = -1, fd, slave = -1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch >= NUM &&
		    (size_t)(ch - NUM) < sizeof(nums) / sizeof(nums[0])) {
			*nums[ch - NUM].v = number(nums[ch - NUM].name, optarg,
			    nums[ch - NUM].max);
			continue;
		}
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'p':
			link = optarg;
			break;
		case 'l':
			if (s.log != NULL)
				fclose(s.log);
			if ((s.log = fopen(optarg, "ae")) == NULL) {
				fprintf(stderr, "xssim: %s: %s\n", optarg,
				    strerror(errno));
				return (1);
			}
			break;
		default:
			usage();
		}
	}
	if ((path == NULL && link == NULL) || optind != argc)
		usage();
	if (xss_seed_tree(&s) != 0) {
		fprintf(stderr, "xssim: cannot build the tree\n");
		return (1);
	}
	if (path != NULL && (lfd = listen_on(path)) == -1)
		return (1);
	if (link != NULL) {
		if ((fd = open_pty(link, &slave)) == -1 ||
		    (conn = xss_conn_new(&s, fd)) == NULL) {
			if (fd != -1) {
				close(fd);
				close(slave);
				unlink(link);
			}
			if (lfd != -1) {
				close(lfd);
				unlink(path);
			}
			return (1);
		}
		conn->tty = 1;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* Signals arrive only inside ppoll, so none is lost. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &orig);

	while (!xss_stop) {
		nconn = 0;
		for (conn = s.conns; conn != NULL; conn = conn->next)
			nconn++;
		free(pfd);
		if ((pfd = calloc(nconn + 1, sizeof(*pfd))) == NULL)
			break;
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		for (i = 1, conn = s.conns; conn != NULL; conn = conn->next) {
			pfd[i].fd = conn->fd;
			pfd[i++].events = POLLIN | (conn->outlen ? POLLOUT : 0);
		}
		if (ppoll(pfd, nconn + 1, NULL, &orig) == -1) {
			if (errno == EINTR)
				continue;
			perror("xssim: poll");
			break;
		}
		for (i = 1, conn = s.conns; conn != NULL; conn = conn->next) {
			if (pfd[i].revents & POLLOUT)
				xss_conn_flush(conn);
			if (pfd[i++].revents & (POLLIN | POLLHUP | POLLERR))
				conn_input(&s, conn);
		}
		/* Flush what the requests queued, drop dead connections. */
		for (pp = &s.conns; (conn = *pp) != NULL;) {
			if (!conn->dead && conn->outlen > 0)
				xss_conn_flush(conn);
			if (conn->dead && conn->tty)
				xss_conn_reset(conn, slave);
			if (conn->dead) {
				*pp = conn->next;
				xss_conn_free(conn);
			} else
				pp = &conn->next;
		}
		if (pfd[0].revents & POLLIN) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd == -1)
				continue;
			if (xss_conn_new(&s, fd) == NULL)
				close(fd);
		}
	}
	free(pfd);
	while ((conn = s.conns) != NULL) {
		s.conns = conn->next;
		xss_conn_free(conn);
	}
	xss_node_free(s.root);
	if (lfd != -1) {
		close(lfd);
		unlink(path);
	}
	if (link != NULL) {
		close(slave);
		unlink(link);
	}
	return (0);
}
