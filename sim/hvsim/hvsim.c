/*
 * hvsim: runs an unmodified program as if inside a hypervisor.
 *
 *   hvsim [--profile NAME] [--cpuid LEAF[.SUB]=EAX,EBX,ECX,EDX]...
 *         [--cpuid-file FILE] [--trap fault|patch|auto] [--stats]
 *         [model options] -- PROGRAM [ARGS...]
 *
 * Profiles are in profiles.c; the default is "none".  --cpuid LEAF=...
 * answers every subleaf of LEAF, LEAF.SUB=... only that one; the last
 * given wins, over --cpuid-file (a `cpuid -r` dump), over the profile.
 *
 * The program and everything it starts run under ptrace.  Their CPUID
 * instructions get the profile's answers and their port I/O instructions
 * go to the profile's device models.  CPUID is trapped by CPUID faulting
 * where the CPU has it, else by patching each CPUID to int3 (patch.c).
 * Port I/O needs neither: without iopl it faults with SIGSEGV, which the
 * tracer sees before the program does.  Like strace -f, hvsim ends when the
 * program and everything it started have ended.
 *
 * Exit status: the program's (128+N when signal N killed it); 64 (EX_USAGE)
 * for a bad command line, so that it cannot be mistaken for a program's
 * common 1 or 2; 77 when this machine cannot trap at all (the test
 * harness's "skip"), with the reason on stderr; 126/127 when the program
 * cannot be executed or found, as a shell reports it.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <asm/prctl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "hvsim.h"
#include "sim.h"

/* i386 system call numbers, for the vsock filter. */
#define I386_NR_SOCKETCALL	102
#define I386_NR_SOCKET		359
#ifndef X32_SYSCALL_BIT
#define X32_SYSCALL_BIT		0x40000000
#endif

#define EX_UNUSABLE	77

enum trap { TRAP_AUTO, TRAP_FAULT, TRAP_PATCH };

/* One traced thread. */
struct tracee {
	pid_t		 pid;
	struct hvsim_mm	*mm;		/* patch mode: its address space */
	int		 known;		/* its creation event has been seen */
	int		 held;		/* stopped, waiting for that event */
	int		 in_syscall;	/* PTRACE_SYSCALL mode: entry seen */
	int		 want_exit;	/* seccomp stop seen: stop at exit */
	int		 exec_fixup;	/* fault mode: re-arm after execve */
	int		 pending_sig;
	struct tracee	*next;
};

static struct {
	struct hvsim_cpu	 cpu;
	enum trap		 trap;
	int			 seccomp;	/* patch mode: mmap via seccomp */
	int			 vsock;		/* --vsock: AF_VSOCK allowed */
	int			 stats;
	unsigned long		 ncpuid, nio;
	struct instance {
		const struct hvsim_model *model;
		void		*ctx;
	}			 models[16];	/* the profile's */
	size_t			 nmodels;
	pid_t			 main_pid;
	int			 main_status;
	struct tracee		*tracees;
} S;

static const char *const trap_names[] = { "auto", "fault", "patch" };

static void
usage(FILE *f)
{
	const struct hvsim_profile *p;
	const struct option *o;
	size_t i;

	fprintf(f, "usage: hvsim [--profile NAME] "
	    "[--cpuid LEAF[.SUB]=EAX,EBX,ECX,EDX]...\n"
	    "             [--cpuid-file FILE] [--trap fault|patch|auto] "
	    "[--stats] [--vsock] -- PROGRAM [ARGS...]\n"
	    "profiles:");
	for (p = hvsim_profiles; p->name != NULL; p++)
		fprintf(f, " %s", p->name);
	fprintf(f, "\n");
	for (i = 0; hvsim_models[i] != NULL; i++) {
		o = hvsim_models[i]->options;
		if (o == NULL || o->name == NULL)
			continue;
		fprintf(f, "model %s:", hvsim_models[i]->name);
		for (; o->name != NULL; o++)
			fprintf(f, " --%s%s", o->name,
			    o->has_arg == required_argument ? " ARG" :
			    o->has_arg == optional_argument ? "[=ARG]" : "");
		fprintf(f, "\n");
	}
}

static void
vwarnmsg(const char *fmt, va_list ap)
{
	fprintf(stderr, "hvsim: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n");
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnmsg(fmt, ap);
	va_end(ap);
	/* EXITKILL ends every tracee with us. */
	exit(status);
}

static void __attribute__((format(printf, 1, 2)))
warnmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnmsg(fmt, ap);
	va_end(ap);
}

/* Memory of the traced program, for the device models. */

int
hvsim_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };
	unsigned char *p = buf;
	size_t i, n;
	long word;

	if (process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return (0);
	/* Unreadable to process_vm_readv (e.g. PROT_NONE): ptrace can. */
	for (i = 0; i < len; i += n) {
		errno = 0;
		word = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + i), NULL);
		if (errno != 0)
			return (-1);
		n = len - i < sizeof(word) ? len - i : sizeof(word);
		memcpy(p + i, &word, n);
	}
	return (0);
}

int
hvsim_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len }, remote = { (void *)addr, len };
	const unsigned char *p = buf;
	size_t i, n;
	long word;

	if (process_vm_writev(pid, &local, 1, &remote, 1, 0) == (ssize_t)len)
		return (0);
	for (i = 0; i < len; i += n) {
		n = len - i < sizeof(word) ? len - i : sizeof(word);
		word = 0;
		if (n < sizeof(word)) {
			errno = 0;
			word = ptrace(PTRACE_PEEKDATA, pid, (void *)(addr + i),
			    NULL);
			if (errno != 0)
				return (-1);
		}
		memcpy(&word, p + i, n);
		if (ptrace(PTRACE_POKEDATA, pid, (void *)(addr + i),
		    (void *)word) == -1)
			return (-1);
	}
	return (0);
}

/* The tracee list. */

static struct tracee *
tracee_find(pid_t pid)
{
	struct tracee *t;

	for (t = S.tracees; t != NULL; t = t->next)
		if (t->pid == pid)
			return (t);
	return (NULL);
}

static struct tracee *
tracee_get(pid_t pid)
{
	struct tracee *t;

	if ((t = tracee_find(pid)) != NULL)
		return (t);
	if ((t = calloc(1, sizeof(*t))) == NULL)
		die(EX_OSERR, "%s", strerror(errno));
	t->pid = pid;
	t->next = S.tracees;
	S.tracees = t;
	return (t);
}

static void
tracee_drop(pid_t pid)
{
	struct tracee **tp, *t;

	for (tp = &S.tracees; (t = *tp) != NULL; tp = &t->next)
		if (t->pid == pid) {
			*tp = t->next;
			hvsim_mm_put(t->mm);
			free(t);
			return;
		}
}

/* Continue a stopped tracee, stopping again where its mode needs to. */
static void
resume(struct tracee *t, int sig)
{
	int req = PTRACE_CONT;

	if (t->want_exit || t->exec_fixup ||
	    (S.trap == TRAP_PATCH && !S.seccomp))
		req = PTRACE_SYSCALL;
	if (sig == 0 && t->pending_sig != 0) {
		sig = t->pending_sig;
		t->pending_sig = 0;
	}
	if (ptrace(req, t->pid, NULL, (void *)(long)sig) == -1 &&
	    errno != ESRCH)
		warnmsg("ptrace resume %d: %s", (int)t->pid, strerror(errno));
}

/* Answer the CPUID the thread is at: EAX/ECX in, EAX..EDX out. */
static void
emulate_cpuid(struct user_regs_struct *regs)
{
	uint32_t r[4];

	hvsim_cpuid_answer(&S.cpu, (uint32_t)regs->rax, (uint32_t)regs->rcx, r);
	/* In 64-bit mode CPUID clears the upper halves. */
	regs->rax = r[0];
	regs->rbx = r[1];
	regs->rcx = r[2];
	regs->rdx = r[3];
	S.ncpuid++;
}

/* The port I/O opcodes; odd ones move a word or dword, even ones a byte. */
static const struct {
	uint8_t	op, imm8, out, string;
} io_ops[] = {
	{ 0xe4, 1, 0, 0 }, { 0xe5, 1, 0, 0 },	/* in al/eax, imm8 */
	{ 0xe6, 1, 1, 0 }, { 0xe7, 1, 1, 0 },	/* out imm8, al/eax */
	{ 0xec, 0, 0, 0 }, { 0xed, 0, 0, 0 },	/* in al/eax, dx */
	{ 0xee, 0, 1, 0 }, { 0xef, 0, 1, 0 },	/* out dx, al/eax */
	{ 0x6c, 0, 0, 1 }, { 0x6d, 0, 0, 1 },	/* insb, insw/insd */
	{ 0x6e, 0, 1, 1 }, { 0x6f, 0, 1, 1 },	/* outsb, outsw/outsd */
};

/* Decode in/out/ins/outs at the start of B; 0 or -1 if it is none. */
static int
decode_io(const unsigned char *b, size_t n, uint64_t rdx, struct hvsim_io *io)
{
	size_t i, k;
	int op16 = 0, rep = 0;

	for (i = 0; i < n; i++) {
		switch (b[i]) {
		case 0x66:
			op16 = 1;
			continue;
		case 0xf2: case 0xf3:
			rep = 1;
			continue;
		case 0x67: case 0xf0:
		case 0x26: case 0x2e: case 0x36: case 0x3e: case 0x64: case 0x65:
			continue;
		}
		break;
	}
	if (i < n && (b[i] & 0xf0) == 0x40)	/* REX: no effect on port I/O */
		i++;
	if (i + 2 > n)
		return (-1);
	for (k = 0; k < sizeof(io_ops) / sizeof(io_ops[0]); k++)
		if (io_ops[k].op == b[i])
			break;
	if (k == sizeof(io_ops) / sizeof(io_ops[0]))
		return (-1);
	memset(io, 0, sizeof(*io));
	io->size = !(b[i] & 1) ? 1 : op16 ? 2 : 4;
	io->out = io_ops[k].out;
	io->string = io_ops[k].string;
	io->rep = io->string && rep;
	io->port = io_ops[k].imm8 ? b[i + 1] : (uint16_t)rdx;
	io->len = i + 1 + io_ops[k].imm8;
	return (0);
}

static const struct instance *
model_for(uint16_t port)
{
	size_t i;

	for (i = 0; i < S.nmodels; i++)
		if (S.models[i].model->claims(S.models[i].ctx, port))
			return (&S.models[i]);
	return (NULL);
}

/*
 * A SIGSEGV raised by the CPU for an instruction, not by a bad address:
 * CPUID (with CPUID faulting) or port I/O.  Returns 1 when handled.
 */
static int
on_gp_fault(struct tracee *t)
{
	struct user_regs_struct regs;
	const struct instance *m;
	struct hvsim_io io;
	unsigned char insn[16];
	siginfo_t si;

	if (ptrace(PTRACE_GETSIGINFO, t->pid, NULL, &si) == -1 ||
	    si.si_code != SI_KERNEL)
		return (0);
	if (ptrace(PTRACE_GETREGS, t->pid, NULL, &regs) == -1 ||
	    hvsim_mem_read(t->pid, regs.rip, insn, sizeof(insn)) == -1)
		return (0);
	if (S.trap == TRAP_FAULT && insn[0] == 0x0f && insn[1] == 0xa2) {
		emulate_cpuid(&regs);
		regs.rip += 2;
	} else {
		if (decode_io(insn, sizeof(insn), regs.rdx, &io) == -1 ||
		    (m = model_for(io.port)) == NULL)
			return (0);
		io.pid = t->pid;
		if (m->model->io(m->ctx, &io, &regs) != 0)
			return (0);
		regs.rip += io.len;
		S.nio++;
	}
	if (ptrace(PTRACE_SETREGS, t->pid, NULL, &regs) == -1)
		return (0);
	return (1);
}

/* The int3 of a patched CPUID; returns 1 when handled. */
static int
on_breakpoint(struct tracee *t)
{
	struct user_regs_struct regs;
	unsigned char insn[2];
	siginfo_t si;

	if (S.trap != TRAP_PATCH || t->mm == NULL)
		return (0);
	/* Our int3 is still there: the code was not replaced since. */
	if (ptrace(PTRACE_GETSIGINFO, t->pid, NULL, &si) == -1 ||
	    si.si_code != SI_KERNEL ||
	    ptrace(PTRACE_GETREGS, t->pid, NULL, &regs) == -1 ||
	    !hvsim_mm_has(t->mm, regs.rip - 1) ||
	    hvsim_mem_read(t->pid, regs.rip - 1, insn, 2) == -1 ||
	    insn[0] != 0xcc || insn[1] != 0xa2)
		return (0);
	emulate_cpuid(&regs);
	regs.rip += 1;
	return (ptrace(PTRACE_SETREGS, t->pid, NULL, &regs) == 0);
}

/*
 * Make the thread run arch_prctl(ARCH_SET_CPUID, 0) itself: a `syscall`
 * poked at RIP, one single step, then registers and code restored.  Called
 * at the syscall-exit stop of execve, where registers set stay set.
 */
static int
inject_cpuid_fault(struct tracee *t, long *ret)
{
	struct user_regs_struct saved, regs;
	long word;
	int st;

	if (ptrace(PTRACE_GETREGS, t->pid, NULL, &saved) == -1)
		return (-1);
	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, t->pid, (void *)saved.rip, NULL);
	if (errno != 0)
		return (-1);
	if (ptrace(PTRACE_POKETEXT, t->pid, (void *)saved.rip,
	    (void *)((word & ~0xffffL) | 0x050f)) == -1)
		return (-1);
	regs = saved;
	regs.rax = SYS_arch_prctl;
	regs.rdi = ARCH_SET_CPUID;
	regs.rsi = 0;
	if (ptrace(PTRACE_SETREGS, t->pid, NULL, &regs) == -1)
		return (-1);
	for (;;) {
		if (ptrace(PTRACE_SINGLESTEP, t->pid, NULL, NULL) == -1)
			return (-1);
		if (waitpid(t->pid, &st, __WALL) == -1)
			return (-1);
		if (!WIFSTOPPED(st)) {
			errno = ESRCH;
			return (-1);
		}
		if (WSTOPSIG(st) == SIGTRAP)
			break;
		/* Another signal came first: deliver it afterwards. */
		if ((st >> 16) == 0)
			t->pending_sig = WSTOPSIG(st);
	}
	if (ptrace(PTRACE_GETREGS, t->pid, NULL, &regs) == -1)
		return (-1);
	*ret = (long)regs.rax;
	if (ptrace(PTRACE_POKETEXT, t->pid, (void *)saved.rip,
	    (void *)word) == -1 ||
	    ptrace(PTRACE_SETREGS, t->pid, NULL, &saved) == -1)
		return (-1);
	return (0);
}

/* Patch what an mmap/mprotect made executable, at its syscall exit. */
static void
on_map_exit(struct tracee *t)
{
	struct user_regs_struct regs;
	uint64_t lo;

	if (ptrace(PTRACE_GETREGS, t->pid, NULL, &regs) == -1)
		return;
	if (regs.orig_rax != SYS_mmap && regs.orig_rax != SYS_mprotect &&
	    regs.orig_rax != SYS_pkey_mprotect)
		return;
	if (regs.rax >= (unsigned long long)-4095 || !(regs.rdx & PROT_EXEC))
		return;
	lo = regs.orig_rax == SYS_mmap ? regs.rax : regs.rdi;
	if (t->mm == NULL && (t->mm = hvsim_mm_new()) == NULL)
		die(EX_OSERR, "%s", strerror(errno));
	if (hvsim_patch_range(t->pid, t->mm, lo, lo + regs.rsi) == -1 &&
	    errno != ESRCH)
		warnmsg("patching %d: %s", (int)t->pid, strerror(errno));
}

static void
on_syscall_stop(struct tracee *t)
{
	long ret;

	if (t->exec_fixup) {
		t->exec_fixup = 0;
		t->in_syscall = 0;
		if (inject_cpuid_fault(t, &ret) == -1) {
			if (errno == ESRCH)
				return;
			die(EX_UNUSABLE, "cannot arm CPUID faulting: %s",
			    strerror(errno));
		}
		if (ret != 0)
			die(EX_UNUSABLE, "CPUID faulting is not available: "
			    "arch_prctl(ARCH_SET_CPUID): %s", strerror(-ret));
	} else if (S.seccomp) {
		if (t->want_exit) {
			t->want_exit = 0;
			on_map_exit(t);
		}
	} else if ((t->in_syscall = !t->in_syscall) == 0)
		on_map_exit(t);
	resume(t, 0);
}

/* Whether a new thread or process shares its creator's memory. */
static int
shares_memory(pid_t parent)
{
	struct user_regs_struct regs;
	uint64_t flags = 0;

	if (ptrace(PTRACE_GETREGS, parent, NULL, &regs) == -1)
		return (0);
	switch (regs.orig_rax) {
	case SYS_vfork:
		return (1);
	case SYS_clone:
		flags = regs.rdi;
		break;
	case SYS_clone3:
		if (hvsim_mem_read(parent, regs.rdi, &flags, sizeof(flags)) == -1)
			return (0);
		break;
	}
	return ((flags & CLONE_VM) != 0);
}

static void
on_new_child(struct tracee *t)
{
	unsigned long msg;
	struct tracee *c;

	if (ptrace(PTRACE_GETEVENTMSG, t->pid, NULL, &msg) == -1)
		return;
	c = tracee_get((pid_t)msg);
	if (S.trap == TRAP_PATCH && t->mm != NULL && c->mm == NULL) {
		if (shares_memory(t->pid)) {
			c->mm = t->mm;
			c->mm->refs++;
		} else if ((c->mm = hvsim_mm_copy(t->mm)) == NULL)
			die(EX_OSERR, "%s", strerror(errno));
	}
	c->known = 1;
	if (c->held) {
		c->held = 0;
		resume(c, 0);
	}
}

static void
on_exec(struct tracee *t)
{
	unsigned long former;

	/* A thread other than the leader exec'd: it now has the leader's id. */
	if (ptrace(PTRACE_GETEVENTMSG, t->pid, NULL, &former) == 0 &&
	    (pid_t)former != t->pid)
		tracee_drop((pid_t)former);
	hvsim_mm_put(t->mm);
	t->mm = NULL;
	/* The next syscall stop is this execve's exit. */
	t->in_syscall = 1;
	t->want_exit = 0;
	if (S.trap == TRAP_FAULT) {
		t->exec_fixup = 1;
		return;
	}
	if ((t->mm = hvsim_mm_new()) == NULL)
		die(EX_OSERR, "%s", strerror(errno));
	/* The program and its ELF interpreter are mapped; neither ran yet. */
	if (hvsim_patch_range(t->pid, t->mm, 0, UINT64_MAX) == -1 &&
	    errno != ESRCH)
		warnmsg("patching %d: %s", (int)t->pid, strerror(errno));
}

static void
on_stop(struct tracee *t, int status)
{
	int sig = WSTOPSIG(status), event = (unsigned int)status >> 16;

	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(t);
		return;
	}
	switch (event) {
	case 0:
		break;
	case PTRACE_EVENT_STOP:
		if (sig != SIGTRAP) {
			/* Group-stop: stay stopped, but hear of SIGCONT. */
			ptrace(PTRACE_LISTEN, t->pid, NULL, NULL);
			return;
		}
		/* A new thread's first stop; it runs once placed. */
		if (!t->known) {
			t->held = 1;
			return;
		}
		resume(t, 0);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_new_child(t);
		resume(t, 0);
		return;
	case PTRACE_EVENT_EXEC:
		on_exec(t);
		resume(t, 0);
		return;
	case PTRACE_EVENT_SECCOMP:
		t->want_exit = 1;
		resume(t, 0);
		return;
	default:
		resume(t, 0);
		return;
	}
	/* A signal on its way to the program. */
	if ((sig == SIGSEGV && on_gp_fault(t)) ||
	    (sig == SIGTRAP && on_breakpoint(t)))
		sig = 0;
	resume(t, sig);
}

static void	stop_forwarding(void);

/* Supervise until no tracee is left; the main program's wait status. */
static int
supervise(void)
{
	struct tracee *t;
	pid_t pid;
	int st, main_status = 0;

	for (;;) {
		if ((pid = waitpid(-1, &st, __WALL)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				break;
			die(EX_OSERR, "waitpid: %s", strerror(errno));
		}
		if (WIFEXITED(st) || WIFSIGNALED(st)) {
			if (pid == S.main_pid) {
				main_status = st;
				stop_forwarding();
			}
			tracee_drop(pid);
			continue;
		}
		if (!WIFSTOPPED(st))
			continue;
		t = tracee_get(pid);
		/* Only a new thread's first stop can precede its creation event. */
		if ((unsigned int)st >> 16 != PTRACE_EVENT_STOP)
			t->known = 1;
		on_stop(t, st);
	}
	return (main_status);
}

/* Report mmap/mprotect calls that make memory executable to the tracer. */
static int
install_map_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mprotect, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_pkey_mprotect, 0, 3),
		/* prot is the third argument of all three. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[2])),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, PROT_EXEC, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	return (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
}

/*
 * socket(AF_VSOCK, ...) fails with EAFNOSUPPORT in the program and all it
 * starts.  The vsock device of a build machine leads to its real host, which
 * is no test peer: a traced vmtoolsd or hostctl must never reach it.  Only
 * --vsock (for the QEMU guest, where vsock_loopback is the transport) lifts
 * this.
 */
static int
install_vsock_filter(void)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, 9),
		/* i386: socketcall hides its family in memory; refuse it. */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_NR_SOCKETCALL, 6, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, nr)),
		/* x32 numbers are x86-64's with bit 30 set. */
		BPF_STMT(BPF_ALU | BPF_AND | BPF_K, ~X32_SYSCALL_BIT),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, I386_NR_SOCKET, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		    offsetof(struct seccomp_data, args[0])),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_VSOCK, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EAFNOSUPPORT),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { sizeof(f) / sizeof(f[0]), f };

	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0)
		return (0);
	/*
	 * Without CAP_SYS_ADMIN a filter needs no_new_privs; a traced program
	 * gains no privileges from set-user-ID files anyway.
	 */
	if (errno != EACCES || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		return (-1);
	return (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog));
}

/*
 * The child: reports whether CPUID faulting works here, waits until it is
 * traced and told the trap method, then becomes the program.
 */
static void __attribute__((noreturn))
child(int rep, int go, char **argv)
{
	char c = 'n', mode;

	if (!S.vsock && install_vsock_filter() == -1) {
		fprintf(stderr, "hvsim: cannot turn vsock off: seccomp: %s\n",
		    strerror(errno));
		_exit(EX_OSERR);
	}
	if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) == 0) {
		syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
		c = 'y';
	}
	if (write(rep, &c, 1) != 1 || read(go, &mode, 1) != 1)
		_exit(EX_OSERR);
	close(go);
	c = 'n';
	if (mode == 'p' && install_map_filter() == 0)
		c = 'y';
	if (write(rep, &c, 1) != 1)
		_exit(EX_OSERR);
	close(rep);
	execvp(argv[0], argv);
	fprintf(stderr, "hvsim: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? 127 : 126);
}

static volatile sig_atomic_t forward_pid;

/*
 * Pass on what is sent to hvsim.  Signals of the terminal (SI_KERNEL) reach
 * the program's process group directly: forwarding them would double them.
 */
static void
forward(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (forward_pid > 0 && si->si_code <= 0)
		kill(forward_pid, sig);
}

static const int forwarded[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM,
    SIGUSR1, SIGUSR2 };

/*
 * The program is gone (its id may be reused): signals end hvsim again, and
 * with it, through EXITKILL, whatever the program left running.
 */
static void
stop_forwarding(void)
{
	size_t i;

	forward_pid = 0;
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		signal(forwarded[i], SIG_DFL);
}

static pid_t
start(char **argv)
{
	struct sigaction sa;
	int rep[2], go[2], st;
	char err[256], c, mode;
	pid_t pid;
	size_t i;
	long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
	    PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
	    PTRACE_O_TRACESECCOMP | PTRACE_O_EXITKILL;

	if (pipe2(rep, O_CLOEXEC) == -1 || pipe2(go, O_CLOEXEC) == -1)
		die(EX_OSERR, "pipe: %s", strerror(errno));
	fflush(NULL);
	if ((pid = fork()) == -1)
		die(EX_OSERR, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(rep[0]);
		close(go[1]);
		child(rep[1], go[0], argv);
	}
	close(rep[1]);
	close(go[0]);
	if (read(rep[0], &c, 1) != 1)
		die(EX_OSERR, "child failed");
	if (S.trap == TRAP_AUTO)
		S.trap = c == 'y' ? TRAP_FAULT : TRAP_PATCH;
	if (S.trap == TRAP_PATCH && hvsim_patch_init(err, sizeof(err)) == -1) {
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		die(EX_UNUSABLE, "cannot patch CPUID: %s", err);
	}
	if (ptrace(PTRACE_SEIZE, pid, NULL, (void *)opts) == -1) {
		i = errno;
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		die(EX_UNUSABLE, "cannot trace: ptrace: %s", strerror(i));
	}
	mode = S.trap == TRAP_PATCH ? 'p' : 'f';
	if (write(go[1], &mode, 1) != 1)
		die(EX_OSERR, "child failed");
	close(go[1]);
	S.seccomp = read(rep[0], &c, 1) == 1 && c == 'y';
	close(rep[0]);

	forward_pid = pid;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = forward;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(forwarded) / sizeof(forwarded[0]); i++)
		sigaction(forwarded[i], &sa, NULL);
	return (pid);
}

/* Long options: ours, then every model's. */
enum { OPT_PROFILE = 0x100, OPT_CPUID, OPT_CPUID_FILE, OPT_STATS, OPT_TRAP,
    OPT_VSOCK, OPT_HELP };

static const struct option own_options[] = {
	{ "profile",	required_argument, NULL, OPT_PROFILE },
	{ "cpuid",	required_argument, NULL, OPT_CPUID },
	{ "cpuid-file",	required_argument, NULL, OPT_CPUID_FILE },
	{ "stats",	no_argument,	   NULL, OPT_STATS },
	{ "trap",	required_argument, NULL, OPT_TRAP },
	{ "vsock",	no_argument,	   NULL, OPT_VSOCK },
	{ "help",	no_argument,	   NULL, OPT_HELP },
};
#define NOWN	(sizeof(own_options) / sizeof(own_options[0]))

/*
 * Long options: ours, then every instance's; OWNER[i] is the instance
 * whose option longopts[i] is.
 */
static struct option *
build_options(struct instance *all, size_t nall, struct instance ***owner)
{
	const struct option *o;
	struct option *v;
	size_t i, n = NOWN;

	for (i = 0; i < nall; i++)
		for (o = all[i].model->options; o && o->name; o++)
			n++;
	if ((v = calloc(n + 1, sizeof(*v))) == NULL ||
	    (*owner = calloc(n + 1, sizeof(**owner))) == NULL)
		die(EX_OSERR, "%s", strerror(errno));
	memcpy(v, own_options, sizeof(own_options));
	n = NOWN;
	for (i = 0; i < nall; i++)
		for (o = all[i].model->options; o && o->name; o++) {
			(*owner)[n] = &all[i];
			v[n++] = *o;
		}
	return (v);
}

static void __attribute__((noreturn))
usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, "hvsim: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	usage(stderr);
	exit(EX_USAGE);
}

/* A model's option is an error unless the profile enables the model. */
static void
check_model_options(const struct option *longopts,
    struct instance *const *owner, const char *given)
{
	char msg[256];
	size_t i;

	for (i = NOWN; longopts[i].name != NULL; i++) {
		if (!given[i] || hvsim_profile_has_model(S.cpu.profile,
		    owner[i]->model->name))
			continue;
		snprintf(msg, sizeof(msg), "--%s: profile %s does not enable "
		    "the %s model", longopts[i].name, S.cpu.profile->name,
		    owner[i]->model->name);
		usage_error("%s", msg);
	}
}

/* Every model a profile names is built in: a table error otherwise. */
static void
check_profiles(void)
{
	const struct hvsim_profile *p;
	const char *const *m;
	size_t i;

	for (p = hvsim_profiles; p->name != NULL; p++)
		for (m = p->models; *m != NULL; m++) {
			for (i = 0; hvsim_models[i] != NULL; i++)
				if (strcmp(hvsim_models[i]->name, *m) == 0)
					break;
			if (hvsim_models[i] == NULL)
				die(EX_SOFTWARE, "profile %s names model %s, "
				    "which is not built in", p->name, *m);
		}
}

int
main(int argc, char *argv[])
{
	struct instance all[sizeof(S.models) / sizeof(S.models[0])];
	struct instance **owner;
	struct option *longopts;
	struct hvsim_leaf l;
	char err[512], *given;
	int c, idx, st;
	size_t i, nall;

	check_profiles();
	S.cpu.profile = hvsim_profile_find("none");
	/* Instances first: their options fill them in as they come. */
	for (nall = 0; hvsim_models[nall] != NULL; nall++) {
		if (nall == sizeof(all) / sizeof(all[0]))
			die(EX_SOFTWARE, "too many models");
		all[nall].model = hvsim_models[nall];
		if ((all[nall].ctx = hvsim_models[nall]->new()) == NULL)
			die(EX_OSERR, "%s", strerror(errno));
	}
	longopts = build_options(all, nall, &owner);
	for (i = 0; longopts[i].name != NULL; i++)
		;
	if ((given = calloc(i, 1)) == NULL)
		die(EX_OSERR, "%s", strerror(errno));
	for (;;) {
		idx = -1;
		if ((c = getopt_long(argc, argv, "+h", longopts, &idx)) == -1)
			break;
		if (idx >= (int)NOWN) {
			if (owner[idx]->model->option == NULL ||
			    owner[idx]->model->option(owner[idx]->ctx, c,
			    optarg) == -1)
				exit(EX_USAGE);
			given[idx] = 1;
			continue;
		}
		switch (c) {
		case OPT_PROFILE:
			if ((S.cpu.profile = hvsim_profile_find(optarg)) == NULL)
				usage_error("unknown profile: %s", optarg);
			break;
		case OPT_CPUID:
			if (hvsim_leaf_parse(optarg, &l) == -1)
				usage_error("bad --cpuid %s: want "
				    "LEAF[.SUB]=EAX,EBX,ECX,EDX in hex", optarg);
			if (hvsim_leaves_push(&S.cpu.over, &l) == -1)
				die(EX_OSERR, "%s", strerror(errno));
			break;
		case OPT_CPUID_FILE:
			if (hvsim_leaves_load(&S.cpu.file, optarg, err,
			    sizeof(err)) == -1)
				usage_error("%s", err);
			break;
		case OPT_STATS:
			S.stats = 1;
			break;
		case OPT_VSOCK:
			S.vsock = 1;
			break;
		case OPT_TRAP:
			for (i = 0; i < 3; i++)
				if (strcmp(optarg, trap_names[i]) == 0)
					break;
			if (i == 3)
				usage_error("bad --trap %s: want fault, patch "
				    "or auto", optarg);
			S.trap = (enum trap)i;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			exit(EX_USAGE);
		}
	}
	argc -= optind;
	argv += optind;
	/* Showing a host's memory needs neither a profile nor a program. */
	for (i = 0; i < nall; i++)
		if (all[i].model->show != NULL &&
		    (st = all[i].model->show(all[i].ctx)) != -1)
			exit(st);
	if (argc == 0)
		usage_error("%s", "no program given");
	check_model_options(longopts, owner, given);
	free(given);
	free(longopts);
	free(owner);

	for (i = 0; i < nall; i++) {
		if (!hvsim_profile_has_model(S.cpu.profile,
		    all[i].model->name)) {
			all[i].model->free(all[i].ctx);
			continue;
		}
		if (all[i].model->init != NULL &&
		    all[i].model->init(all[i].ctx) == -1)
			exit(EX_CONFIG);
		S.models[S.nmodels++] = all[i];
	}

	S.main_pid = start(argv);
	tracee_get(S.main_pid)->known = 1;
	st = supervise();

	for (i = 0; i < S.nmodels; i++)
		S.models[i].model->free(S.models[i].ctx);
	if (S.stats)
		fprintf(stderr, "hvsim: cpuid=%lu io=%lu\n", S.ncpuid, S.nio);
	hvsim_patch_fini();
	hvsim_leaves_free(&S.cpu.over);
	hvsim_leaves_free(&S.cpu.file);
	if (WIFSIGNALED(st))
		return (128 + WTERMSIG(st));
	return (WEXITSTATUS(st));
}
