/* The x86 CPUID instruction (lib/arch/x86.c). */
#ifndef PV_ARCH_X86_H
#define PV_ARCH_X86_H

#include <stdint.h>

/* Whether this build has the instruction (x86); without it, zeros. */
int	pv_x86_cpuid_supported(void);

/* Execute CPUID for leaf/subleaf; r[0..3] = eax, ebx, ecx, edx. */
void	pv_x86_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t r[4]);

#endif /* PV_ARCH_X86_H */
