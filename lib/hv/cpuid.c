/* The CPUID helpers the interfaces' probes share. */
#include <stdio.h>

#include "hv/hv.h"

void
pv_unit_cpuid(const struct pv_unit *unit, uint32_t offset, uint32_t r[4])
{
	pv_cpuid(unit->plat, unit->base + offset, 0, r);
}

void
pv_raw_leaves(struct pv_unit *unit, uint32_t first, uint32_t last)
{
	char name[32];
	uint32_t off, r[4];

	for (off = first; off <= last && unit->base + off <= unit->maxleaf;
	    off++) {
		pv_unit_cpuid(unit, off, r);
		if ((r[0] | r[1] | r[2] | r[3]) == 0)
			continue;
		snprintf(name, sizeof(name), "leaf_0x%08x", unit->base + off);
		pv_attr_regs(unit, name, r);
	}
}
