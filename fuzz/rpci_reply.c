/*
 * Fuzz target for the handling of RPCI replies: the parser of "1 "/"0 "
 * replies and the receive path of the MESSAGE channel that brings them in,
 * behind a guestinfo read or write.
 *
 * Input: one byte of flags, then the reply the host gives.
 *	bit 0	the host offers high bandwidth
 *	bit 1	a checkpoint interrupts the first receive
 *	bit 2	the host announces 64 KiB more than it has
 *	bit 3	the host answers RECVSIZE with the wrong type
 *	bit 4	the caller's buffer is 8 bytes
 *	bit 5	a write instead of a read
 *	bit 6	the host refuses RECVSTATUS
 *
 * `make fuzz` builds it with libFuzzer as build/fuzz/rpci_reply; run it on
 * fuzz/corpus/rpci_reply.  The unit lane replays that corpus and mutations
 * of it through build/tests/replay_rpci_reply (fuzz/replay.c).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "vmware_rpc.h"

#define F_HB		0x01
#define F_CPT		0x02
#define F_OVERLONG	0x04
#define F_BADTYPE	0x08
#define F_SMALLBUF	0x10
#define F_WRITE		0x20
#define F_NOSTATUS	0x40

/* A scripted host: accepts any message, answers with the fuzz input. */
struct fuzz_host {
	const unsigned char	*reply;
	size_t			 len, pos;
	unsigned int		 flags;
	int			 cpt_done;
	int			 open;
};


static size_t
fuzz_announced(const struct fuzz_host *h)
{
	return (h->len + ((h->flags & F_OVERLONG) ? 65536 : 0));
}

static void
fuzz_in(void *ctx, struct pv_bd_regs *r)
{
	struct fuzz_host *h = ctx;
	uint32_t sub = (uint32_t)r->cx >> 16, st = PV_VMW_ST_SUCCESS, w = 0;
	size_t n;

	FUZZ_ASSERT((uint32_t)r->ax == PV_BD_MAGIC);
	switch (sub) {
	case PV_VMW_MSG_OPEN:
		h->open = 1;
		r->dx = 0;
		r->si = 0x1111;
		r->di = 0x2222;
		break;
	case PV_VMW_MSG_SENDSIZE:
		FUZZ_ASSERT(h->open);
		st |= (h->flags & F_HB) ? PV_VMW_ST_HB : 0;
		break;
	case PV_VMW_MSG_SENDPAYLOAD:
		break;
	case PV_VMW_MSG_RECVSIZE:
		h->pos = 0;
		st |= PV_VMW_ST_DORECV | ((h->flags & F_HB) ? PV_VMW_ST_HB : 0);
		r->bx = (uint32_t)fuzz_announced(h);
		r->dx = (uint32_t)((h->flags & F_BADTYPE) ? 7 :
		    PV_VMW_MSG_SENDSIZE) << 16;
		break;
	case PV_VMW_MSG_RECVPAYLOAD:
		if ((h->flags & F_CPT) && !h->cpt_done) {
			h->cpt_done = 1;
			st = PV_VMW_ST_CPT;
			break;
		}
		n = h->pos < h->len ? h->len - h->pos : 0;
		n = n < 4 ? n : 4;
		memcpy(&w, h->reply + h->pos, n);
		h->pos += 4;
		r->bx = w;
		r->dx = (uint32_t)PV_VMW_MSG_SENDPAYLOAD << 16;
		break;
	case PV_VMW_MSG_RECVSTATUS:
		if (h->flags & F_NOSTATUS)
			st = 0;
		break;
	case PV_VMW_MSG_CLOSE:
		FUZZ_ASSERT(h->open);
		h->open = 0;
		break;
	default:
		fuzz_fail(__FILE__, __LINE__);
	}
	r->cx = st << 16 | PV_VMW_CMD_MESSAGE;
}

static void
fuzz_hb_out(void *ctx, struct pv_bd_regs *r)
{
	struct fuzz_host *h = ctx;
	volatile const unsigned char *p = (const void *)(uintptr_t)r->si;
	size_t i;

	FUZZ_ASSERT(h->open && (h->flags & F_HB));
	for (i = 0; i < r->cx; i++)	/* the sanitizer checks the bytes */
		(void)p[i];
	r->bx = (uint32_t)PV_VMW_ST_SUCCESS << 16;
}

static void
fuzz_hb_in(void *ctx, struct pv_bd_regs *r)
{
	struct fuzz_host *h = ctx;
	unsigned char *p = (void *)(uintptr_t)r->di;
	size_t n = r->cx;

	FUZZ_ASSERT(h->open && (h->flags & F_HB));
	FUZZ_ASSERT(n == fuzz_announced(h));
	if ((h->flags & F_CPT) && !h->cpt_done) {
		h->cpt_done = 1;
		r->bx = (uint32_t)PV_VMW_ST_CPT << 16;
		return;
	}
	/* The guest's buffer must hold what it asked for. */
	memset(p, 0xAA, n);
	memcpy(p, h->reply, h->len < n ? h->len : n);
	r->bx = (uint32_t)PV_VMW_ST_SUCCESS << 16;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_host h;
	struct pv_vmw_transport t = { fuzz_in, fuzz_hb_out, fuzz_hb_in, &h };
	const char *text;
	char *copy, *value;
	size_t tlen, valuelen;
	int error, perror;

	if (size == 0)
		return (0);
	memset(&h, 0, sizeof(h));
	h.flags = data[0];
	h.reply = data + 1;
	h.len = size - 1;

	/* The parser alone, on a copy of exactly the reply's size. */
	if ((copy = malloc(h.len ? h.len : 1)) == NULL)
		return (0);
	memcpy(copy, h.reply, h.len);
	perror = pv_vmw_rpci_result(copy, h.len, &text, &tlen);
	FUZZ_ASSERT(perror == 0 || perror == ENOENT || perror == EACCES ||
	    perror == EINVAL || perror == EIO);
	FUZZ_ASSERT(text >= copy && tlen <= h.len &&
	    text + tlen <= copy + h.len);
	if (perror == 0)
		FUZZ_ASSERT(copy[0] == '1');

	/* The whole read or write, through the channel. */
	valuelen = (h.flags & F_SMALLBUF) ? 8 : PVBUS_KVOP_MAXSIZE;
	if ((value = malloc(valuelen)) == NULL) {
		free(copy);
		return (0);
	}
	strcpy(value, "v");
	error = pv_guestinfo_op(&t, (h.flags & F_WRITE) ? PVBUS_KVWRITE :
	    PVBUS_KVREAD, "guestinfo.fuzz", value, valuelen);
	FUZZ_ASSERT(!h.open);		/* closed on every path */
	if (error == 0) {
		FUZZ_ASSERT(perror == 0 && h.len <= PV_VMW_MAXREPLY &&
		    !(h.flags & (F_OVERLONG | F_BADTYPE | F_NOSTATUS)));
		FUZZ_ASSERT(strnlen(value, valuelen) < valuelen);
		if (h.flags & F_WRITE)
			FUZZ_ASSERT(value[0] == '\0');
		else
			FUZZ_ASSERT(strlen(value) == tlen &&
			    memcmp(value, text, tlen) == 0);
	} else {
		FUZZ_ASSERT(error == perror || error == EIO ||
		    error == ERANGE);
		if (!(h.flags & F_WRITE))
			FUZZ_ASSERT(value[0] == '\0');
	}
	free(value);
	free(copy);
	return (0);
}
