/*
 * The DataMap packets of VMware's RPCI over vsock.
 */
#include <sys/socket.h>
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pv.h"
#include "vmware_vsock.h"

static void
put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
get32(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

size_t
pv_vmw_dm_encode(const void *msg, size_t len, unsigned char *out, size_t cap)
{
	/* prefix, INT64 entry (type, id, low, high), STRING entry head */
	const size_t head = 4 + 16 + 12;
	unsigned char *p = out;

	if (len > PV_VMW_VSOCK_MAXPKT - (head - 4) || cap < head + len)
		return (0);
	put32(p, head - 4 + len);
	put32(p + 4, PV_DM_TYPE_INT64);
	put32(p + 8, PV_DM_FIELD_TYPE);
	put32(p + 12, PV_DM_PKT_DATA);	/* low half */
	put32(p + 16, 0);		/* high half */
	put32(p + 20, PV_DM_TYPE_STRING);
	put32(p + 24, PV_DM_FIELD_PAYLOAD);
	put32(p + 28, len);
	memcpy(p + head, msg, len);
	return (head + len);
}

int
pv_vmw_dm_length(const unsigned char prefix[4], size_t *len)
{
	*len = get32(prefix);
	return (*len > PV_VMW_VSOCK_MAXPKT ? EMSGSIZE : 0);
}

int
pv_vmw_dm_payload(const unsigned char *buf, size_t len,
    const unsigned char **payload, size_t *plen)
{
	size_t off = 0, n;
	uint32_t type, id;
	int found = 0;

	*payload = NULL;
	*plen = 0;
	while (off < len) {
		if (len - off < 8)
			return (EIO);
		type = get32(buf + off);
		id = get32(buf + off + 4);
		off += 8;
		switch (type) {
		case PV_DM_TYPE_INT64:
			if (len - off < 8)
				return (EIO);
			off += 8;
			break;
		case PV_DM_TYPE_STRING:
			if (len - off < 4 || (n = get32(buf + off)) >
			    len - off - 4)
				return (EIO);
			if (id == PV_DM_FIELD_PAYLOAD && !found) {
				*payload = buf + off + 4;
				*plen = n;
				found = 1;
			}
			off += 4 + n;
			break;
		case PV_DM_TYPE_INT64LIST:
			if (len - off < 4 || (n = get32(buf + off)) >
			    (len - off - 4) / 8)
				return (EIO);
			off += 4 + n * 8;
			break;
		default:
			return (EIO);
		}
	}
	return (found ? 0 : EIO);
}

static int
vsock_ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	    (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return (ms > 0 ? (int)ms : 0);
}

/* LEN bytes whole, before DEADLINE; EIO when the peer closes first. */
static int
vsock_read_all(int fd, unsigned char *buf, size_t len,
    const struct timespec *deadline)
{
	struct pollfd pfd;
	ssize_t n;
	int rc;

	while (len > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		if ((rc = poll(&pfd, 1, vsock_ms_left(deadline))) == -1) {
			if (errno == EINTR)
				continue;
			return (EIO);
		}
		if (rc == 0)
			return (ETIMEDOUT);
		if ((n = recv(fd, buf, len, 0)) == -1) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return (EIO);
		}
		if (n == 0)
			return (EIO);
		buf += n;
		len -= n;
	}
	return (0);
}

int
pv_vmw_vsock_exchange(int fd, const char *msg, size_t len, char *reply,
    size_t cap, size_t *replylen)
{
	unsigned char prefix[4], *pkt, *in = NULL;
	const unsigned char *payload;
	struct timespec deadline;
	size_t pktlen, inlen, plen, off = 0;
	ssize_t n;
	int error;

	*replylen = 0;
	if (cap > 0)
		reply[0] = '\0';
	if ((pkt = malloc(len + 64)) == NULL)
		return (ENOMEM);
	if ((pktlen = pv_vmw_dm_encode(msg, len, pkt, len + 64)) == 0) {
		free(pkt);
		return (EMSGSIZE);
	}
	while (off < pktlen) {
		n = send(fd, pkt + off, pktlen - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			free(pkt);
			return (EIO);
		}
		off += n;
	}
	free(pkt);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += PV_VMW_VSOCK_TIMEOUT_MS / 1000;
	if ((error = vsock_read_all(fd, prefix, 4, &deadline)) != 0)
		return (error);
	if ((error = pv_vmw_dm_length(prefix, &inlen)) != 0)
		return (error);
	if ((in = malloc(inlen + 1)) == NULL)
		return (ENOMEM);
	if ((error = vsock_read_all(fd, in, inlen, &deadline)) == 0 &&
	    (error = pv_vmw_dm_payload(in, inlen, &payload, &plen)) == 0) {
		if (plen >= cap)
			error = EMSGSIZE;
		else {
			memcpy(reply, payload, plen);
			reply[plen] = '\0';
			*replylen = plen;
		}
	}
	free(in);
	return (error);
}

int
pv_vmw_vsock_rpci(unsigned int cid, int privileged, const char *msg,
    size_t len, char *reply, size_t cap, size_t *replylen, int *connected)
{
	int fd, error;

	*connected = 0;
	if ((error = pv_vsock_connect(cid, PV_VMW_VSOCK_RPCI_PORT,
	    privileged, &fd)) != 0)
		return (error);
	*connected = 1;
	error = pv_vmw_vsock_exchange(fd, msg, len, reply, cap, replylen);
	close(fd);
	return (error);
}
