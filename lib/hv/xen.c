/*
 * Xen: version, hypercall pages, HVM features (Xen's public
 * arch-x86/cpuid.h), and the devices on the xen bus.
 */
#include <stdio.h>
#include <string.h>

#include "hv/hv.h"
#include "store/stores.h"

static const char *const xen_hvm_features[] = {
	[0] = "apic_access_virt",	[1] = "x2apic_virt",
	[2] = "iommu_mappings",		[3] = "vcpu_id",
	[4] = "domid",			[5] = "ext_dest_id",
	[6] = "upcall_vector",
};

#define XEN_HVM_VCPU_ID_PRESENT	(1u << 3)
#define XEN_HVM_DOMID_PRESENT	(1u << 4)

static void
xen_probe(struct pv_unit *unit)
{
	char type[32];
	uint32_t r[4];

	if (unit->maxleaf >= unit->base + 1) {
		pv_unit_cpuid(unit, 1, r);
		if (r[0] != 0)
			snprintf(unit->version, sizeof(unit->version), "%u.%u",
			    r[0] >> 16, r[0] & 0xffff);
	}
	if (unit->maxleaf >= unit->base + 2) {
		pv_unit_cpuid(unit, 2, r);
		pv_attr_number(unit, "hypercall_pages", r[0]);
		pv_attr_string(unit, "hypercall_msr", "0x%08x", r[1]);
	}
	if (unit->maxleaf >= unit->base + 3) {
		pv_unit_cpuid(unit, 3, r);
		pv_attr_regs(unit, "leaf_tsc", r);
	}
	if (unit->maxleaf >= unit->base + 4) {
		pv_unit_cpuid(unit, 4, r);
		pv_attr_flags(unit, "hvm_features", r[0], xen_hvm_features,
		    nitems(xen_hvm_features));
		if (r[0] & XEN_HVM_VCPU_ID_PRESENT)
			pv_attr_number(unit, "vcpu_id", r[1]);
		if (r[0] & XEN_HVM_DOMID_PRESENT)
			pv_attr_number(unit, "domid", r[2]);
	}
	pv_raw_leaves(unit, 5, 0xff);
	/* The kernel's own view, where it has one (PV and HVM guests). */
	if (pv_read_text(unit->plat, "/sys/hypervisor/type", type,
	    sizeof(type)) == 0)
		pv_attr_string(unit, "sys_hypervisor_type", "%s", type);
}

static void
xen_one(struct pv_unit *unit, const char *dir, const char *entry,
    const void *arg)
{
	char path[PATH_MAX], devtype[32];

	(void)arg;
	snprintf(path, sizeof(path), "%s/devtype", dir);
	if (pv_read_text(unit->plat, path, devtype, sizeof(devtype)) != 0) {
		/* "vif-0": the type is the name up to the dash. */
		strlcpy(devtype, entry, sizeof(devtype));
		devtype[strcspn(devtype, "-")] = '\0';
	}
	pv_sysfs_device_add(unit, devtype, dir, entry);
}

static void
xen_devices(struct pv_unit *unit)
{
	pv_sysfs_foreach(unit, "/sys/bus/xen/devices", xen_one, NULL);
}

const struct pv_hv_ops pv_hv_xen = {
	.name = "Xen",
	.signatures = { "XenVMMXenVMM" },
	.probe = xen_probe,
	.devices = xen_devices,
	.store = &pv_store_xenstore,
};
