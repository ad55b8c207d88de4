/*
 * XenStore client transports and the request/reply exchange.
 */
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bsd/stdlib.h>

#include "xs_client.h"

/* Request ids below this are left to clients that count from 1. */
#define XS_REQ_ID_MIN	0x10000u

/* Watch events a request may see before its reply; more is a flood. */
#define XS_MAX_SKIPPED	1024

/* Connect to PATH as it stands: a socket, or a xenbus-like device. */
static int
xs_connect_path(struct xs_conn *c, const char *path)
{
	int fd, error;

	if ((error = pv_open_stream(path, &fd, &c->is_socket)) != 0)
		return (error);
	c->fd = fd;
	if (strlcpy(c->path, path, sizeof(c->path)) >= sizeof(c->path))
		c->path[0] = '\0';
	return (0);
}

/*
 * Where a connection starts numbering its requests.  A stream can be shared
 * (an inherited xenbus descriptor, a proxy): were every client to count
 * from 1, one would take another's reply for its own.  A random start, kept
 * clear of the small numbers other clients begin with, makes a foreign
 * reply fail the match instead.
 */
static uint32_t
xs_first_req_id(void)
{
	return (XS_REQ_ID_MIN + arc4random_uniform(UINT32_MAX -
	    XS_REQ_ID_MIN));
}

int
xs_conn_open(struct xs_conn *c, const struct pv_platform *plat,
    const char *env_path)
{
	static const char *const defaults[] = {
		XS_SOCKET_PATH, XS_XENBUS_DEV, XS_XENBUS_PROC
	};
	char full[PATH_MAX];
	size_t i;
	int error, first = 0;

	c->fd = -1;
	c->is_socket = 0;
	c->path[0] = '\0';
	if (c->next_req_id == 0)
		c->next_req_id = xs_first_req_id();
	/* As libxenstore: a set $XENSTORED_PATH is the only place to look. */
	if (env_path != NULL && env_path[0] != '\0')
		return (xs_connect_path(c, env_path));
	for (i = 0; i < nitems(defaults); i++) {
		error = pv_path(plat, defaults[i], full, sizeof(full));
		if (error == 0)
			error = xs_connect_path(c, full);
		if (error == 0) {
			/* Name the transport as the guest sees it. */
			strlcpy(c->path, defaults[i], sizeof(c->path));
			return (0);
		}
		if (first == 0 && error != ENOENT)
			first = error;
	}
	return (first != 0 ? first : ENOENT);
}

void
xs_conn_close(struct xs_conn *c)
{
	if (c->fd != -1)
		close(c->fd);
	c->fd = -1;
}

static int
xs_send_all(struct xs_conn *c, const unsigned char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if (c->is_socket)
			n = send(c->fd, buf, len, MSG_NOSIGNAL);
		else
			n = write(c->fd, buf, len);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return (EIO);
		}
		buf += n;
		len -= n;
	}
	return (0);
}

static long
xs_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return (ms > 0 ? ms : 0);
}

/* Read one whole message; a close or a short stream is EIO. */
static int
xs_recv_msg(struct xs_conn *c, struct xs_reader *r,
    const struct timespec *deadline)
{
	unsigned char buf[XS_HDR_LEN + XS_PAYLOAD_MAX];
	struct pollfd pfd;
	size_t need, used;
	ssize_t n;
	int done = 0, error, rc;

	xs_reader_init(r);
	while (!done) {
		pfd.fd = c->fd;
		pfd.events = POLLIN;
		rc = poll(&pfd, 1, (int)xs_ms_left(deadline));
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			return (EIO);
		}
		if (rc == 0)
			return (ETIMEDOUT);
		need = xs_reader_need(r);
		if (need > sizeof(buf))
			need = sizeof(buf);
		n = read(c->fd, buf, need);
		if (n == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (EIO);
		}
		if (n == 0)
			return (EIO);
		if ((error = xs_reader_feed(r, buf, n, &used, &done)) != 0)
			return (error);
	}
	return (0);
}

/*
 * Bytes waiting right after a reply mean the peer sent more than it
 * announced (this connection has no watches to be told about): the stream
 * is out of step.  A close after the reply is fine for this request.
 */
static int
xs_check_trailing(struct xs_conn *c, int *closed)
{
	char b;
	ssize_t n;

	*closed = 0;
	if (!c->is_socket)
		return (0);
	n = recv(c->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n > 0)
		return (EIO);
	if (n == 0)
		*closed = 1;
	return (0);
}

size_t
xs_payload_max(const struct xs_conn *c)
{
	/* Linux's xenbus device buffers a whole message, header included. */
	return (c->is_socket ? XS_PAYLOAD_MAX : XS_PAYLOAD_MAX - XS_HDR_LEN);
}

int
xs_talk(struct xs_conn *c, uint32_t type, uint32_t tx,
    const struct iovec *iov, int iovcnt, struct xs_msg *reply)
{
	unsigned char buf[XS_HDR_LEN + XS_PAYLOAD_MAX];
	struct xs_hdr hdr;
	struct timespec deadline;
	size_t len = 0;
	int i, error, skipped = 0, closed, ms;

	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > xs_payload_max(c) - len)
			return (E2BIG);
		memcpy(buf + XS_HDR_LEN + len, iov[i].iov_base,
		    iov[i].iov_len);
		len += iov[i].iov_len;
	}
	if (c->fd == -1)
		return (EIO);
	hdr.type = type;
	hdr.req_id = c->next_req_id++;
	if (c->next_req_id < XS_REQ_ID_MIN)
		c->next_req_id = XS_REQ_ID_MIN;
	hdr.tx_id = tx;
	hdr.len = len;
	xs_hdr_pack(&hdr, buf);
	if ((error = xs_send_all(c, buf, XS_HDR_LEN + len)) != 0)
		goto fail;

	ms = c->timeout_ms > 0 ? c->timeout_ms : XS_REPLY_TIMEOUT_MS;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += ms / 1000;
	deadline.tv_nsec += (long)(ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	for (;;) {
		struct xs_reader rd;

		if ((error = xs_recv_msg(c, &rd, &deadline)) != 0)
			goto fail;
		error = xs_reply_match(&hdr, &rd.msg);
		if (error == XS_REPLY_SKIP) {
			if (++skipped > XS_MAX_SKIPPED) {
				error = EIO;
				goto fail;
			}
			continue;
		}
		memcpy(&reply->hdr, &rd.msg.hdr, sizeof(reply->hdr));
		memcpy(reply->body, rd.msg.body, rd.msg.hdr.len + 1);
		break;
	}
	/* An ERROR reply is a complete answer; the stream is still sound. */
	if (error != 0 && error != EIO) {
		if (xs_check_trailing(c, &closed) != 0) {
			error = EIO;
			goto fail;
		}
		if (closed)
			xs_conn_close(c);
		return (error);
	}
	if (error != 0)
		goto fail;
	if ((error = xs_check_trailing(c, &closed)) != 0)
		goto fail;
	if (closed)
		xs_conn_close(c);
	return (0);
 fail:
	xs_conn_close(c);
	return (error);
}

int
xs_read_msg(struct xs_conn *c, const char *path, struct xs_msg *reply)
{
	struct iovec iov = { (void *)(uintptr_t)path, strlen(path) + 1 };

	return (xs_talk(c, XS_READ, 0, &iov, 1, reply));
}

int
xs_write_str(struct xs_conn *c, const char *path, const char *value)
{
	struct iovec iov[2] = {
		{ (void *)(uintptr_t)path, strlen(path) + 1 },
		{ (void *)(uintptr_t)value, strlen(value) },
	};
	struct xs_msg *reply;
	int error;

	/* The reply is "OK"; a buffer for it still has to hold a whole one. */
	if ((reply = malloc(sizeof(*reply))) == NULL)
		return (ENOMEM);
	error = xs_talk(c, XS_WRITE, 0, iov, 2, reply);
	free(reply);
	return (error);
}

int
xs_directory_msg(struct xs_conn *c, const char *path, struct xs_msg *reply)
{
	struct iovec iov = { (void *)(uintptr_t)path, strlen(path) + 1 };

	return (xs_talk(c, XS_DIRECTORY, 0, &iov, 1, reply));
}

/* The parts of a listing over one message, appended to *BUF. */
static int
xs_directory_parts(struct xs_conn *c, const char *path, size_t max,
    struct xs_msg *reply, char **buf, size_t *len)
{
	char gen[XS_GEN_MAX], offstr[24], *nbuf;
	const char *g, *names;
	struct iovec iov[2];
	size_t nlen;
	unsigned int tries = 0;
	int error, last;

	iov[0].iov_base = (void *)(uintptr_t)path;
	iov[0].iov_len = strlen(path) + 1;
	*len = 0;
	for (;;) {
		snprintf(offstr, sizeof(offstr), "%zu", *len);
		iov[1].iov_base = offstr;
		iov[1].iov_len = strlen(offstr) + 1;
		error = xs_talk(c, XS_DIRECTORY_PART, 0, iov, 2, reply);
		if (error == ENOSYS)
			return (E2BIG);
		if (error != 0)
			return (error);
		error = xs_dir_part_split(reply->body, reply->hdr.len, &g,
		    &names, &nlen, &last);
		if (error != 0)
			return (error);
		if (*len == 0)
			strlcpy(gen, g, sizeof(gen));
		else if (strcmp(gen, g) != 0) {
			/* The node changed between two parts: start again. */
			if (++tries > XS_DIRPART_RETRIES)
				return (EAGAIN);
			*len = 0;
			continue;
		}
		if (nlen > max || *len > max - nlen)
			return (ERANGE);
		if ((nbuf = realloc(*buf, *len + nlen + 1)) == NULL)
			return (ENOMEM);
		*buf = nbuf;
		memcpy(*buf + *len, names, nlen);
		*len += nlen;
		(*buf)[*len] = '\0';
		if (last)
			return (0);
	}
}

int
xs_directory_list(struct xs_conn *c, const char *path, size_t max,
    char **names, size_t *len)
{
	struct xs_msg *reply;
	int error;

	*names = NULL;
	*len = 0;
	if ((reply = malloc(sizeof(*reply))) == NULL)
		return (ENOMEM);
	error = xs_directory_msg(c, path, reply);
	if (error == 0) {
		if (reply->hdr.len > max)
			error = ERANGE;
		else if ((*names = malloc(reply->hdr.len + 1)) == NULL)
			error = ENOMEM;
		else {
			memcpy(*names, reply->body, reply->hdr.len + 1);
			*len = reply->hdr.len;
		}
	} else if (error == E2BIG)
		error = xs_directory_parts(c, path, max, reply, names, len);
	free(reply);
	if (error != 0) {
		free(*names);
		*names = NULL;
		*len = 0;
	}
	return (error);
}

int
xs_watch_set(struct xs_conn *c, const char *path, const char *token)
{
	unsigned char buf[XS_HDR_LEN + XS_PAYLOAD_MAX];
	size_t plen = strlen(path) + 1, tlen = strlen(token) + 1;
	struct xs_reader rd;
	struct xs_hdr hdr;
	struct timespec deadline;
	int error, replied = 0;

	if (plen + tlen > xs_payload_max(c))
		return (E2BIG);
	if (c->fd == -1)
		return (EIO);
	hdr.type = XS_WATCH;
	hdr.req_id = c->next_req_id++;
	if (c->next_req_id == 0)
		c->next_req_id = 1;
	hdr.tx_id = 0;
	hdr.len = plen + tlen;
	xs_hdr_pack(&hdr, buf);
	memcpy(buf + XS_HDR_LEN, path, plen);
	memcpy(buf + XS_HDR_LEN + plen, token, tlen);
	if ((error = xs_send_all(c, buf, XS_HDR_LEN + plen + tlen)) != 0)
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += XS_REPLY_TIMEOUT_MS / 1000;
	for (;;) {
		error = xs_recv_msg(c, &rd, &deadline);
		/* A server that does not fire at once still set the watch. */
		if (error == ETIMEDOUT && replied)
			return (0);
		if (error != 0)
			goto fail;
		if (rd.msg.hdr.type == XS_WATCH_EVENT) {
			if (replied)
				return (0);
			continue;
		}
		if ((error = xs_reply_match(&hdr, &rd.msg)) == EIO)
			goto fail;
		if (error != 0)
			return (error);
		replied = 1;
	}
 fail:
	xs_conn_close(c);
	return (error);
}

/* Poll's bound for one wait without a deadline: an hour, then again. */
#define XS_WAIT_STEP_S	3600

int
xs_watch_next(struct xs_conn *c, const struct timespec *deadline,
    struct xs_msg *ev)
{
	struct xs_reader rd;
	struct timespec step;
	int error;

	if (c->fd == -1)
		return (EIO);
	for (;;) {
		if (deadline == NULL) {
			clock_gettime(CLOCK_MONOTONIC, &step);
			step.tv_sec += XS_WAIT_STEP_S;
		}
		error = xs_recv_msg(c, &rd, deadline != NULL ? deadline :
		    &step);
		if (error == ETIMEDOUT && deadline == NULL)
			continue;
		if (error == ETIMEDOUT)
			return (error);
		if (error != 0) {
			xs_conn_close(c);
			return (EIO);
		}
		/* Anything else is a late reply of no interest. */
		if (rd.msg.hdr.type == XS_WATCH_EVENT) {
			memcpy(&ev->hdr, &rd.msg.hdr, sizeof(ev->hdr));
			memcpy(ev->body, rd.msg.body, rd.msg.hdr.len + 1);
			return (0);
		}
	}
}
