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

#include "xssim.h"

/* A client that leaves this much unread is not reading: drop it. */
#define XSS_OUT_MAX	(4u * 1024 * 1024)

static volatile sig_atomic_t xss_stop;

static void
on_signal(int sig)
{
	(void)sig;
	xss_stop = 1;
}

void
xss_send(struct xss_conn *conn, uint32_t type, uint32_t req_id,
    uint32_t tx_id, const void *data, size_t len)
{
	struct xs_hdr hdr = { type, req_id, tx_id, (uint32_t)len };
	unsigned char *out;
	size_t need = conn->outlen + XS_HDR_LEN + len, cap;

	if (conn->dead)
		return;
	if (need > XSS_OUT_MAX) {
		conn->dead = 1;
		return;
	}
	if (need > conn->outcap) {
		for (cap = conn->outcap ? conn->outcap : 8192; cap < need;)
			cap *= 2;
		if ((out = realloc(conn->out, cap)) == NULL) {
			conn->dead = 1;
			return;
		}
		conn->out = out;
		conn->outcap = cap;
	}
	xs_hdr_pack(&hdr, conn->out + conn->outlen);
	if (len > 0)
		memcpy(conn->out + conn->outlen + XS_HDR_LEN, data, len);
	conn->outlen = need;
}

void
xss_send_error(struct xss_conn *conn, const struct xs_hdr *req, int error)
{
	const char *s = xs_error_string(error);

	xss_send(conn, XS_ERROR, req->req_id, req->tx_id, s, strlen(s) + 1);
}

/* The event of watch W for PATH: relative watches see relative paths. */
void
xss_event(struct xss *s, struct xss_conn *conn, const struct xss_watch *w,
    const char *path)
{
	char home[32], buf[XS_PAYLOAD_MAX + 1];
	size_t hl, pl, tl;

	if (w->relative) {
		hl = snprintf(home, sizeof(home), "/local/domain/%" PRIu32,
		    s->domid);
		if (strncmp(path, home, hl) == 0) {
			path += hl;
			if (*path == '/')
				path++;
		}
	}
	pl = strlen(path) + 1;
	tl = strlen(w->token) + 1;
	if (pl + tl > XS_PAYLOAD_MAX)
		return;
	memcpy(buf, path, pl);
	memcpy(buf + pl, w->token, tl);
	xss_send(conn, XS_WATCH_EVENT, 0, 0, buf, pl + tl);
}

/* Is PATH the node WATCHED or below it? */
static int
is_child(const char *path, const char *watched)
{
	size_t len = strlen(watched);

	if (strcmp(watched, "/") == 0)
		return (path[0] == '/');
	return (strncmp(path, watched, len) == 0 &&
	    (path[len] == '/' || path[len] == '\0'));
}

/*
 * Fire the watches on PATH (EXACT: only those on PATH itself).  A domain is
 * told only of nodes it may read, or whose parent it may read, or which it
 * could read before their permissions changed (OLDP).
 */
void
xss_fire(struct xss *s, const char *path, int exact,
    const struct xss_node *node, const struct xss_perm *oldp, size_t noldp)
{
	struct xss_conn *conn;
	struct xss_watch *w;
	int ok = 0;

	if (oldp != NULL &&
	    (xss_perm_for(s, oldp, noldp) & XSS_PERM_READ))
		ok = 1;
	if (node != NULL &&
	    (xss_perm_for(s, node->perms, node->nperms) & XSS_PERM_READ))
		ok = 1;
	if (node != NULL && node->parent != NULL &&
	    (xss_perm_for(s, node->parent->perms, node->parent->nperms) &
	    XSS_PERM_READ))
		ok = 1;
	if (!ok)
		return;
	for (conn = s->conns; conn != NULL; conn = conn->next)
		for (w = conn->watches; w != NULL; w = w->next)
			if (exact ? strcmp(path, w->node) == 0 :
			    is_child(path, w->node))
				xss_event(s, conn, w, path);
}

void
xss_tx_free(struct xss_tx *tx)
{
	size_t i;

	xss_node_free(tx->root);
	for (i = 0; i < tx->nacc; i++)
		free(tx->acc[i].path);
	free(tx->acc);
	for (i = 0; i < tx->nlog; i++) {
		free(tx->log[i].path);
		free(tx->log[i].data);
	}
	free(tx->log);
	free(tx);
}

void
xss_conn_clear(struct xss_conn *conn)
{
	struct xss_watch *w;
	struct xss_tx *tx;

	while ((w = conn->watches) != NULL) {
		conn->watches = w->next;
		free(w->node);
		free(w->token);
		free(w);
	}
	conn->nwatches = 0;
	while ((tx = conn->txs) != NULL) {
		conn->txs = tx->next;
		xss_tx_free(tx);
	}
	conn->ntxs = 0;
}

static void
conn_free(struct xss_conn *conn)
{
	xss_conn_clear(conn);
	close(conn->fd);
	free(conn->out);
	free(conn);
}

static struct xss_conn *
conn_new(struct xss *s, int fd)
{
	struct xss_conn *conn;

	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return (NULL);
	conn->fd = fd;
	xs_reader_init(&conn->rd);
	conn->next = s->conns;
	s->conns = conn;
	return (conn);
}

/*
 * The pseudo-terminal cannot be closed and opened again at the same name:
 * a dropped connection starts afresh on it instead, with nothing queued
 * either way.  SLAVE is xssim's own descriptor of the slave side.
 */
static void
conn_reset(struct xss_conn *conn, int slave)
{
	xss_conn_clear(conn);
	conn->outlen = 0;
	xs_reader_init(&conn->rd);
	tcflush(conn->fd, TCIFLUSH);
	tcflush(slave, TCIFLUSH);
	conn->dead = 0;
}

/* The tree a libxl host gives domain N, and dom0's part of it. */
static int
seed_tree(struct xss *s)
{
	char p[128], own[32], ro[32], fe[32];
	unsigned int d = s->domid;
	int error = 0;

	if ((s->root = xss_node_new(NULL, "")) == NULL ||
	    xss_set_value(s->root, "", 0) != 0)
		return (ENOMEM);
	if ((s->root->perms = calloc(1, sizeof(*s->root->perms))) == NULL)
		return (ENOMEM);
	s->root->perms[0].mode = 'n';
	s->root->nperms = 1;
#define SEED(path, value, perms) do {					\
	if (error == 0)							\
		error = xss_seed(s, (path), (value), (perms));		\
} while (0)
	SEED("/tool/xenstored", NULL, NULL);
	SEED("/local/domain/0", NULL, "n0");
	SEED("/local/domain/0/name", "Domain-0", NULL);
	SEED("/local/domain/0/domid", "0", NULL);
	if (d == 0)
		return (error);

	snprintf(own, sizeof(own), "n%u", d);
	snprintf(ro, sizeof(ro), "n0 r%u", d);
	snprintf(fe, sizeof(fe), "n%u r0", d);
#define DOM(sub, value, perms) do {					\
	snprintf(p, sizeof(p), "/local/domain/%u%s", d, (sub));		\
	SEED(p, (value), (perms));					\
} while (0)
	DOM("", NULL, own);
	DOM("/domid", own + 1, ro);
	DOM("/name", "xssim-guest", ro);
	DOM("/vm", "/vm/00000000-0000-0000-0000-000000000001", ro);
	DOM("/cpu/0/availability", "online", ro);
	DOM("/memory/static-max", "1048576", ro);
	DOM("/memory/target", "1048576", ro);
	DOM("/store/port", "1", ro);
	DOM("/store/ring-ref", "1", ro);
	DOM("/console/port", "2", ro);
	DOM("/console/ring-ref", "2", ro);
	DOM("/control", NULL, ro);
	DOM("/control/platform-feature-multiprocessor-suspend", "1", ro);
	DOM("/control/shutdown", "", own);
	DOM("/data", "", own);
	DOM("/drivers", "", own);
	DOM("/feature", "", own);
	DOM("/attr", "", own);
	DOM("/error", "", own);
	DOM("/device", "", ro);
	DOM("/device/vif/0", "", fe);
	DOM("/device/vif/0/backend-id", "0", NULL);
	DOM("/device/vif/0/mac", "00:16:3e:00:00:01", NULL);
	DOM("/device/vif/0/handle", "0", NULL);
	DOM("/device/vif/0/state", "4", NULL);
	DOM("/device/vbd/51712", "", fe);
	DOM("/device/vbd/51712/backend-id", "0", NULL);
	DOM("/device/vbd/51712/virtual-device", "51712", NULL);
	DOM("/device/vbd/51712/device-type", "disk", NULL);
	DOM("/device/vbd/51712/state", "4", NULL);
	DOM("/device/vfb/0", "", fe);
	DOM("/device/vfb/0/backend-id", "0", NULL);
	DOM("/device/vfb/0/state", "4", NULL);
	snprintf(p, sizeof(p), "/local/domain/0/backend/vif/%u/0/frontend-id",
	    d);
	SEED(p, own + 1, NULL);
	{
		char be[128];

		snprintf(be, sizeof(be), "/local/domain/0/backend/vif/%u/0", d);
		DOM("/device/vif/0/backend", be, NULL);
		snprintf(be, sizeof(be), "/local/domain/0/backend/vbd/%u/51712",
		    d);
		DOM("/device/vbd/51712/backend", be, NULL);
		snprintf(be, sizeof(be), "/local/domain/0/backend/vfb/%u/0", d);
		DOM("/device/vfb/0/backend", be, NULL);
	}
	SEED("/vm/00000000-0000-0000-0000-000000000001/name", "xssim-guest",
	    ro);
#undef DOM
#undef SEED
	return (error);
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
		if (done)
			xss_dispatch(s, conn, &conn->rd.msg);
	}
}

static void
conn_output(struct xss_conn *conn)
{
	ssize_t n;

	if (conn->tty)
		n = write(conn->fd, conn->out, conn->outlen);
	else
		n = send(conn->fd, conn->out, conn->outlen,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1) {
		if (errno != EINTR && errno != EAGAIN)
			conn->dead = 1;
		return;
	}
	memmove(conn->out, conn->out + n, conn->outlen - n);
	conn->outlen -= n;
}

static void
usage(void)
{
	fprintf(stderr, "usage: xssim [--socket path] [--pty link] "
	    "[--domid n] [--entry-nb n]\n"
	    "             [--entry-size n] [--watch-nb n] [--transaction n] "
	    "[--perm-nb n]\n");
	exit(2);
}

static unsigned int
number(const char *arg, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v > max) {
		fprintf(stderr, "xssim: bad number: %s\n", arg);
		exit(2);
	}
	return (v);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "pty", required_argument, NULL, 'p' },
		{ "domid", required_argument, NULL, 'd' },
		{ "entry-nb", required_argument, NULL, 'E' },
		{ "entry-size", required_argument, NULL, 'S' },
		{ "watch-nb", required_argument, NULL, 'W' },
		{ "transaction", required_argument, NULL, 't' },
		{ "perm-nb", required_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 }
	};
	struct xss s = {
		.quota = { 1000, 2048, 128, 10, 5 },
	};
	struct xss_conn *conn, **pp;
	struct pollfd *pfd = NULL;
	struct sigaction sa;
	sigset_t block, orig;
	const char *path = NULL, *link = NULL;
	size_t nconn, i;
	int ch, lfd = -1, fd, slave = -1;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		case 'p':
			link = optarg;
			break;
		case 'd':
			s.domid = number(optarg, 0x7fef);
			break;
		case 'E':
			s.quota.entries = number(optarg, 1u << 30);
			break;
		case 'S':
			s.quota.entry_size = number(optarg, 1u << 30);
			break;
		case 'W':
			s.quota.watches = number(optarg, 1u << 30);
			break;
		case 't':
			s.quota.transactions = number(optarg, 1u << 30);
			break;
		case 'A':
			s.quota.perms = number(optarg, 1u << 30);
			break;
		default:
			usage();
		}
	}
	if ((path == NULL && link == NULL) || optind != argc)
		usage();
	if (seed_tree(&s) != 0) {
		fprintf(stderr, "xssim: cannot build the tree\n");
		return (1);
	}
	if (path != NULL && (lfd = listen_on(path)) == -1)
		return (1);
	if (link != NULL) {
		if ((fd = open_pty(link, &slave)) == -1 ||
		    (conn = conn_new(&s, fd)) == NULL) {
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
				conn_output(conn);
			if (pfd[i++].revents & (POLLIN | POLLHUP | POLLERR))
				conn_input(&s, conn);
		}
		/* Flush what the requests queued, drop dead connections. */
		for (pp = &s.conns; (conn = *pp) != NULL;) {
			if (!conn->dead && conn->outlen > 0)
				conn_output(conn);
			if (conn->dead && conn->tty)
				conn_reset(conn, slave);
			if (conn->dead) {
				*pp = conn->next;
				conn_free(conn);
			} else
				pp = &conn->next;
		}
		if (pfd[0].revents & POLLIN) {
			fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			if (fd == -1)
				continue;
			if (conn_new(&s, fd) == NULL)
				close(fd);
		}
	}
	free(pfd);
	while ((conn = s.conns) != NULL) {
		s.conns = conn->next;
		conn_free(conn);
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
