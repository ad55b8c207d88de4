/* x86 port I/O for QEMU's fw_cfg; the store in lib/store/fwcfg.c drives it. */
#include <sys/mman.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#define PV_IO_X86	1
#endif

#include "arch/ioport.h"

/* fw_cfg DMA control bits (big-endian in the access structure). */
#define FWCFG_DMA_ERROR		0x01u
#define FWCFG_DMA_READ		0x02u
#define FWCFG_DMA_SELECT	0x08u

/* The structure whose guest-physical address is written to the DMA port. */
struct fwcfg_dma_access {
	uint32_t	control;
	uint32_t	length;
	uint64_t	address;
} __attribute__((packed));

/* QEMU finishes a port-triggered transfer before the `out` returns. */
#define FWCFG_DMA_SPINS		1000000

#define PAGEMAP_PRESENT		(1ULL << 63)
#define PAGEMAP_PFN_MASK	((1ULL << 55) - 1)

int
pv_io_supported(void)
{
#ifdef PV_IO_X86
	return (1);
#else
	return (0);
#endif
}

int
pv_io_permit(uint16_t first, unsigned int n, int on)
{
#ifdef PV_IO_X86
	return (ioperm(first, n, on) == 0 ? 0 : errno);
#else
	(void)first;
	(void)n;
	(void)on;
	return (ENOTSUP);
#endif
}

uint8_t
pv_io_inb(uint16_t port)
{
#ifdef PV_IO_X86
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a" (v) : "Nd" (port) : "memory");
	return (v);
#else
	(void)port;
	return (0xff);
#endif
}

void
pv_io_outw(uint16_t port, uint16_t value)
{
#ifdef PV_IO_X86
	__asm__ volatile("outw %0, %1" : : "a" (value), "Nd" (port) : "memory");
#else
	(void)port;
	(void)value;
#endif
}

void
pv_io_outl(uint16_t port, uint32_t value)
{
#ifdef PV_IO_X86
	__asm__ volatile("outl %0, %1" : : "a" (value), "Nd" (port) : "memory");
#else
	(void)port;
	(void)value;
#endif
}

/*
 * The guest-physical address of each of NPAGES pages from MEM.  The pages
 * are locked and written, so each has a frame of its own that stays put
 * while the device writes it.  The frames read as zero without
 * CAP_SYS_ADMIN: ENOTSUP then.
 */
static int
fwcfg_dma_frames(const void *mem, size_t npages, size_t pgsz, uint64_t *phys)
{
	uint64_t entry;
	size_t i;
	off_t off;
	int fd, error = 0;

	/*
	 * The process's own page table: never under a test's root prefix,
	 * since the transfer is real.
	 */
	if ((fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? ENOTSUP : errno);
	for (i = 0; i < npages && error == 0; i++) {
		off = (off_t)(((uintptr_t)mem / pgsz + i) * sizeof(entry));
		if (pread(fd, &entry, sizeof(entry), off) != sizeof(entry))
			error = EIO;
		else if ((entry & PAGEMAP_PRESENT) == 0 ||
		    (entry & PAGEMAP_PFN_MASK) == 0)
			error = ENOTSUP;
		else
			phys[i] = (entry & PAGEMAP_PFN_MASK) * pgsz;
	}
	close(fd);
	return (error);
}

/* One DMA request; the access structure sits at guest-physical APHYS. */
static int
fwcfg_dma_one(volatile struct fwcfg_dma_access *a, uint64_t aphys,
    uint32_t control, uint32_t len, uint64_t dphys)
{
	uint32_t c;
	long spins;

	a->control = htobe32(control);
	a->length = htobe32(len);
	a->address = htobe64(dphys);
	/* The high half first: writing the low half starts the transfer. */
	pv_io_outl(PV_FWCFG_PORT_DMA, htobe32((uint32_t)(aphys >> 32)));
	pv_io_outl(PV_FWCFG_PORT_DMA + 4, htobe32((uint32_t)aphys));
	for (spins = 0; spins < FWCFG_DMA_SPINS; spins++) {
		c = be32toh(a->control);
		if (c & FWCFG_DMA_ERROR)
			return (EIO);
		if (c == 0)
			return (0);
		__asm__ volatile("" : : : "memory");
	}
	return (EIO);
}

int
pv_io_fwcfg_dma_read(uint16_t key, void *buf, size_t len)
{
	uint64_t phys[(64 * 1024) / 4096 + 1];
	size_t pgsz, npages, off, chunk, i;
	uint32_t control;
	char *mem;
	int error;

	if (!pv_io_supported())
		return (ENOTSUP);
	if (len == 0)
		return (0);
	pgsz = (size_t)sysconf(_SC_PAGESIZE);
	/* The access structure's page, then the data pages. */
	npages = 1 + (len + pgsz - 1) / pgsz;
	if (npages > sizeof(phys) / sizeof(phys[0]))
		return (E2BIG);
	mem = mmap(NULL, npages * pgsz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return (ENOMEM);
	if (mlock(mem, npages * pgsz) == -1) {
		error = errno == EPERM ? ENOTSUP : ENOMEM;
		goto out;
	}
	memset(mem, 0, npages * pgsz);
	if ((error = fwcfg_dma_frames(mem, npages, pgsz, phys)) != 0)
		goto unlock;

	/* SELECT resets the item's offset; later requests continue it. */
	control = (uint32_t)key << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ;
	for (i = 1, off = 0; off < len; i++, off += chunk) {
		chunk = len - off < pgsz ? len - off : pgsz;
		error = fwcfg_dma_one((volatile struct fwcfg_dma_access *)mem,
		    phys[0], control, (uint32_t)chunk, phys[i]);
		if (error != 0)
			break;
		memcpy((char *)buf + off, mem + i * pgsz, chunk);
		control = FWCFG_DMA_READ;
	}
 unlock:
	munlock(mem, npages * pgsz);
 out:
	munmap(mem, npages * pgsz);
	return (error);
}
