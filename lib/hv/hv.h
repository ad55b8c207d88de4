/*
 * What the hypervisor interfaces (lib/hv/) share: their ops, listed in one
 * table (table.c), and the CPUID helpers their probes use (cpuid.c).
 */
#ifndef PV_HV_H
#define PV_HV_H

#include "pv.h"

/* The interfaces, one ops table each; table.c lists them in order. */
extern const struct pv_hv_ops pv_hv_kvm, pv_hv_hyperv, pv_hv_vmware,
	    pv_hv_xen, pv_hv_bhyve, pv_hv_openbsd, pv_hv_tcg, pv_hv_fex;
/* The interfaces found in the wild that OpenBSD does not list (others.c). */
extern const struct pv_hv_ops pv_hv_acrn, pv_hv_qnx, pv_hv_sre, pv_hv_apple,
	    pv_hv_kvmtool, pv_hv_virtualbox, pv_hv_parallels, pv_hv_jailhouse,
	    pv_hv_nvmm, pv_hv_haxm, pv_hv_unisys, pv_hv_evmm, pv_hv_tdx;
/*
 * QEMU's machine with its accelerator unknown: a guest without CPUID that
 * has QEMU's fw_cfg and nothing naming KVM (lib/sysident.c).  No signature:
 * CPUID names KVM or TCG instead.
 */
extern const struct pv_hv_ops pv_hv_qemu;

/* CPUID at the unit's base + offset. */
void	pv_unit_cpuid(const struct pv_unit *, uint32_t offset, uint32_t r[4]);
/* Raw registers of the non-zero leaves base + first .. base + last. */
void	pv_raw_leaves(struct pv_unit *, uint32_t first, uint32_t last);

/* KVM's feature leaf and devices, shared with interfaces that copy it. */
void	pv_kvm_features(struct pv_unit *);
int	pv_kvm_pvclock_stable(const struct pv_unit *);
void	pv_kvm_devices(struct pv_unit *);
/* QEMU's guests (KVM, TCG): KVM's devices and QEMU's vmport. */
void	pv_qemu_devices(struct pv_unit *);

#endif /* PV_HV_H */
