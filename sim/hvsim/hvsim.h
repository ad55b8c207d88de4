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
 * A device model.  Models keep their own state; hvsim calls io() for an
 * instruction on a port the model claims.  io() reads and changes REGS (the
 * thread's registers; hvsim writes them back and advances RIP past the
 * instruction on success) and the program's memory through hvsim_mem_read()
 * and hvsim_mem_write().  A string instruction's model updates RSI/RDI/RCX as
 * the hardware would.  io() returns 0 when done, -1 to deliver the SIGSEGV an
 * unmodelled access gets.
 */
struct hvsim_model {
	const char		*name;
	/* Long options the model adds to hvsim's command line, or NULL. */
	const struct option	*options;
	/* One of those options was given; 0 or -1 (message printed). */
	int	(*option)(int val, const char *arg);
	/* Before the program starts; 0 or -1 (message printed). */
	int	(*init)(void);
	/* Whether the model answers this port. */
	int	(*claims)(uint16_t port);
	int	(*io)(const struct hvsim_io *, struct user_regs_struct *regs);
	/* After the program ended (save state, free). */
	void	(*fini)(void);
};

/* The models compiled in, NULL-terminated (sim/hvsim/models.c). */
extern const struct hvsim_model *const hvsim_models[];

/* Copy between the program's memory and ours; 0 or -1 with errno. */
int	hvsim_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);
int	hvsim_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len);

#endif /* HVSIM_H */
