/*
 * The interfaces OpenBSD lists without drivers (bhyve, its own vmm) and the
 * other signatures found in the wild.  Their capabilities are shown as raw
 * registers, except where an interface copies KVM's feature leaf.
 */
#include "hv/hv.h"
#include "store/stores.h"

static void
others_probe(struct pv_unit *unit)
{
	pv_raw_leaves(unit, 1, 0xff);
}

const struct pv_hv_ops pv_hv_bhyve = {
	.name = "bhyve",
	.signatures = { "bhyve bhyve ", "BHyVE BHyVE " },
	.probe = others_probe,
	.devices = pv_sysfs_virtio,
};

/* OpenBSD vmm offers KVM's pvclock through KVM's feature leaf. */
const struct pv_hv_ops pv_hv_openbsd = {
	.name = "OpenBSD",
	.signatures = { "OpenBSDVMM58" },
	.probe = pv_kvm_features,
	.devices = pv_kvm_devices,
};

/* QEMU's full-system emulator. */
const struct pv_hv_ops pv_hv_tcg = {
	.name = "TCG",
	.signatures = { "TCGTCGTCGTCG" },
	.probe = others_probe,
	.devices = pv_qemu_devices,
	.store = &pv_store_fwcfg,
};

/* QEMU, accelerator unknown (arm64: TCG, or KVM without ptp_kvm loaded). */
const struct pv_hv_ops pv_hv_qemu = {
	.name = "QEMU",
	.devices = pv_qemu_devices,
	.store = &pv_store_fwcfg,
};

/*
 * FEX-Emu, x86 user-mode emulation on arm64 (FEXCore docs/CPUID.md):
 * "FEXIFEXIEMU\0" at 0x40000000 without the hypervisor bit; 0x40000001
 * EAX[3:0] names the host architecture.  Not a hypervisor: no store.
 */
const struct pv_hv_ops pv_hv_fex = {
	.name = "FEX-Emu",
	.signatures = { "FEXIFEXIEMU\0" },
	.probe = others_probe,
};

/* The others: their raw leaves, and virtio devices where they have them. */
const struct pv_hv_ops pv_hv_acrn = {
	.name = "ACRN",
	.signatures = { "ACRNACRNACRN" },
	.probe = others_probe,
	.devices = pv_sysfs_virtio,
};

const struct pv_hv_ops pv_hv_qnx = {
	.name = "QNX",
	.signatures = { "QNXQVMBSQG\0\0" },
	.probe = others_probe,
	.devices = pv_sysfs_virtio,
};

const struct pv_hv_ops pv_hv_sre = {
	.name = "SRE",
	.signatures = { "SRESRESRESRE" },
	.probe = others_probe,
};

const struct pv_hv_ops pv_hv_apple = {
	.name = "Apple",
	.signatures = { "Apple VZ\0\0\0\0" },
	.probe = others_probe,
	.devices = pv_sysfs_virtio,
};

const struct pv_hv_ops pv_hv_kvmtool = {
	.name = "kvmtool",
	.signatures = { "LKVMLKVMLKVM" },
	.probe = others_probe,
	.devices = pv_sysfs_virtio,
};

const struct pv_hv_ops pv_hv_virtualbox = {
	.name = "VirtualBox",
	.signatures = { "VBoxVBoxVBox" },
	.probe = others_probe,
};

/* Parallels also answers byte-swapped (virt-what, virt-what.in). */
const struct pv_hv_ops pv_hv_parallels = {
	.name = "Parallels",
	.signatures = { " prl hyperv ", " lrpepyh  vr" },
	.probe = others_probe,
};

const struct pv_hv_ops pv_hv_jailhouse = {
	.name = "Jailhouse",
	.signatures = { "Jailhouse\0\0\0" },
	.probe = others_probe,
};

const struct pv_hv_ops pv_hv_nvmm = {
	.name = "NVMM",
	.signatures = { "___ NVMM ___" },
	.probe = others_probe,
};

const struct pv_hv_ops pv_hv_haxm = {
	.name = "HAXM",
	.signatures = { "HAXMHAXMHAXM" },
	.probe = others_probe,
};

const struct pv_hv_ops pv_hv_unisys = {
	.name = "Unisys",
	.signatures = { "UnisysSpar64" },
	.probe = others_probe,
};

const struct pv_hv_ops pv_hv_evmm = {
	.name = "EVMM",
	.signatures = { "EVMMEVMMEVMM" },
	.probe = others_probe,
};

const struct pv_hv_ops pv_hv_tdx = {
	.name = "TDX",
	.signatures = { "IntelTDX    " },
	.probe = others_probe,
};
