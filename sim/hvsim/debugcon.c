/*
 * QEMU's ISA debug console (-debugcon, port 0xe9): every byte written goes
 * to a file, every byte read is 0xe9 (its read-back value).  It answers
 * only when --debugcon FILE is given, as QEMU has it only when asked.
 * Being a one-byte port, wider accesses act byte by byte, as QEMU splits
 * them.
 */
#include <sys/user.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hvsim.h"

#define DEBUGCON_PORT		0xe9
#define DEBUGCON_READBACK	0xe9
#define EFLAGS_DF		0x400	/* string instructions go down */
#define MAX_CHUNK		4096

enum { OPT_DEBUGCON = 0x4400 };

static const struct option debugcon_options[] = {
	{ "debugcon", required_argument, NULL, OPT_DEBUGCON },
	{ NULL, 0, NULL, 0 }
};

struct debugcon {
	const char	*path;
	FILE		*f;
};

static void *
debugcon_new(void)
{
	return (calloc(1, sizeof(struct debugcon)));
}

static int
debugcon_option(void *ctx, int val, const char *arg)
{
	struct debugcon *dc = ctx;

	if (val != OPT_DEBUGCON)
		return (-1);
	dc->path = arg;
	return (0);
}

static int
debugcon_init(void *ctx)
{
	struct debugcon *dc = ctx;

	if (dc->path == NULL || strcmp(dc->path, "-") == 0) {
		dc->f = dc->path ? stderr : NULL;
		return (0);
	}
	if ((dc->f = fopen(dc->path, "we")) == NULL) {
		fprintf(stderr, "hvsim: debugcon: %s: %s\n", dc->path,
		    strerror(errno));
		return (-1);
	}
	return (0);
}

static int
debugcon_claims(void *ctx, uint16_t port)
{
	const struct debugcon *dc = ctx;

	return (dc->f != NULL && port == DEBUGCON_PORT);
}

/* The value an in of SIZE bytes reads, merged into RAX as the CPU does. */
static void
read_into_rax(struct user_regs_struct *regs, unsigned int size)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)DEBUGCON_READBACK << (8 * i);
	if (size == 4)
		regs->rax = v;		/* a 32-bit result clears the top */
	else if (size == 2)
		regs->rax = (regs->rax & ~0xffffULL) | v;
	else
		regs->rax = (regs->rax & ~0xffULL) | v;
}

/* ins/outs: COUNT elements of SIZE bytes at the index register. */
static int
string_io(struct debugcon *dc, const struct hvsim_io *io,
    struct user_regs_struct *regs)
{
	unsigned char buf[MAX_CHUNK];
	uint64_t count = io->rep ? regs->rcx : 1, n, bytes, addr, i;
	unsigned long long *index = io->out ? &regs->rsi : &regs->rdi;
	int down = (regs->eflags & EFLAGS_DF) != 0;

	while (count > 0) {
		n = count < MAX_CHUNK / io->size ? count : MAX_CHUNK / io->size;
		bytes = n * io->size;
		addr = down ? *index - bytes + io->size : *index;
		if (io->out) {
			if (hvsim_mem_read(io->pid, addr, buf, bytes) == -1)
				return (-1);
			/* The port keeps the low byte of each element. */
			for (i = 0; i < n; i++)
				fputc(buf[(down ? n - 1 - i : i) * io->size],
				    dc->f);
		} else {
			memset(buf, DEBUGCON_READBACK, bytes);
			if (hvsim_mem_write(io->pid, addr, buf, bytes) == -1)
				return (-1);
		}
		*index = down ? *index - bytes : *index + bytes;
		count -= n;
		if (io->rep)
			regs->rcx -= n;
	}
	fflush(dc->f);
	return (0);
}

static int
debugcon_io(void *ctx, const struct hvsim_io *io,
    struct user_regs_struct *regs)
{
	struct debugcon *dc = ctx;

	if (io->string)
		return (string_io(dc, io, regs));
	if (io->out) {
		fputc((int)(regs->rax & 0xff), dc->f);
		fflush(dc->f);
	} else
		read_into_rax(regs, io->size);
	return (0);
}

static void
debugcon_free(void *ctx)
{
	struct debugcon *dc = ctx;

	if (dc != NULL && dc->f != NULL && dc->f != stderr)
		fclose(dc->f);
	free(dc);
}

const struct hvsim_model hvsim_model_debugcon = {
	.name = "debugcon",
	.options = debugcon_options,
	.new = debugcon_new,
	.option = debugcon_option,
	.init = debugcon_init,
	.claims = debugcon_claims,
	.io = debugcon_io,
	.free = debugcon_free,
};
