/* The CPUID instruction; the platform layer is its only caller. */
#include "arch/x86.h"

int
pv_x86_cpuid_supported(void)
{
#if defined(__x86_64__) || defined(__i386__)
	return (1);
#else
	return (0);
#endif
}

void
pv_x86_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4])
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("cpuid"
	    : "=a" (r[0]), "=b" (r[1]), "=c" (r[2]), "=d" (r[3])
	    : "a" (leaf), "c" (subleaf));
#else
	(void)leaf;
	(void)subleaf;
	r[0] = r[1] = r[2] = r[3] = 0;
#endif
}
