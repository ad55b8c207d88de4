/*
 * x86 port I/O (lib/arch/ioport.c): the ports of QEMU's fw_cfg device and
 * the permission to use them.  Besides the VMware backdoor (backdoor.c) this
 * is the only code of the library that executes `in` or `out`.
 *
 * A port the process has no permission for faults with SIGSEGV: every
 * access must come after pv_io_permit() succeeded for that port.
 */
#ifndef PV_ARCH_IOPORT_H
#define PV_ARCH_IOPORT_H

#include <stddef.h>
#include <stdint.h>

/* QEMU's fw_cfg on x86 (docs/specs/fw_cfg.txt). */
#define PV_FWCFG_PORT_SEL	0x510	/* 16-bit selector, little-endian */
#define PV_FWCFG_PORT_DATA	0x511	/* 8-bit data */
#define PV_FWCFG_PORT_DMA	0x514	/* 64-bit DMA address, big-endian */
#define PV_FWCFG_NPORTS		12	/* 0x510 .. 0x51b */

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

/*
 * fw_cfg DMA read (feature bit 1): LEN bytes of item KEY from its start into
 * BUF.  The device writes guest-physical memory, so the transfer goes
 * through locked pages whose frames /proc/self/pagemap names, one page per
 * DMA request.  Needs the fw_cfg ports permitted.  0, ENOTSUP when the page
 * frames cannot be known (no CAP_SYS_ADMIN), E2BIG past what one transfer
 * takes (64 KiB), ENOMEM, EIO when the device reports an error.
 */
int	pv_io_fwcfg_dma_read(uint16_t key, void *buf, size_t len);

#endif /* PV_ARCH_IOPORT_H */
