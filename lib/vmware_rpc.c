/*
 * The VMware MESSAGE channel and RPCI, as open-vm-tools speaks them: cookie
 * channels with a fallback to plain ones, high-bandwidth transfers when the
 * host offers them and 4-byte ones otherwise, and a restart of a transfer a
 * checkpoint interrupted.
 */
#include <sys/resource.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "pv.h"
#include "vmware_rpc.h"

static void
pv_vmw_bd_in(void *ctx, struct pv_bd_regs *r)
{
	(void)ctx;
	pv_bd_in(r);
}

static void
pv_vmw_bd_hb_out(void *ctx, struct pv_bd_regs *r)
{
	(void)ctx;
	pv_bd_hb_out(r);
}

static void
pv_vmw_bd_hb_in(void *ctx, struct pv_bd_regs *r)
{
	(void)ctx;
	pv_bd_hb_in(r);
}

const struct pv_vmw_transport pv_vmw_backdoor = {
	.in = pv_vmw_bd_in,
	.hb_out = pv_vmw_bd_hb_out,
	.hb_in = pv_vmw_bd_hb_in,
	.ctx = NULL,
};

int
pv_vmw_getversion(const struct pv_vmw_transport *t, uint32_t *version,
    uint32_t *type)
{
	struct pv_bd_regs r;

	memset(&r, 0, sizeof(r));
	r.ax = PV_BD_MAGIC;
	r.bx = (uint32_t)~PV_BD_MAGIC;		/* not the magic until answered */
	r.cx = 0xFFFF0000u | PV_VMW_CMD_GETVERSION;
	r.dx = PV_BD_PORT;
	t->in(t->ctx, &r);
	if ((uint32_t)r.ax == 0xFFFFFFFFu || (uint32_t)r.bx != PV_BD_MAGIC)
		return (ENODEV);
	*version = (uint32_t)r.ax;
	/* Old hosts leave ECX alone: their type is unknown (0). */
	*type = ((uint32_t)r.cx >> 16) == 0xFFFF ? 0 : (uint32_t)r.cx;
	return (0);
}

/*
 * The child of pv_vmw_probe(): only system calls from here on (the caller
 * may have threads).  The caller's SIGSEGV handler, if any, must not run in
 * the child, and a dead child should leave no core file behind.
 */
static void __attribute__((noreturn))
pv_vmw_probe_child(int fd)
{
	static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL };
	struct sigaction sa;
	struct rlimit rl = { 0, 0 };
	sigset_t set;
	uint32_t out[2];
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&set);
	for (i = 0; i < nitems(sigs); i++) {
		sigaction(sigs[i], &sa, NULL);
		sigaddset(&set, sigs[i]);
	}
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	setrlimit(RLIMIT_CORE, &rl);
	if (pv_vmw_getversion(&pv_vmw_backdoor, &out[0], &out[1]) == 0 &&
	    write(fd, out, sizeof(out)) == (ssize_t)sizeof(out))
		_exit(0);
	_exit(1);
}

int
pv_vmw_probe(uint32_t *version, uint32_t *type)
{
	uint32_t out[2];
	size_t got;
	pid_t pid;
	int fds[2], status, error;

	if (!pv_bd_supported())
		return (ENOTSUP);
	if (pipe2(fds, O_CLOEXEC) == -1)
		return (errno);
	if ((pid = fork()) == -1) {
		error = errno;
		close(fds[0]);
		close(fds[1]);
		return (error);
	}
	if (pid == 0) {
		close(fds[0]);
		pv_vmw_probe_child(fds[1]);
	}
	close(fds[1]);
	(void)pv_read_full(fds[0], out, sizeof(out), &got);
	close(fds[0]);
	/*
	 * The child writes only after the backdoor answered, so the answer
	 * alone decides (a caller ignoring SIGCHLD leaves nothing to reap).
	 */
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	if (got != sizeof(out))
		return (ENODEV);
	*version = out[0];
	*type = out[1];
	return (0);
}

/* One MESSAGE call on CHAN; returns the status (ECX high 16). */
static uint16_t
pv_vmw_msg(struct pv_vmw_chan *chan, uint16_t sub, uint32_t bx,
    struct pv_bd_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->ax = PV_BD_MAGIC;
	r->bx = bx;
	r->cx = (uint32_t)sub << 16 | PV_VMW_CMD_MESSAGE;
	r->dx = (uint32_t)chan->id << 16 | PV_BD_PORT;
	r->si = chan->cookie1;
	r->di = chan->cookie2;
	chan->t->in(chan->t->ctx, r);
	return ((uint32_t)r->cx >> 16);
}

int
pv_vmw_open(const struct pv_vmw_transport *t, uint32_t proto,
    struct pv_vmw_chan *chan)
{
	static const uint32_t flags[] = { PV_VMW_FLAG_COOKIE, 0 };
	struct pv_bd_regs r;
	size_t i;

	memset(chan, 0, sizeof(*chan));
	chan->t = t;
	/* Hosts without cookies refuse the flag: ask again without. */
	for (i = 0; i < nitems(flags); i++) {
		if ((pv_vmw_msg(chan, PV_VMW_MSG_OPEN, proto | flags[i], &r) &
		    PV_VMW_ST_SUCCESS) == 0)
			continue;
		chan->id = (uint32_t)r.dx >> 16;
		chan->cookie1 = (uint32_t)r.si;
		chan->cookie2 = (uint32_t)r.di;
		return (0);
	}
	return (EIO);
}

/* The high-bandwidth registers; status comes back in EBX high 16. */
static void
pv_vmw_hb_regs(const struct pv_vmw_chan *chan, size_t len,
    struct pv_bd_regs *r)
{
	memset(r, 0, sizeof(*r));
	r->ax = PV_BD_MAGIC;
	r->bx = (uint32_t)PV_VMW_ST_SUCCESS << 16 | PV_VMW_HB_CMD_MESSAGE;
	r->cx = len;
	r->dx = (uint32_t)chan->id << 16 | PV_BD_HBPORT;
}

/* Send once; EAGAIN when a checkpoint interrupted it. */
static int
pv_vmw_send_once(struct pv_vmw_chan *chan, const unsigned char *buf,
    size_t len)
{
	struct pv_bd_regs r;
	uint16_t st;
	uint32_t word;
	size_t off, n;

	st = pv_vmw_msg(chan, PV_VMW_MSG_SENDSIZE, (uint32_t)len, &r);
	if ((st & PV_VMW_ST_SUCCESS) == 0)
		return (EIO);
	if (len == 0)
		return (0);
	if (st & PV_VMW_ST_HB) {
		pv_vmw_hb_regs(chan, len, &r);
		r.si = (uintptr_t)buf;
		r.di = chan->cookie2;
		r.bp = chan->cookie1;
		chan->t->hb_out(chan->t->ctx, &r);
		st = (uint32_t)r.bx >> 16;
		if (st & PV_VMW_ST_SUCCESS)
			return (0);
		return ((st & PV_VMW_ST_CPT) ? EAGAIN : EIO);
	}
	for (off = 0; off < len; off += n) {
		/* Never read past the end of the caller's buffer. */
		n = len - off < 4 ? len - off : 4;
		word = 0;
		memcpy(&word, buf + off, n);	/* little-endian, as the host */
		st = pv_vmw_msg(chan, PV_VMW_MSG_SENDPAYLOAD, word, &r);
		if ((st & PV_VMW_ST_SUCCESS) == 0)
			return ((st & PV_VMW_ST_CPT) ? EAGAIN : EIO);
	}
	return (0);
}

int
pv_vmw_send(struct pv_vmw_chan *chan, const void *buf, size_t len)
{
	int i, error = EIO;

	if (len > UINT32_MAX)
		return (EMSGSIZE);
	for (i = 0; i < PV_VMW_MAXRESTART; i++)
		if ((error = pv_vmw_send_once(chan, buf, len)) != EAGAIN)
			return (error);
	return (EIO);
}

/*
 * Receive once; EAGAIN when a checkpoint interrupted it.  On a failure
 * after the size, tell the host the reply was not taken, as
 * open-vm-tools does, so that it does not wait for the rest.
 */
static int
pv_vmw_recv_once(struct pv_vmw_chan *chan, unsigned char *buf, size_t cap,
    size_t *lenp)
{
	struct pv_bd_regs r;
	uint16_t st;
	uint32_t word;
	size_t len, off, n;
	int error;

	*lenp = 0;
	st = pv_vmw_msg(chan, PV_VMW_MSG_RECVSIZE, 0, &r);
	if ((st & PV_VMW_ST_SUCCESS) == 0)
		return (EIO);
	if ((st & PV_VMW_ST_DORECV) == 0)
		return (0);
	if (((uint32_t)r.dx >> 16) != PV_VMW_MSG_SENDSIZE)
		return (EIO);
	len = (uint32_t)r.bx;
	if (len >= cap) {
		error = EMSGSIZE;
		goto refuse;
	}
	if (len > 0 && (st & PV_VMW_ST_HB)) {
		pv_vmw_hb_regs(chan, len, &r);
		r.si = chan->cookie1;
		r.di = (uintptr_t)buf;
		r.bp = chan->cookie2;
		chan->t->hb_in(chan->t->ctx, &r);
		st = (uint32_t)r.bx >> 16;
		if ((st & PV_VMW_ST_SUCCESS) == 0) {
			if (st & PV_VMW_ST_CPT)
				return (EAGAIN);
			error = EIO;
			goto refuse;
		}
	} else {
		for (off = 0; off < len; off += n) {
			st = pv_vmw_msg(chan, PV_VMW_MSG_RECVPAYLOAD,
			    PV_VMW_ST_SUCCESS, &r);
			if ((st & PV_VMW_ST_SUCCESS) == 0) {
				if (st & PV_VMW_ST_CPT)
					return (EAGAIN);
				error = EIO;
				goto refuse;
			}
			if (((uint32_t)r.dx >> 16) != PV_VMW_MSG_SENDPAYLOAD) {
				error = EIO;
				goto refuse;
			}
			n = len - off < 4 ? len - off : 4;
			word = (uint32_t)r.bx;
			memcpy(buf + off, &word, n);
		}
	}
	st = pv_vmw_msg(chan, PV_VMW_MSG_RECVSTATUS, PV_VMW_ST_SUCCESS, &r);
	if ((st & PV_VMW_ST_SUCCESS) == 0)
		return ((st & PV_VMW_ST_CPT) ? EAGAIN : EIO);
	buf[len] = '\0';
	*lenp = len;
	return (0);
 refuse:
	(void)pv_vmw_msg(chan, PV_VMW_MSG_RECVSTATUS, 0, &r);
	return (error);
}

int
pv_vmw_recv(struct pv_vmw_chan *chan, char *buf, size_t cap, size_t *lenp)
{
	int i, error = EIO;

	*lenp = 0;
	if (cap == 0)
		return (EMSGSIZE);
	buf[0] = '\0';
	for (i = 0; i < PV_VMW_MAXRESTART; i++) {
		error = pv_vmw_recv_once(chan, (unsigned char *)buf, cap,
		    lenp);
		if (error != EAGAIN)
			break;
	}
	if (error == EAGAIN)
		error = EIO;
	if (error != 0) {
		buf[0] = '\0';
		*lenp = 0;
	}
	return (error);
}

int
pv_vmw_close(struct pv_vmw_chan *chan)
{
	struct pv_bd_regs r;

	if ((pv_vmw_msg(chan, PV_VMW_MSG_CLOSE, 0, &r) &
	    PV_VMW_ST_SUCCESS) == 0)
		return (EIO);
	return (0);
}

int
pv_vmw_rpci(const struct pv_vmw_transport *t, const char *msg, size_t len,
    char *reply, size_t cap, size_t *replylen)
{
	struct pv_vmw_chan chan;
	int error;

	*replylen = 0;
	if (cap > 0)
		reply[0] = '\0';
	if ((error = pv_vmw_open(t, PV_VMW_PROTO_RPCI, &chan)) != 0)
		return (error);
	error = pv_vmw_send(&chan, msg, len);
	if (error == 0)
		error = pv_vmw_recv(&chan, reply, cap, replylen);
	/* A channel left open counts against the host's limit: close it. */
	if (pv_vmw_close(&chan) != 0 && error == 0)
		error = EIO;
	if (error != 0) {
		if (cap > 0)
			reply[0] = '\0';
		*replylen = 0;
		return (EIO);
	}
	return (0);
}

/* The reasons a host gives for refusing, and what they mean here. */
static const struct {
	const char	*reason;
	int		 error;
} pv_vmw_refusals[] = {
	{ "No value found",	ENOENT },
	{ "Permission denied",	EACCES },
};

int
pv_vmw_rpci_result(const char *reply, size_t len, const char **text,
    size_t *textlen)
{
	size_t i, rlen;

	*text = reply + len;
	*textlen = 0;
	if (len == 0 || memchr(reply, '\0', len) != NULL ||
	    (reply[0] != '0' && reply[0] != '1') ||
	    (len > 1 && reply[1] != ' '))
		return (EIO);
	if (len > 1) {
		*text = reply + 2;
		*textlen = len - 2;
	}
	if (reply[0] == '1')
		return (0);
	for (i = 0; i < nitems(pv_vmw_refusals);
	    i++) {
		rlen = strlen(pv_vmw_refusals[i].reason);
		if (*textlen == rlen &&
		    memcmp(*text, pv_vmw_refusals[i].reason, rlen) == 0)
			return (pv_vmw_refusals[i].error);
	}
	return (EINVAL);
}
