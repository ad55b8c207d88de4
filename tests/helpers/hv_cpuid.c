/*
 * A CPUID and port I/O prober for the hvsim tests; what it sees depends
 * only on the CPU (real or emulated) it runs on.  hv_static.c is this file
 * again, linked statically (the Makefile's LDFLAGS_hv_static).
 *
 *   hv_cpuid sig [BASE]         hv=BIT max=EAX sig=SIGNATURE at BASE
 *   hv_cpuid leaf LEAF [SUB]    eax=... ebx=... ecx=... edx=...
 *   hv_cpuid count N            N CPUIDs, then the sig line
 *   hv_cpuid fork               the sig line from a child, then the parent
 *   hv_cpuid thread             the sig line from a thread, then main
 *   hv_cpuid spawn              the sig line from posix_spawn'd self
 *   hv_cpuid exec PROG [ARGS]   the sig line, then exec PROG
 *   hv_cpuid mmap | mprotect    the sig line from a CPUID in a second
 *                               executable mapping of this program
 *   hv_cpuid io                 every form of port I/O on QEMU's debug
 *                               console port (0xe9), with the registers
 *                               they leave
 *   hv_cpuid in PORT            in al,dx on PORT (no iopl: SIGSEGV)
 *   hv_cpuid null               reads address 0
 *   hv_cpuid int3               a breakpoint of the program's own
 *   hv_cpuid handler in PORT | handler null | handler int3
 *                               the same under a SIGSEGV and SIGTRAP
 *                               handler that prints the signal's code and
 *                               address, then exits 0
 *   hv_cpuid exit N | kill SIG  ends so
 *   hv_cpuid vsock              whether an AF_VSOCK socket can be created
 *                               (it is closed at once, never connected)
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

/* Uses no data of the program, so a second mapping of it can run it. */
static void __attribute__((noinline))
raw_cpuid(uint32_t leaf, uint32_t sub, uint32_t *r)
{
	uint32_t a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d)
	    : "0"(leaf), "2"(sub));
	r[0] = a;
	r[1] = b;
	r[2] = c;
	r[3] = d;
}

typedef void cpuid_fn(uint32_t, uint32_t, uint32_t *);

static void
print_sig(const char *who, cpuid_fn *fn, uint32_t base)
{
	uint32_t r[4], one[4];
	char sig[13];
	int i;

	fn(1, 0, one);
	fn(base, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	for (i = 0; i < 12; i++)
		if (sig[i] < 32 || sig[i] > 126)
			sig[i] = '.';
	sig[12] = '\0';
	printf("%s%shv=%u max=0x%08" PRIx32 " sig=\"%s\"\n", who,
	    *who ? " " : "", one[2] >> 31, r[0], sig);
	fflush(stdout);
}

static void *
thread_main(void *arg)
{
	(void)arg;
	print_sig("thread", raw_cpuid, 0x40000000);
	return (NULL);
}

/* What the program's own handler sees must not depend on hvsim. */
static void
caught(int sig, siginfo_t *si, void *uc)
{
	char msg[80];
	int n;

	(void)uc;
	n = snprintf(msg, sizeof(msg), "caught %s code=%d addr=%p\n",
	    sig == SIGTRAP ? "SIGTRAP" : "SIGSEGV", si->si_code, si->si_addr);
	write(STDOUT_FILENO, msg, n);
	_exit(0);
}

/* The CPUID function as seen through a new executable mapping. */
static cpuid_fn *
remapped(int use_mprotect)
{
	FILE *maps;
	char line[512];
	unsigned long start, end, off, fn = (unsigned long)raw_cpuid;
	unsigned long fileoff = 0;
	struct stat st;
	void *p;
	int fd, found = 0;

	if ((maps = fopen("/proc/self/maps", "r")) == NULL)
		return (NULL);
	while (fgets(line, sizeof(line), maps) != NULL)
		if (sscanf(line, "%lx-%lx %*s %lx", &start, &end, &off) == 3 &&
		    fn >= start && fn < end) {
			fileoff = fn - start + off;
			found = 1;
			break;
		}
	fclose(maps);
	if (!found || (fd = open("/proc/self/exe", O_RDONLY)) == -1)
		return (NULL);
	if (fstat(fd, &st) == -1)
		return (NULL);
	p = mmap(NULL, st.st_size, use_mprotect ? PROT_READ :
	    PROT_READ | PROT_EXEC, MAP_PRIVATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return (NULL);
	if (use_mprotect && mprotect(p, st.st_size, PROT_READ | PROT_EXEC))
		return (NULL);
	return ((cpuid_fn *)((char *)p + fileoff));
}

/* Out: "ABCDEFGDC" to port 0xe9; then what each form of in reads. */
static void
port_io(void)
{
	static const char text[] = "CDEFGH";
	unsigned char buf[8] = { 0 };
	uint64_t a, si, di, cx;
	uint16_t port = 0xe9;

	__asm__ volatile("outb %%al, $0xe9" : : "a"('A'));
	__asm__ volatile("outb %%al, %%dx" : : "a"('B'), "d"(port));
	si = (uint64_t)text;
	cx = 3;
	__asm__ volatile("cld; rep outsb" : "+S"(si), "+c"(cx) : "d"(port)
	    : "memory");
	printf("rep outsb rsi+%lu rcx=%lu\n", si - (uint64_t)text, cx);
	__asm__ volatile("outsb" : "+S"(si) : "d"(port) : "memory");
	printf("outsb rsi+%lu\n", si - (uint64_t)text);
	__asm__ volatile("outsw" : "+S"(si) : "d"(port) : "memory");
	printf("outsw rsi+%lu\n", si - (uint64_t)text);
	si = (uint64_t)text + 1;
	cx = 2;
	__asm__ volatile("std; rep outsb; cld" : "+S"(si), "+c"(cx)
	    : "d"(port) : "memory");
	printf("std rep outsb rsi%+ld rcx=%lu\n", (long)(si - (uint64_t)text),
	    cx);
	a = 0x1122334455667700;
	__asm__ volatile("inb $0xe9, %%al" : "+a"(a));
	printf("in al,imm8 0x%016lx\n", a);
	a = 0x1122334455660000;
	__asm__ volatile("inw %%dx, %%ax" : "+a"(a) : "d"(port));
	printf("in ax,dx 0x%016lx\n", a);
	a = 0x1122334455667788;
	__asm__ volatile("inl %%dx, %%eax" : "+a"(a) : "d"(port));
	printf("in eax,dx 0x%016lx\n", a);
	di = (uint64_t)buf;
	cx = 4;
	__asm__ volatile("cld; rep insb" : "+D"(di), "+c"(cx) : "d"(port)
	    : "memory");
	printf("rep insb %02x%02x%02x%02x%02x rdi+%lu rcx=%lu\n", buf[0],
	    buf[1], buf[2], buf[3], buf[4], di - (uint64_t)buf, cx);
	memset(buf, 0, sizeof(buf));
	di = (uint64_t)buf;
	__asm__ volatile("insl" : "+D"(di) : "d"(port) : "memory");
	printf("insl %02x%02x%02x%02x%02x rdi+%lu\n", buf[0], buf[1], buf[2],
	    buf[3], buf[4], di - (uint64_t)buf);
}

static unsigned long
num(const char *s)
{
	return (strtoul(s, NULL, 0));
}

int
main(int argc, char *argv[])
{
	struct sigaction sa;
	uint32_t r[4];
	pthread_t th;
	cpuid_fn *fn;
	pid_t pid;
	unsigned long i, n;
	int st;
	char *spawn_argv[] = { argv[0], "sig", NULL };

	if (argc < 2)
		goto usage;
	if (strcmp(argv[1], "handler") == 0 && argc > 2) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = caught;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGSEGV, &sa, NULL);
		sigaction(SIGTRAP, &sa, NULL);
		argv++;
		argc--;
	}
	if (strcmp(argv[1], "sig") == 0) {
		print_sig("", raw_cpuid, argc > 2 ? num(argv[2]) : 0x40000000);
	} else if (strcmp(argv[1], "leaf") == 0 && argc > 2) {
		raw_cpuid(num(argv[2]), argc > 3 ? num(argv[3]) : 0, r);
		printf("eax=0x%08" PRIx32 " ebx=0x%08" PRIx32 " ecx=0x%08"
		    PRIx32 " edx=0x%08" PRIx32 "\n", r[0], r[1], r[2], r[3]);
	} else if (strcmp(argv[1], "count") == 0 && argc > 2) {
		n = num(argv[2]);
		for (i = 0; i < n; i++)
			raw_cpuid(0, 0, r);
		print_sig("", raw_cpuid, 0x40000000);
	} else if (strcmp(argv[1], "fork") == 0) {
		fflush(stdout);
		if ((pid = fork()) == 0) {
			print_sig("child", raw_cpuid, 0x40000000);
			_exit(0);
		}
		if (pid == -1 || waitpid(pid, &st, 0) == -1 || st != 0)
			return (1);
		print_sig("parent", raw_cpuid, 0x40000000);
	} else if (strcmp(argv[1], "thread") == 0) {
		if (pthread_create(&th, NULL, thread_main, NULL) != 0 ||
		    pthread_join(th, NULL) != 0)
			return (1);
		print_sig("main", raw_cpuid, 0x40000000);
	} else if (strcmp(argv[1], "spawn") == 0) {
		fflush(stdout);
		if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL,
		    spawn_argv, environ) != 0 ||
		    waitpid(pid, &st, 0) == -1 || st != 0)
			return (1);
	} else if (strcmp(argv[1], "exec") == 0 && argc > 2) {
		print_sig("", raw_cpuid, 0x40000000);
		execv(argv[2], argv + 2);
		perror(argv[2]);
		return (127);
	} else if (strcmp(argv[1], "mmap") == 0 ||
	    strcmp(argv[1], "mprotect") == 0) {
		if ((fn = remapped(argv[1][1] == 'p')) == NULL) {
			perror("remap");
			return (1);
		}
		print_sig("mapped", fn, 0x40000000);
	} else if (strcmp(argv[1], "io") == 0) {
		port_io();
	} else if (strcmp(argv[1], "in") == 0 && argc > 2) {
		uint16_t port = num(argv[2]);
		uint8_t v;

		__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
		printf("in 0x%x = 0x%02x\n", port, v);
	} else if (strcmp(argv[1], "null") == 0) {
		int v;

		/* In assembly: a sanitizer must not catch it first. */
		__asm__ volatile("movl (%1), %0" : "=r"(v) : "r"(0L));
		printf("%d\n", v);
	} else if (strcmp(argv[1], "int3") == 0) {
		__asm__ volatile("int3");
		printf("after int3\n");
	} else if (strcmp(argv[1], "vsock") == 0) {
		int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);

		printf("vsock: %s\n", s == -1 ? strerror(errno) : "created");
		if (s != -1)
			close(s);
	} else if (strcmp(argv[1], "exit") == 0 && argc > 2) {
		return ((int)num(argv[2]));
	} else if (strcmp(argv[1], "kill") == 0 && argc > 2) {
		raise((int)num(argv[2]));
		return (1);
	} else
		goto usage;
	return (0);
usage:
	fprintf(stderr, "usage: hv_cpuid sig|leaf|count|fork|thread|spawn|"
	    "exec|mmap|mprotect|io|in|null|int3|handler|exit|kill|vsock ...\n");
	return (2);
}
