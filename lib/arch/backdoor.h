/*
 * The VMware backdoor instructions (lib/arch/backdoor.c): the only code of
 * the library that executes `in` on the backdoor port or `rep outsb` /
 * `rep insb` on its high-bandwidth port.
 *
 * Outside a VMware guest (or a model of one) these instructions fault with
 * SIGSEGV in user mode: call them only after a probe in a child process
 * (pv_vmw_probe() in lib/vmware_rpc.c) has seen the backdoor answer.
 */
#ifndef PV_ARCH_BACKDOOR_H
#define PV_ARCH_BACKDOOR_H

#include <stdint.h>

#define PV_BD_MAGIC		0x564D5868u	/* "VMXh", always in EAX */
#define PV_BD_PORT		0x5658		/* `in eax,dx` */
#define PV_BD_HBPORT		0x5659		/* `rep outsb` / `rep insb` */

/*
 * The registers a backdoor call reads and writes.  RSI and RDI carry
 * addresses in a high-bandwidth transfer, so each register is 64 bits; the
 * protocol itself uses the low 32.  The layout is fixed: the assembly in
 * backdoor.c addresses the fields by offset.
 */
struct pv_bd_regs {
	uint64_t	ax;	/* 0 */
	uint64_t	bx;	/* 8 */
	uint64_t	cx;	/* 16 */
	uint64_t	dx;	/* 24 */
	uint64_t	si;	/* 32 */
	uint64_t	di;	/* 40 */
	uint64_t	bp;	/* 48 */
};

/* Whether this build can execute the backdoor instructions (x86-64). */
int	pv_bd_supported(void);

/* `in eax,dx` with every register loaded from and stored back into R. */
void	pv_bd_in(struct pv_bd_regs *r);

/* `cld; rep outsb`: RCX bytes from the address in RSI to port DX. */
void	pv_bd_hb_out(struct pv_bd_regs *r);

/* `cld; rep insb`: RCX bytes from port DX to the address in RDI. */
void	pv_bd_hb_in(struct pv_bd_regs *r);

#endif /* PV_ARCH_BACKDOOR_H */
