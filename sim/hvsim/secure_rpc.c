/*
 * The host end of VMware's secure RPC (--vsock-rpci): RPCI over vsock port
 * 976, as a VMX serves it, from a process of its own that shares the
 * host's --state file (whose changes the two merge under its lock).
 *
 * Each packet is a 4-byte big-endian length, then DataMap entries: a
 * big-endian field type and id, then an INT64's two big-endian halves (low
 * first) or a STRING's length and bytes; the command is the PAYLOAD string
 * (id 2).  The reply is a packet of FIELD_TYPE DATA and the RPCI reply as
 * PAYLOAD.  A connection carries requests until the guest closes it.
 * Under --secure-rpc, info-get and info-set are answered only for a caller
 * on a source port below 1024, as a host with guest_rpc.rpci.auth.cmd.*
 * set does; the backdoor refuses them all.
 *
 * This side is written apart from libpvbus's codec (lib/vmware_vsock.c),
 * which it checks.  Only the QEMU lane uses it: there vsock is the guest's
 * own loopback; on a build machine it leads to the real host.
 */
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/vm_sockets.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmware_host.h"

#define SRPC_PORT		976
#define SRPC_PRIVILEGED		1024	/* source ports below are trusted */
#define DM_INT64		1
#define DM_STRING		2
#define DM_FIELD_TYPE		1
#define DM_FIELD_PAYLOAD	2
#define DM_DATA			1

static void
be32_put(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static uint32_t
be32_get(const unsigned char *p)
{
	return ((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3]);
}

static int
read_all(int fd, void *buf, size_t len)
{
	unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = read(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

static int
write_all(int fd, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return (-1);
		p += n;
		len -= n;
	}
	return (0);
}

/* The PAYLOAD string of LEN bytes of entries, or NULL. */
static const unsigned char *
payload(const unsigned char *e, size_t len, size_t *plen)
{
	size_t off = 0, n;
	uint32_t type, id;

	while (len - off >= 8) {
		type = be32_get(e + off);
		id = be32_get(e + off + 4);
		off += 8;
		if (type == DM_INT64 && len - off >= 8)
			off += 8;
		else if (type == DM_STRING && len - off >= 4 &&
		    (n = be32_get(e + off)) <= len - off - 4) {
			if (id == DM_FIELD_PAYLOAD) {
				*plen = n;
				return (e + off + 4);
			}
			off += 4 + n;
		} else
			return (NULL);
	}
	return (NULL);
}

static void
serve(struct vmw_host *h, int fd, unsigned int port)
{
	unsigned char hdr[4], *in, *out, *reply;
	const unsigned char *cmd;
	size_t len, clen, rlen;
	int ok;

	for (;;) {
		if (read_all(fd, hdr, 4) == -1)
			return;
		if ((len = be32_get(hdr)) > VMW_MAXMSG ||
		    (in = malloc(len + 1)) == NULL)
			return;
		if (read_all(fd, in, len) == -1 ||
		    (cmd = payload(in, len, &clen)) == NULL ||
		    vmw_host_rpci(h, (const char *)cmd, clen,
		    port < SRPC_PRIVILEGED, &reply, &rlen) == -1) {
			free(in);
			return;
		}
		free(in);
		if ((out = malloc(32 + rlen)) == NULL) {
			free(reply);
			return;
		}
		be32_put(out, 28 + rlen);
		be32_put(out + 4, DM_INT64);
		be32_put(out + 8, DM_FIELD_TYPE);
		be32_put(out + 12, DM_DATA);
		be32_put(out + 16, 0);
		be32_put(out + 20, DM_STRING);
		be32_put(out + 24, DM_FIELD_PAYLOAD);
		be32_put(out + 28, rlen);
		memcpy(out + 32, reply, rlen);
		free(reply);
		ok = write_all(fd, out, 32 + rlen) == 0;
		free(out);
		if (!ok)
			return;
	}
}

/*
 * The server is no child of hvsim, which supervises until it has none
 * left: it is forked from a child that exits at once.  It ends when the
 * pipe from hvsim closes, when hvsim stops it or ends.
 */
static void
run_server(struct vmw_host *h, int lfd, int life)
{
	struct sockaddr_vm peer;
	struct pollfd pfd[2];
	socklen_t plen;
	int fd;

	for (;;) {
		pfd[0].fd = lfd;
		pfd[0].events = POLLIN;
		pfd[1].fd = life;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		if (pfd[1].revents != 0)
			_exit(0);
		plen = sizeof(peer);
		if ((fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
		    SOCK_CLOEXEC)) == -1) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EAGAIN)
				continue;
			_exit(1);
		}
		serve(h, fd, peer.svm_port);
		close(fd);
	}
}

int
vmw_secure_rpc_start(struct vmw_host *h)
{
	struct sockaddr_vm addr;
	pid_t mid;
	int lfd, life[2], st;

	if (h->state == NULL) {
		fprintf(stderr, "hvsim: --vsock-rpci wants --state, the "
		    "table it shares with the backdoor\n");
		return (-1);
	}
	if ((lfd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1) {
		fprintf(stderr, "hvsim: --vsock-rpci: socket: %s\n",
		    strerror(errno));
		return (-1);
	}
	memset(&addr, 0, sizeof(addr));
	addr.svm_family = AF_VSOCK;
	addr.svm_cid = VMADDR_CID_ANY;
	addr.svm_port = SRPC_PORT;
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) == -1 ||
	    listen(lfd, 16) == -1 || pipe2(life, O_CLOEXEC) == -1) {
		fprintf(stderr, "hvsim: --vsock-rpci: port %d: %s\n",
		    SRPC_PORT, strerror(errno));
		close(lfd);
		return (-1);
	}
	if ((mid = fork()) == -1) {
		fprintf(stderr, "hvsim: --vsock-rpci: fork: %s\n",
		    strerror(errno));
		close(lfd);
		close(life[0]);
		close(life[1]);
		return (-1);
	}
	if (mid == 0) {
		close(life[1]);
		if (fork() == 0)
			run_server(h, lfd, life[0]);
		_exit(0);
	}
	close(lfd);
	close(life[0]);
	while (waitpid(mid, &st, 0) == -1 && errno == EINTR)
		;
	h->server_life = life[1];
	return (0);
}

void
vmw_secure_rpc_stop(struct vmw_host *h)
{
	if (h->server_life == -1)
		return;
	close(h->server_life);
	h->server_life = -1;
}
