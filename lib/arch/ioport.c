/* x86 port I/O: the instructions and the permission (lib/fwcfg.c uses them). */
#include <errno.h>
#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
#include <sys/io.h>
#define PV_IO_X86	1
#endif

#include "arch/ioport.h"

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
