/*
 * KVM: feature and hint bits at base + 1, virtio devices, pvclock, and
 * QEMU's vmport.
 */
#include "hv/hv.h"
#include "arch/ioport.h"
#include "fwcfg.h"
#include "store/stores.h"
#include "vmware_rpc.h"

#define KVM_FEATURE_CLOCKSOURCE2	3
#define KVM_FEATURE_CLOCKSOURCE_STABLE	24

static const char *const kvm_features[] = {
	[0] = "clocksource",		[1] = "nop_io_delay",
	[2] = "mmu_op",			[3] = "clocksource2",
	[4] = "async_pf",		[5] = "steal_time",
	[6] = "pv_eoi",			[7] = "pv_unhalt",
	[9] = "pv_tlb_flush",		[10] = "async_pf_vmexit",
	[11] = "pv_send_ipi",		[12] = "poll_control",
	[13] = "pv_sched_yield",	[14] = "async_pf_int",
	[15] = "msi_ext_dest_id",	[16] = "hc_map_gpa_range",
	[17] = "migration_control",	[24] = "clocksource_stable",
};

static const char *const kvm_hints[] = {
	[0] = "realtime",
};

/* Also OpenBSD vmm's interface, which offers KVM's feature leaf. */
void
pv_kvm_features(struct pv_unit *unit)
{
	uint32_t r[4];

	/*
	 * Old KVM hosts, and OpenBSD's vmm, leave EAX at the base 0: the
	 * feature leaf is there all the same (Linux's kvm_cpuid_base).
	 */
	if (unit->maxleaf == 0)
		unit->maxleaf = unit->base + 1;
	if (unit->maxleaf < unit->base + 1)
		return;
	pv_unit_cpuid(unit, 1, r);
	pv_attr_flags(unit, "features", r[0], kvm_features,
	    nitems(kvm_features));
	pv_attr_flags(unit, "hints", r[3], kvm_hints,
	    nitems(kvm_hints));
}

/* OpenBSD attaches pvclock only with CLOCKSOURCE2 and the stable bit. */
int
pv_kvm_pvclock_stable(const struct pv_unit *unit)
{
	uint32_t r[4];

	if (unit->maxleaf < unit->base + 1)
		return (0);
	pv_unit_cpuid(unit, 1, r);
	return ((r[0] & (1u << KVM_FEATURE_CLOCKSOURCE2)) &&
	    (r[0] & (1u << KVM_FEATURE_CLOCKSOURCE_STABLE)));
}

void
pv_kvm_devices(struct pv_unit *unit)
{
	pv_sysfs_pvclock(unit, pv_kvm_pvclock_stable(unit));
	pv_sysfs_virtio(unit);
}

/*
 * QEMU's vmport answers VMware's GETVERSION on the backdoor port: the tree
 * shows it as what it is rather than leave it to be taken for VMware.
 * User mode reaches the port only with it permitted; the probe's child
 * inherits the permission.
 */
static void
kvm_vmport(struct pv_unit *unit)
{
	uint32_t version, type;
	int error;

	if (!pv_fwcfg_qemu_machine(unit->plat) ||
	    pv_io_permit(PV_BD_PORT, PV_VMPORT_NPORTS, 1) != 0)
		return;
	error = pv_vmw_probe(&version, &type);
	pv_io_permit(PV_BD_PORT, PV_VMPORT_NPORTS, 0);
	if (error != 0)
		return;
	pv_device_add(unit, "vmport", "port 0x5658", NULL, NULL);
	pv_attr_string(unit, "vmport", "version %u type %u", version, type);
}

void
pv_qemu_devices(struct pv_unit *unit)
{
	pv_kvm_devices(unit);
	kvm_vmport(unit);
}

const struct pv_hv_ops pv_hv_kvm = {
	.name = "KVM",
	.signatures = { "KVMKVMKVM\0\0\0" },
	.probe = pv_kvm_features,
	.devices = pv_qemu_devices,
	.store = &pv_store_fwcfg,
};
