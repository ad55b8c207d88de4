/*
 * x86 port I/O (lib/arch/ioport.c): `in`, `out` and the permission to use
 * them, for QEMU's fw_cfg (lib/fwcfg.c) and vmport.  Besides the VMware
 * backdoor (backdoor.c) this is the only code of the library that executes
 * `in` or `out`.
 *
 * A port the process has no permission for faults with SIGSEGV: every
 * access must come after pv_io_permit() succeeded for that port.
 */
#ifndef PV_ARCH_IOPORT_H
#define PV_ARCH_IOPORT_H

#include <stddef.h>
#include <stdint.h>

/*
 * The backdoor port as QEMU's vmport serves it: `inl` needs the permission
 * of each of the four bytes it spans.
 */
#define PV_VMPORT_NPORTS	4

/* Whether this build can execute port instructions (x86). */
int	pv_io_supported(void);

/*
 * Grant (on non-zero) or drop this process's access to N ports from FIRST
 * with ioperm(2).  0, EPERM without CAP_SYS_RAWIO, ENOTSUP off x86.
 */
int	pv_io_permit(uint16_t first, unsigned int n, int on);

uint8_t	pv_io_inb(uint16_t port);
void	pv_io_outw(uint16_t port, uint16_t value);
void	pv_io_outl(uint16_t port, uint32_t value);

#endif /* PV_ARCH_IOPORT_H */
