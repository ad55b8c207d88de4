/*
 * Moving a caller's memory for an unrestricted CUSE ioctl.
 *
 * The kernel hands pvbusd only the command and the raw argument; the caller's
 * memory arrives when pvbusd answers with a retry naming the iovecs it wants,
 * and the kernel repeats the request with their contents.  Nothing is kept
 * between rounds: each round re-reads the request structure and recomputes
 * what it needs, so a round whose sizes do not match just asks again.  A
 * caller that rewrites its request between rounds gets what a racing copyin
 * gives it: bytes of its own memory, never another caller's.
 *
 * Round 1: fetch the structure (_IOC_SIZE bytes when the command has IOC_IN,
 * as OpenBSD's sys_ioctl copies it in before the driver runs).
 * Round 2: pvbus_ioctl() makes its checks and announces the regions it will
 * read and write (reserve); pvbusd answers a retry for them.
 * Round 3: the regions are at hand and pvbus_ioctl() runs to the end.
 *
 * The kernel moves at most LIMIT bytes each way per request.  Only a write
 * can need more (the structure, a 64 KiB key and a 64 KiB value); then the
 * regions are fetched in stages: region s whole and the others cut to
 * prefixes.  A prefix holding the string's NUL is as good as the whole, since
 * pvbus_ioctl() passes C strings on; a stage whose prefix has no NUL moves to
 * the next.  The stage is told from the round's size (LIMIT - s).  When no
 * stage works, both strings are near 64 KiB, more than any store takes, and
 * the write fails with E2BIG.
 */
#include <sys/ioctl.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pvbusd.h"

#define XFER_NOSTAGE	((size_t)-1)

static int
xfer_reserve(void *ctx, const void *uaddr, size_t len, int out)
{
	struct pvbusd_xfer *x = ctx;
	struct pvbusd_region *r;
	size_t *n;

	if (!x->planning)
		return (0);
	r = out ? x->out : x->in;
	n = out ? &x->nout : &x->nin;
	if (*n == PVBUSD_MAXREGIONS)
		return (ENOMEM);
	memset(&r[*n], 0, sizeof(r[*n]));
	r[*n].uaddr = (uintptr_t)uaddr;
	r[*n].len = len;
	(*n)++;
	return (PVBUS_ERESTART);
}

/* The region of R[0 .. N) that holds [uaddr, uaddr + len), or NULL. */
static struct pvbusd_region *
xfer_find(struct pvbusd_region *r, size_t n, uintptr_t uaddr, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (uaddr >= r[i].uaddr && uaddr - r[i].uaddr <= r[i].len &&
		    len <= r[i].len - (uaddr - r[i].uaddr))
			return (&r[i]);
	return (NULL);
}

static int
xfer_copyin(void *ctx, void *dst, const void *usrc, size_t len)
{
	struct pvbusd_xfer *x = ctx;
	struct pvbusd_region *r;
	const char *data, *nul;
	size_t d;

	if ((r = xfer_find(x->in, x->nin, (uintptr_t)usrc, len)) == NULL)
		return (EFAULT);
	data = x->in_buf + r->off;
	d = (uintptr_t)usrc - r->uaddr;
	if (d + len <= r->have) {
		memcpy(dst, data + d, len);
		return (0);
	}
	/* A prefix: enough when the string ends inside it. */
	if (d < r->have &&
	    (nul = memchr(data + d, '\0', r->have - d)) != NULL) {
		size_t n = (size_t)(nul - (data + d)) + 1;

		memcpy(dst, data + d, n);
		memset((char *)dst + n, 0, len - n);
		return (0);
	}
	x->short_prefix = 1;
	return (PVBUS_ERESTART);
}

static int
xfer_copyout(void *ctx, void *udst, const void *src, size_t len)
{
	struct pvbusd_xfer *x = ctx;
	struct pvbusd_region *r;
	size_t end;

	if ((r = xfer_find(x->out, x->nout, (uintptr_t)udst, len)) == NULL)
		return (EFAULT);
	end = r->off + ((uintptr_t)udst - r->uaddr) + len;
	memcpy(x->reply + end - len, src, len);
	if (end > x->replylen)
		x->replylen = end;
	return (0);
}

static size_t
xfer_total(const struct pvbusd_region *r, size_t n)
{
	size_t i, sum = 0;

	for (i = 0; i < n; i++)
		sum += r[i].len;
	return (sum);
}

/*
 * Decide how much of each in region to fetch after HDR bytes of structure:
 * everything when it fits LIMIT (returns the total), else stage S (returns
 * LIMIT - S), or 0 when there is no such stage.
 */
static size_t
xfer_layout(struct pvbusd_xfer *x, size_t hdr, size_t limit, size_t s)
{
	size_t full, left, i;

	full = hdr + xfer_total(x->in, x->nin);
	if (full <= limit) {
		for (i = 0; i < x->nin; i++)
			x->in[i].have = x->in[i].len;
		return (full);
	}
	if (s >= x->nin || limit - hdr < s + x->in[s].len)
		return (0);
	left = limit - hdr - s - x->in[s].len;
	for (i = 0; i < x->nin; i++) {
		if (i == s) {
			x->in[i].have = x->in[i].len;
			continue;
		}
		x->in[i].have = x->in[i].len < left ? x->in[i].len : left;
		left -= x->in[i].have;
	}
	return (limit - s);
}

static void
xfer_retry(struct pvbusd_xfer *x, const void *arg, size_t hdr,
    struct pvbusd_answer *ans)
{
	size_t i;

	ans->kind = PVBUSD_ANSWER_RETRY;
	ans->nin = ans->nout = 0;
	if (hdr > 0) {
		ans->in_iov[ans->nin].iov_base = (void *)(uintptr_t)arg;
		ans->in_iov[ans->nin++].iov_len = hdr;
	}
	for (i = 0; i < x->nin; i++) {
		if (x->in[i].have == 0)
			continue;
		ans->in_iov[ans->nin].iov_base = (void *)x->in[i].uaddr;
		ans->in_iov[ans->nin++].iov_len = x->in[i].have;
	}
	for (i = 0; i < x->nout; i++) {
		ans->out_iov[ans->nout].iov_base = (void *)x->out[i].uaddr;
		ans->out_iov[ans->nout++].iov_len = x->out[i].len;
	}
}

static void
xfer_error(struct pvbusd_answer *ans, int error)
{
	ans->kind = PVBUSD_ANSWER_ERROR;
	ans->error = error;
}

/* Which stage the fetched data is, or XFER_NOSTAGE for none we asked. */
static size_t
xfer_stage(struct pvbusd_xfer *x, size_t hdr, size_t limit, size_t in_bufsz,
    size_t out_bufsz)
{
	size_t full = hdr + xfer_total(x->in, x->nin);

	if (out_bufsz != xfer_total(x->out, x->nout))
		return (XFER_NOSTAGE);
	if (full <= limit)
		return (in_bufsz == full ? 0 : XFER_NOSTAGE);
	if (in_bufsz > limit || limit - in_bufsz >= x->nin)
		return (XFER_NOSTAGE);
	return (limit - in_bufsz);
}

static const struct pvbus_uaccess xfer_uaccess = {
	.reserve = xfer_reserve,
	.copyin = xfer_copyin,
	.copyout = xfer_copyout,
};

int
pvbusd_xfer_needs_store(unsigned long cmd)
{
	return (cmd == PVBUSIOC_KVREAD || cmd == PVBUSIOC_KVWRITE);
}

int
pvbusd_xfer_begin(struct pvbusd_xfer *x, struct pvbus *bus, size_t unit,
    unsigned long cmd, int writable, const void *arg, const void *in_buf,
    size_t in_bufsz, size_t out_bufsz, size_t limit,
    struct pvbusd_answer *ans)
{
	struct pvbus_uaccess ua = xfer_uaccess;
	size_t off, i;
	int error;

	memset(ans, 0, sizeof(*ans));
	memset(x, 0, sizeof(*x));
	x->cmd = cmd;
	x->writable = writable;
	x->arg = arg;
	x->limit = limit;
	ua.ctx = x;
	if (_IOC_DIR(cmd) & _IOC_WRITE)
		x->hdr = _IOC_SIZE(cmd);
	if (in_bufsz < x->hdr) {
		xfer_retry(x, arg, x->hdr, ans);
		return (0);
	}
	if (x->hdr > 0)
		memcpy(&x->req, in_buf, x->hdr < sizeof(x->req) ? x->hdr :
		    sizeof(x->req));

	/* The checks, and the regions the request will touch. */
	x->planning = 1;
	error = pvbus_ioctl(bus, unit, cmd, writable, &x->req, &ua);
	if (error != PVBUS_ERESTART) {
		if (error == 0)
			ans->kind = PVBUSD_ANSWER_DONE;
		else
			xfer_error(ans, error);
		return (0);
	}
	if (xfer_total(x->out, x->nout) > limit) {
		/* What the kernel says of a transfer it cannot make. */
		xfer_error(ans, ENOMEM);
		return (0);
	}

	x->stage = xfer_stage(x, x->hdr, limit, in_bufsz, out_bufsz);
	if (x->stage == XFER_NOSTAGE) {
		if (xfer_layout(x, x->hdr, limit, 0) == 0)
			xfer_error(ans, E2BIG);
		else
			xfer_retry(x, arg, x->hdr, ans);
		return (0);
	}

	xfer_layout(x, x->hdr, limit, x->stage);
	off = x->hdr;
	for (i = 0; i < x->nin; i++) {
		x->in[i].off = off;
		off += x->in[i].have;
	}
	off = 0;
	for (i = 0; i < x->nout; i++) {
		x->out[i].off = off;
		off += x->out[i].len;
	}
	x->in_bufsz = in_bufsz;
	x->replysz = off;
	return (1);
}

void
pvbusd_xfer_finish(struct pvbusd_xfer *x, struct pvbus *bus, size_t unit,
    const void *in_buf, struct pvbusd_answer *ans)
{
	struct pvbus_uaccess ua = xfer_uaccess;
	int error;

	ua.ctx = x;
	x->in_buf = in_buf;
	if ((x->reply = calloc(1, x->replysz > 0 ? x->replysz : 1)) == NULL) {
		xfer_error(ans, ENOMEM);
		return;
	}
	x->planning = 0;
	error = pvbus_ioctl(bus, unit, x->cmd, x->writable, &x->req, &ua);
	if (error == 0) {
		ans->kind = PVBUSD_ANSWER_DONE;
		ans->out = x->reply;
		ans->outlen = x->replylen;
		return;
	}
	free(x->reply);
	x->reply = NULL;
	if (error == PVBUS_ERESTART && x->short_prefix) {
		if (xfer_layout(x, x->hdr, x->limit, x->stage + 1) == 0)
			xfer_error(ans, E2BIG);
		else
			xfer_retry(x, x->arg, x->hdr, ans);
		return;
	}
	/* Memory the request never announced: a fault, as copyin gives. */
	xfer_error(ans, error == PVBUS_ERESTART ? EFAULT : error);
}

void
pvbusd_xfer(struct pvbus *bus, size_t unit, unsigned long cmd, int writable,
    const void *arg, const void *in_buf, size_t in_bufsz, size_t out_bufsz,
    size_t limit, struct pvbusd_answer *ans)
{
	struct pvbusd_xfer x;

	if (pvbusd_xfer_begin(&x, bus, unit, cmd, writable, arg, in_buf,
	    in_bufsz, out_bufsz, limit, ans))
		pvbusd_xfer_finish(&x, bus, unit, in_buf, ans);
}
