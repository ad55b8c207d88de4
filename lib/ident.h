/*
 * Identification beyond the interfaces: the confidential-VM state
 * (lib/cvm.c), the container (lib/container.c), systemd's name for the
 * hypervisor and each unit's role (lib/ident.c), and the evidence behind
 * each verdict (lib/evidence.c).  Every verdict is worked out on first use.
 */
#ifndef PV_IDENT_H
#define PV_IDENT_H

#include "pv.h"

struct pv_ident {
	void		(*evidence)(void *, const char *);
	void		*evidence_ctx;
	int		 hv_bit;	/* leaf 1's, as the bus read it */
	int		 sys_vm;	/* lib/sysident.c saw a VM's evidence */
	int		 cvm_done, container_done, vm_done, roles_done;
	const char	*cvm;		/* systemd's name, or "unknown" */
	int		 paravisor;
	const char	*container;
	const char	*vm;
	const char	*role[PV_MAXUNITS];
};

/* Set up the bus's identification state; 0 or ENOMEM. */
int	pv_ident_init(struct pvbus *, const struct pvbus_options *);
void	pv_ident_free(struct pvbus *);

/* One line of evidence or decision to the caller's callback, if any. */
void	pv_evidence(const struct pvbus *, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
/* The signature with NULs and unprintable bytes shown as "\0", "\x..". */
void	pv_sig_text(const char *sig, char *buf, size_t len);
/* Vendor string of CPUID leaf 0 into buf (13 bytes). */
void	pv_cpu_vendor(const struct pv_platform *, char buf[13]);

/* Say which unit is native and which are emulated (after identify). */
void	pv_ident_units(struct pvbus *);
void	pv_cvm_detect(struct pvbus *);
void	pv_container_detect(struct pvbus *);
void	pv_vm_detect(struct pvbus *);
void	pv_roles_detect(struct pvbus *);
/*
 * Identification without CPUID (lib/sysident.c): with MAKE_UNIT, the native
 * unit from the firmware's and the kernel's evidence (none when nothing
 * names a hypervisor); without, the evidence is only reported, as a
 * cross-check of a CPUID that found no hypervisor.
 */
void	pv_sys_identify(struct pvbus *, int make_unit);
/* systemd's name for a unit made so ("kvm", "xen", "vm-other"). */
const char *pv_sys_vm_name(const struct pv_unit *);
/*
 * Whether DMI's "Amazon EC2" is a metal instance (no guest): the SMBIOS VM
 * bit clear, or without it a ".metal" product name.  SAY: as evidence.
 */
int	pv_dmi_amazon_metal(struct pvbus *, int say);

#endif /* PV_IDENT_H */
