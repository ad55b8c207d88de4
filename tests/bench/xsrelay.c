/*
 * Counts the XenStore requests a client makes: it listens on LISTEN,
 * relays every connection to the server at UPSTREAM unchanged, and counts
 * the messages clients send, by their 16-byte headers (type, request id,
 * transaction id, payload length, little-endian as on x86).  On SIGTERM it
 * prints "requests N" and exits.  The timed runs do not go through it.
 *
 *   xsrelay LISTEN UPSTREAM
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#define XS_HDR		16

/* One client and its connection upstream; the client side parsed. */
struct link {
	int		cfd, ufd;
	unsigned char	hdr[XS_HDR];
	size_t		hlen;		/* header bytes seen of this message */
	uint32_t	left;		/* payload bytes still to come */
};

static volatile sig_atomic_t stop;

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static int
unix_socket(const char *path, int listening)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, n;

	if (strlen(path) >= sizeof(sun.sun_path))
		errx(1, "%s: path too long", path);
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		err(1, "socket");
	if (listening) {
		/*
		 * Listening under a name of its own, then renamed, as xssim
		 * does: a client that sees PATH can connect at once (between
		 * bind and listen it would be refused).
		 */
		n = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.%d",
		    path, (int)getpid());
		if (n < 0 || (size_t)n >= sizeof(sun.sun_path))
			errx(1, "%s: path too long", path);
		unlink(sun.sun_path);
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(fd, 16) == -1 || rename(sun.sun_path, path) == -1) {
			warn("%s", sun.sun_path);
			unlink(sun.sun_path);
			exit(1);
		}
	} else if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	return (fd);
}

/* Count the messages that begin in BUF of LEN bytes from L's client. */
static unsigned long
count(struct link *l, const unsigned char *buf, size_t len)
{
	unsigned long n = 0;
	size_t take;

	while (len > 0) {
		if (l->left > 0) {
			take = len < l->left ? len : l->left;
			l->left -= take;
		} else {
			take = XS_HDR - l->hlen;
			if (take > len)
				take = len;
			memcpy(l->hdr + l->hlen, buf, take);
			if ((l->hlen += take) == XS_HDR) {
				l->left = l->hdr[12] | l->hdr[13] << 8 |
				    l->hdr[14] << 16 | (uint32_t)l->hdr[15] << 24;
				l->hlen = 0;
				n++;
			}
		}
		buf += take;
		len -= take;
	}
	return (n);
}

static int
write_all(int fd, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		buf += n;
		len -= n;
	}
	return (0);
}

int
main(int argc, char *argv[])
{
	struct link links[16];
	struct pollfd pfd[1 + 2 * nitems(links)];
	struct sigaction sa;
	unsigned char buf[65536];
	unsigned long requests = 0;
	size_t nlinks = 0, i;
	ssize_t n;
	int lfd, fd, ufd, from;

	if (argc != 3)
		errx(2, "usage: xsrelay LISTEN UPSTREAM");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	lfd = unix_socket(argv[1], 1);

	while (!stop) {
		pfd[0] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (i = 0; i < nlinks; i++) {
			pfd[1 + 2 * i] = (struct pollfd){ .fd = links[i].cfd,
			    .events = POLLIN };
			pfd[2 + 2 * i] = (struct pollfd){ .fd = links[i].ufd,
			    .events = POLLIN };
		}
		if (poll(pfd, 1 + 2 * nlinks, -1) == -1) {
			if (errno == EINTR)
				continue;
			err(1, "poll");
		}
		if ((pfd[0].revents & POLLIN) &&
		    (fd = accept(lfd, NULL, NULL)) != -1) {
			if (nlinks == nitems(links) ||
			    (ufd = unix_socket(argv[2], 0)) == -1) {
				close(fd);
			} else {
				links[nlinks++] = (struct link){ .cfd = fd,
				    .ufd = ufd };
				continue;
			}
		}
		for (i = 0; i < nlinks; i++) {
			from = (pfd[1 + 2 * i].revents != 0) ? 0 :
			    (pfd[2 + 2 * i].revents != 0) ? 1 : -1;
			if (from == -1)
				continue;
			n = read(from ? links[i].ufd : links[i].cfd, buf,
			    sizeof(buf));
			if (n > 0 && from == 0)
				requests += count(&links[i], buf, n);
			if (n > 0 && write_all(from ? links[i].cfd :
			    links[i].ufd, buf, n) == 0)
				continue;
			if (n == -1 && errno == EINTR)
				continue;
			close(links[i].cfd);
			close(links[i].ufd);
			links[i] = links[--nlinks];
			break;	/* the poll array no longer matches */
		}
	}
	printf("requests %lu\n", requests);
	unlink(argv[1]);
	return (0);
}
