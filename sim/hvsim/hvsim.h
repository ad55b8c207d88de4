/*
 * hvsim: runs an unmodified program as if inside a hypervisor.  The
 * supervisor (hvsim.c) traps the program's CPUID and port I/O instructions
 * and hands port accesses to the device models of the chosen profile.
 */
#ifndef HVSIM_H
#define HVSIM_H

#include <sys/types.h>
#include <sys/user.h>
#include <getopt.h>
#include <stddef.h>
#include <stdint.h>

/* One decoded port I/O instruction of the traced program. */
struct hvsim_io {
	pid_t		 pid;		/* thread that executed it */
	uint16_t	 port;
	unsigned int	 size;		/* 1, 2 or 4 bytes per element */
	int		 out;		/* 1: out/outs, 0: in/ins */
	int		 string;	/* ins/outs */
	int		 rep;		/* with a rep prefix */
	unsigned int	 len;		/* instruction length in bytes */
};

/*
 * A device model.  An instance's state lives in the context new() returns,
 * so that a model can run more than once in a process (the unit tests make
 * a fresh host per case).  hvsim makes one instance of every model before
 * it reads the command line; io() is called for an instruction on a port
 * the instance claims.  io() reads and changes REGS (the thread's
 * registers; hvsim writes them back and advances RIP past the instruction
 * on success) and the program's memory through hvsim_mem_read() and
 * hvsim_mem_write().  A string instruction's model updates RSI/RDI/RCX as
 * the hardware would.  io() returns 0 when done, -1 to deliver the SIGSEGV
 * an unmodelled access gets.
 */
struct hvsim_model {
	const char		*name;
	/* Long options the model adds to hvsim's command line, or NULL. */
	const struct option	*options;
	/* An instance with the defaults, or NULL with errno. */
	void	*(*new)(void);
	/* One of those options was given; 0 or -1 (message printed). */
	int	(*option)(void *ctx, int val, const char *arg);
	/* Before the program starts; 0 or -1 (message printed). */
	int	(*init)(void *ctx);
	/* Whether the instance answers this port. */
	int	(*claims)(void *ctx, uint16_t port);
	int	(*io)(void *ctx, const struct hvsim_io *,
		    struct user_regs_struct *regs);
	/* After the program ended, or unused: save state, free CTX. */
	void	(*free)(void *ctx);
	/*
	 * Optional: when the instance's options asked to show what its host
	 * remembers (--show), print it and return hvsim's exit status; no
	 * program runs.  -1 otherwise.
	 */
	int	(*show)(void *ctx);
};

/* The models compiled in, NULL-terminated (sim/hvsim/models.c). */
extern const struct hvsim_model *const hvsim_models[];

/* Copy between the program's memory and ours; 0 or -1 with errno. */
int	hvsim_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);
int	hvsim_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len);

#endif /* HVSIM_H */
