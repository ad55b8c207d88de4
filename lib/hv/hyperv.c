/*
 * Hyper-V (and the Hyper-V interfaces KVM and Xen emulate): the "Hv#1"
 * interface, version, privileges, features, recommendations, limits; VMBus
 * devices by class GUID.  Bit names follow Microsoft's TLFS.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hv/hv.h"
#include "store/stores.h"

#define HV_INTERFACE_HV1	0x31237648	/* "Hv#1" */

static const char *const hv_privileges[] = {
	[0] = "vp_runtime",		[1] = "partition_ref_counter",
	[2] = "synic",			[3] = "synthetic_timers",
	[4] = "apic_msrs",		[5] = "hypercall_msrs",
	[6] = "vp_index",		[7] = "reset_msr",
	[8] = "stats_msrs",		[9] = "partition_ref_tsc",
	[10] = "guest_idle_msr",	[11] = "frequency_msrs",
	[12] = "debug_msrs",		[13] = "reenlightenment",
	[15] = "tsc_invariant",
	/* EBX, bits 32 and up */
	[32] = "create_partitions",	[33] = "access_partition_id",
	[34] = "access_memory_pool",	[35] = "adjust_message_buffers",
	[36] = "post_messages",		[37] = "signal_events",
	[38] = "create_port",		[39] = "connect_port",
	[40] = "access_stats",		[43] = "debugging",
	[44] = "cpu_management",	[46] = "expanded_stackwalking",
	[48] = "access_vsm",		[49] = "access_vp_registers",
	[52] = "extended_hypercalls",	[53] = "start_virtual_processor",
	[54] = "isolation",
};

static const char *const hv_features[] = {
	[0] = "mwait",			[1] = "guest_debugging",
	[2] = "perf_monitor",		[3] = "cpu_dynamic_partitioning",
	[4] = "xmm_hypercall_input",	[5] = "guest_idle",
	[6] = "hypervisor_sleep",	[7] = "numa_distance",
	[8] = "timer_frequency",	[9] = "synthetic_mc_injection",
	[10] = "guest_crash_msrs",	[11] = "debug_msrs",
	[12] = "npiep",			[13] = "disable_hypervisor",
	[14] = "extended_gva_flush",	[15] = "xmm_hypercall_output",
	[17] = "sint_polling",		[18] = "hypercall_msr_lock",
	[19] = "direct_synthetic_timers", [20] = "vsm_pat",
	[21] = "vsm_bndcfgs",		[23] = "synthetic_time_unhalted",
	[26] = "intel_lbr",
};

static const char *const hv_recommendations[] = {
	[0] = "hypercall_address_space_switch", [1] = "hypercall_local_flush",
	[2] = "hypercall_remote_flush",	[3] = "apic_msrs",
	[4] = "reset_msr",		[5] = "relaxed_timing",
	[6] = "dma_remapping",		[7] = "interrupt_remapping",
	[8] = "x2apic_msrs",		[9] = "deprecate_autoeoi",
	[10] = "synthetic_cluster_ipi",	[11] = "ex_processor_masks",
	[12] = "nested",		[13] = "int_for_mbec_syscalls",
	[14] = "enlightened_vmcs",	[15] = "synced_timeline",
	[17] = "direct_local_flush_entire", [18] = "no_nonarch_core_sharing",
};

static void
hyperv_probe(struct pv_unit *unit)
{
	uint32_t r[4];

	if (unit->maxleaf < unit->base + 1)
		return;
	pv_unit_cpuid(unit, 1, r);
	if (r[0] != HV_INTERFACE_HV1) {
		/* Not the Hyper-V interface: say what it is and stop. */
		pv_attr_regs(unit, "interface", r);
		return;
	}
	pv_attr_string(unit, "interface", "Hv#1");

	if (unit->maxleaf >= unit->base + 2) {
		pv_unit_cpuid(unit, 2, r);
		snprintf(unit->version, sizeof(unit->version), "%u.%u.%u",
		    r[1] >> 16, r[1] & 0xffff, r[0]);
		pv_attr_number(unit, "build", r[0]);
		pv_attr_number(unit, "service_pack", r[2]);
		pv_attr_number(unit, "service_branch", r[3] >> 24);
		pv_attr_number(unit, "service_number", r[3] & 0xffffff);
	}
	if (unit->maxleaf >= unit->base + 3) {
		pv_unit_cpuid(unit, 3, r);
		pv_attr_flags(unit, "privileges",
		    (uint64_t)r[1] << 32 | r[0], hv_privileges,
		    nitems(hv_privileges));
		pv_attr_flags(unit, "features", r[3], hv_features,
		    nitems(hv_features));
	}
	if (unit->maxleaf >= unit->base + 4) {
		pv_unit_cpuid(unit, 4, r);
		pv_attr_flags(unit, "recommendations", r[0],
		    hv_recommendations, nitems(hv_recommendations));
		pv_attr_number(unit, "spinlock_retries", r[1]);
	}
	if (unit->maxleaf >= unit->base + 5) {
		pv_unit_cpuid(unit, 5, r);
		pv_attr_number(unit, "max_vcpus", r[0]);
		pv_attr_number(unit, "max_lcpus", r[1]);
	}
	pv_raw_leaves(unit, 6, 0xff);
}

/* VMBus device classes (Linux include/linux/hyperv.h; OpenBSD hvn, hvs). */
static const struct {
	const char	*guid;
	const char	*name;
} vmbus_classes[] = {
	{ "f8615163-df3e-46c5-913f-f2d2f965ed0e", "hvn" },
	{ "ba6163d9-04a1-4d29-b605-72e2ffb1dc7f", "hvs" },
	{ "32412632-86cb-44a2-9b5c-50d1417354f5", "hvs-ide" },
	{ "2f9bcc4a-0069-4af3-b76b-6fd0be528cda", "fibre-channel" },
	{ "a9a0f4e7-5a45-4d96-b827-8a841e8c03e6", "kvp" },
	{ "57164f39-9115-4e78-ab55-382f3bd5422d", "heartbeat" },
	{ "0e0b6031-5213-4934-818b-38d90ced39db", "shutdown" },
	{ "9527e630-d0ae-497b-adce-e80ab0175caf", "timesync" },
	{ "35fa2e29-ea23-4236-96ae-3a6ebacba440", "vss" },
	{ "525074dc-8985-46e2-8057-a307dc18a502", "balloon" },
	{ "34d14be3-dee4-41c8-9ae7-6b174977c192", "fcopy" },
	{ "f912ad6d-2b17-48ea-bd65-f927a61c7684", "keyboard" },
	{ "cfa8b69e-5b4a-4cc0-b98b-8ba1a1f3f95a", "mouse" },
	{ "da0a7802-e377-4aac-8e77-0558eb1073f8", "video" },
	{ "44c4f61d-4444-4400-9d52-802e27ede19f", "pci" },
	{ "8c2eaf3d-32a7-4b09-ab99-bd1f1c86b501", "rdma" },
	{ "276aacf4-ac15-426c-98dd-7521ad3f01fe", "rdv" },
	{ "f8e65716-3cb3-4a06-9a60-1889c5cccab5", "rd-control" },
	{ "3375baf4-9e15-4b30-b765-67acb10d607b", "avma" },
};

static void
vmbus_one(struct pv_unit *unit, const char *dir, const char *entry,
    const void *arg)
{
	char path[PATH_MAX], guid[64], *g;
	const char *name = "vmbus-device";
	size_t i;

	(void)arg;
	snprintf(path, sizeof(path), "%s/class_id", dir);
	if (pv_read_text(unit->plat, path, guid, sizeof(guid)) != 0)
		return;
	g = guid + (guid[0] == '{');
	g[strcspn(g, "}")] = '\0';
	for (i = 0; i < nitems(vmbus_classes); i++)
		if (strcasecmp(vmbus_classes[i].guid, g) == 0) {
			name = vmbus_classes[i].name;
			break;
		}
	pv_sysfs_device_add(unit, name, dir, entry);
}

static void
hyperv_devices(struct pv_unit *unit)
{
	pv_sysfs_foreach(unit, "/sys/bus/vmbus/devices", vmbus_one, NULL);
}

const struct pv_hv_ops pv_hv_hyperv = {
	.name = "Hyper-V",
	/* KVM's own Hyper-V emulation answers with the second one. */
	.signatures = { "Microsoft Hv", "Linux KVM Hv" },
	.probe = hyperv_probe,
	.devices = hyperv_devices,
	.store = &pv_store_kvp,
};
