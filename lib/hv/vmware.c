/*
 * VMware: the timing leaf (base + 0x10) with TSC and bus frequencies and the
 * hypercall flavour, and VMware's PCI devices.
 */
#include "hv/hv.h"
#include "store/stores.h"

#define VMWARE_LEAF_TIMING	0x10
#define VMWARE_HC_VMMCALL	(1u << 0)
#define VMWARE_HC_VMCALL	(1u << 1)

static void
vmware_probe(struct pv_unit *unit)
{
	uint32_t r[4];

	pv_raw_leaves(unit, 1, VMWARE_LEAF_TIMING - 1);
	if (unit->maxleaf < unit->base + VMWARE_LEAF_TIMING)
		return;
	pv_unit_cpuid(unit, VMWARE_LEAF_TIMING, r);
	pv_attr_number(unit, "tsc_khz", r[0]);
	pv_attr_number(unit, "bus_khz", r[1]);
	/* Without either flag the guest calls the host through I/O ports. */
	pv_attr_string(unit, "hypercall", "%s",
	    r[2] & VMWARE_HC_VMMCALL ? "vmmcall" :
	    r[2] & VMWARE_HC_VMCALL ? "vmcall" : "backdoor");
}

#define PCI_VENDOR_VMWARE	0x15ad

static const struct pv_pci_id vmware_pci[] = {
	{ PCI_VENDOR_VMWARE, 0x07b0, "vmxnet3" },
	{ PCI_VENDOR_VMWARE, 0x0720, "vmxnet" },
	{ PCI_VENDOR_VMWARE, 0x07c0, "pvscsi" },
	{ PCI_VENDOR_VMWARE, 0x07f0, "nvme" },
	{ PCI_VENDOR_VMWARE, 0x0740, "vmci" },
	{ PCI_VENDOR_VMWARE, 0x0405, "svga" },
	{ PCI_VENDOR_VMWARE, 0x0406, "svga3" },
	{ PCI_VENDOR_VMWARE, 0x07e0, "sata" },
};

static void
vmware_devices(struct pv_unit *unit)
{
	pv_sysfs_pci(unit, vmware_pci, nitems(vmware_pci));
	/* The balloon talks through the backdoor, not PCI: its module tells. */
	if (pv_access(unit->plat, "/sys/module/vmw_balloon", 0) == 0)
		pv_device_add(unit, "balloon", "vmw_balloon", NULL,
		    "vmw_balloon");
}

const struct pv_hv_ops pv_hv_vmware = {
	.name = "VMware",
	.signatures = { "VMwareVMware" },
	.probe = vmware_probe,
	.devices = vmware_devices,
	/* Attaches when GETVERSION answers; adds backdoor_version, product_type. */
	.store = &pv_store_guestinfo,
};
