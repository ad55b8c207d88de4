/*
 * What kind of guest this is: the native interface and the emulated ones,
 * each unit's role, and the hypervisor in systemd-detect-virt --vm's words
 * (systemd src/basic/virt.c, detect_vm), worked out from the same evidence
 * in the same order with one difference: where the native interface sits
 * above an emulated Hyper-V one (KVM or Xen with Viridian), it names the
 * native one, where systemd 252 says "microsoft" (systemd issues 8844,
 * 28001).  DMI and every other file are the host's word, never the CPU's.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/hv.h"
#include "ident.h"

#define CPUID_HV_PRESENT	(1u << 31)
#define HV_INTERFACE_HV1	0x31237648u	/* "Hv#1" */
#define HV_CREATE_PARTITIONS	(1u << 0)	/* 0x40000003 EBX */
#define HV_CPU_MANAGEMENT	(1u << 12)	/* 0x40000003 EBX */
#define XENFEAT_DOM0		11		/* xen/include/public/features.h */

/*
 * systemd's name for each signature.  systemd's own CPUID table (virt.c
 * vm_table) knows the first eleven; the others it names "vm-other" from
 * CPUID and may name from DMI (VirtualBox "oracle", Parallels
 * "parallels"), which is where their names here come from.
 */
static const struct {
	const char	*sig;		/* 12 bytes */
	const char	*name;
} vm_names[] = {
	{ "XenVMMXenVMM", "xen" },
	{ "KVMKVMKVM\0\0\0", "kvm" },
	{ "Linux KVM Hv", "kvm" },
	{ "TCGTCGTCGTCG", "qemu" },
	{ "VMwareVMware", "vmware" },
	{ "Microsoft Hv", "microsoft" },
	{ "bhyve bhyve ", "bhyve" },
	{ "QNXQVMBSQG\0\0", "qnx" },
	{ "ACRNACRNACRN", "acrn" },
	{ "SRESRESRESRE", "sre" },
	{ "Apple VZ\0\0\0\0", "apple" },
	/* FreeBSD's old bhyve signature (sys/amd64/vmm/x86.c before 2014). */
	{ "BHyVE BHyVE ", "bhyve" },
	{ "VBoxVBoxVBox", "oracle" },
	{ " prl hyperv ", "parallels" },
	{ " lrpepyh  vr", "parallels" },
};

/* systemd's DMI vendor table (virt.c dmi_vendor_table), in its order. */
static const struct {
	const char	*prefix;
	const char	*name;
} dmi_vendors[] = {
	{ "KVM", "kvm" },
	{ "OpenStack", "kvm" },
	{ "KubeVirt", "kvm" },
	{ "Amazon EC2", "amazon" },
	{ "QEMU", "qemu" },
	{ "VMware", "vmware" },
	{ "VMW", "vmware" },
	{ "innotek GmbH", "oracle" },
	{ "VirtualBox", "oracle" },
	{ "Oracle Corporation", "oracle" },
	{ "Xen", "xen" },
	{ "Bochs", "bochs" },
	{ "Parallels", "parallels" },
	{ "BHYVE", "bhyve" },
	{ "Hyper-V", "microsoft" },
	{ "Apple Virtualization", "apple" },
	{ "Google Compute Engine", "google" },
};

/* product_name before sys_vendor tells KVM from QEMU. */
static const char *const dmi_files[] = {
	"/sys/class/dmi/id/product_name",
	"/sys/class/dmi/id/sys_vendor",
	"/sys/class/dmi/id/board_vendor",
	"/sys/class/dmi/id/bios_vendor",
	"/sys/class/dmi/id/product_version",
};

static int
is_known(const struct pv_unit *u)
{
	return (strcmp(u->hv->name, "unknown") != 0);
}

/* systemd's name for a unit's signature; NULL for one it calls vm-other. */
static const char *
unit_vm_name(const struct pv_unit *u)
{
	size_t i;

	for (i = 0; i < nitems(vm_names); i++)
		if (memcmp(vm_names[i].sig, u->signature, PV_SIGLEN) == 0)
			return (vm_names[i].name);
	return (NULL);
}

/* The native unit, or NULL: the bus puts it first when there is one. */
static const struct pv_unit *
native_unit(const struct pvbus *bus)
{
	if (bus->nunits == 0 || !is_known(&bus->units[0]))
		return (NULL);
	return (&bus->units[0]);
}

int
pvbus_unit_native(const struct pvbus_unit *unit)
{
	const struct pv_unit *u = (const struct pv_unit *)(const void *)unit;

	return (u == native_unit(u->bus));
}

static int
emulates_hyperv(const struct pv_unit *u)
{
	uint32_t r[4];

	if (u->maxleaf < u->base + 1)
		return (0);
	pv_unit_cpuid(u, 1, r);
	return (r[0] == HV_INTERFACE_HV1);
}

/*
 * Called by the bus once the units are known: say which is native and
 * which are emulated, and why.
 */
void
pv_ident_units(struct pvbus *bus)
{
	const struct pv_unit *n = native_unit(bus), *u;
	char sig[64];
	size_t i;

	/* lib/sysident.c said why of a unit without CPUID. */
	if (bus->nunits > 0 && !PV_UNIT_HAS_CPUID(&bus->units[0]))
		return;
	if (n == NULL) {
		if (bus->nunits > 0)
			pv_evidence(bus, "native: none: no known signature");
		return;
	}
	pv_sig_text(n->signature, sig, sizeof(sig));
	pv_evidence(bus, "native = %s %s at 0x%08x: the highest base with a "
	    "known signature (\"%s\")", n->name, n->hv->name, n->base, sig);
	for (i = 1; i < bus->nunits; i++) {
		u = &bus->units[i];
		pv_sig_text(u->signature, sig, sizeof(sig));
		if (!is_known(u))
			pv_evidence(bus, "native: %s at 0x%08x: unknown "
			    "signature \"%s\"", u->name, u->base, sig);
		else if (emulates_hyperv(u))
			pv_evidence(bus, "native: %s %s at 0x%08x: interface "
			    "\"Hv#1\" emulated by %s", u->name, u->hv->name,
			    u->base, n->hv->name);
		else
			pv_evidence(bus, "native: %s %s at 0x%08x: an "
			    "interface %s also offers", u->name, u->hv->name,
			    u->base, n->hv->name);
	}
}

/* Xen's dom0 (the hardware domain): 1, 0, or -1 when nothing says. */
static int
xen_dom0(struct pvbus *bus)
{
	char buf[256], *save = NULL, *w;
	unsigned long features;

	if (pv_read_text(&bus->plat, "/sys/hypervisor/properties/features",
	    buf, sizeof(buf)) == 0 && sscanf(buf, "%lx", &features) == 1) {
		pv_evidence(bus, "xen: /sys/hypervisor/properties/features "
		    "0x%lx: XENFEAT_dom0 %s", features,
		    features & (1ul << XENFEAT_DOM0) ? "set" : "clear");
		return ((features & (1ul << XENFEAT_DOM0)) != 0);
	}
	if (pv_read_text(&bus->plat, "/proc/xen/capabilities", buf,
	    sizeof(buf)) != 0)
		return (-1);
	for (w = strtok_r(buf, ",\n", &save); w != NULL;
	    w = strtok_r(NULL, ",\n", &save))
		if (strcmp(w, "control_d") == 0) {
			pv_evidence(bus, "xen: /proc/xen/capabilities: "
			    "control_d");
			return (1);
		}
	pv_evidence(bus, "xen: /proc/xen/capabilities: no control_d");
	return (0);
}

void
pv_roles_detect(struct pvbus *bus)
{
	const struct pv_unit *n = native_unit(bus);
	size_t i;
	uint32_t r[4];

	bus->ident->roles_done = 1;
	for (i = 0; i < bus->nunits; i++)
		bus->ident->role[i] = "guest";
	if (n == NULL)
		return;
	if (n->hv == &pv_hv_hyperv && emulates_hyperv(n) &&
	    n->maxleaf >= n->base + 3) {
		pv_unit_cpuid(n, 3, r);
		if (r[1] & HV_CREATE_PARTITIONS) {
			bus->ident->role[0] = "root";
			pv_evidence(bus, "role: %s = root: cpuid 0x%08x ebx="
			    "0x%08x holds create_partitions%s: the root "
			    "partition, not a guest", n->name, n->base + 3,
			    r[1], r[1] & HV_CPU_MANAGEMENT ?
			    " and cpu_management" : "");
		} else
			pv_evidence(bus, "role: %s = guest: cpuid 0x%08x ebx="
			    "0x%08x: no create_partitions", n->name,
			    n->base + 3, r[1]);
		return;
	}
	if (n->hv == &pv_hv_xen) {
		if (xen_dom0(bus) == 1) {
			bus->ident->role[0] = "root";
			pv_evidence(bus, "role: %s = root: Xen's dom0",
			    n->name);
		} else
			pv_evidence(bus, "role: %s = guest: not dom0",
			    n->name);
		return;
	}
	pv_evidence(bus, "role: %s = guest: %s has no root partition "
	    "visible to it", n->name, n->hv->name);
}

const char *
pvbus_unit_role(const struct pvbus_unit *unit)
{
	const struct pv_unit *u = (const struct pv_unit *)(const void *)unit;

	if (!u->bus->ident->roles_done)
		pv_roles_detect(u->bus);
	return (u->bus->ident->role[u->index]);
}

/* systemd's detect_vm_smbios(): 1 VM bit set, 0 clear, -1 unknown. */
static int
smbios_vm_bit(struct pvbus *bus, int say)
{
	unsigned char raw[64];
	size_t got;

	if (pv_read_at(&bus->plat, "/sys/firmware/dmi/entries/0-0/raw", 0,
	    raw, sizeof(raw), &got) != 0 || got < 20 || raw[1] < 20)
		return (-1);
	if (say)
		pv_evidence(bus, "vm: SMBIOS BIOS characteristics byte 2 "
		    "0x%02x: virtual machine bit %s (host-supplied)", raw[19],
		    raw[19] & (1u << 4) ? "set" : "clear");
	return ((raw[19] & (1u << 4)) != 0);
}

int
pv_dmi_amazon_metal(struct pvbus *bus, int say)
{
	char buf[256], *e;

	switch (smbios_vm_bit(bus, say)) {
	case 1:
		return (0);
	case 0:
		return (1);
	default:
		/* EC2 metal instances say so in the product name. */
		if (pv_read_text(&bus->plat, "/sys/class/dmi/id/product_name",
		    buf, sizeof(buf)) != 0)
			return (0);
		buf[strcspn(buf, "\n")] = '\0';
		return ((e = strstr(buf, ".metal")) != NULL &&
		    (e[6] == '\0' || e[6] == '-'));
	}
}

/* systemd's detect_vm_dmi(). */
static const char *
dmi_vm(struct pvbus *bus)
{
	char buf[256];
	const char *name = "none";
	size_t i, j;

	for (i = 0; i < nitems(dmi_files) && strcmp(name, "none") == 0; i++) {
		if (pv_read_text(&bus->plat, dmi_files[i], buf,
		    sizeof(buf)) != 0)
			continue;
		buf[strcspn(buf, "\n")] = '\0';
		for (j = 0; j < nitems(dmi_vendors); j++)
			if (strncmp(buf, dmi_vendors[j].prefix,
			    strlen(dmi_vendors[j].prefix)) == 0) {
				name = dmi_vendors[j].name;
				pv_evidence(bus, "vm: %s \"%s\": %s "
				    "(DMI, host-supplied)", dmi_files[i], buf,
				    name);
				break;
			}
	}
	if (strcmp(name, "amazon") == 0)
		return (pv_dmi_amazon_metal(bus, 1) ? "none" : "amazon");
	if (strcmp(name, "none") == 0 && smbios_vm_bit(bus, 1) == 1)
		return ("vm-other");
	return (name);
}

static int
uml(struct pvbus *bus)
{
	char buf[4096], *p;
	size_t got;

	if (pv_read_at(&bus->plat, "/proc/cpuinfo", 0, buf, sizeof(buf) - 1,
	    &got) != 0)
		return (0);
	buf[got] = '\0';
	if ((p = strstr(buf, "vendor_id\t: ")) == NULL)
		return (0);
	return (strncmp(p + 12, "User Mode Linux", 15) == 0);
}

/* From CPUID: systemd's name, "vm-other", or NULL for no hypervisor. */
static const char *
cpuid_vm(struct pvbus *bus)
{
	const struct pv_unit *n = native_unit(bus);
	const char *name;

	if (!pv_cpuid_present(&bus->plat)) {
		/* arm64: the unit of the firmware's and the kernel's word. */
		if (bus->nunits == 0) {
			pv_evidence(bus, "vm: no CPUID and no unit%s",
			    bus->ident->sys_vm ? ", but a virtual machine's "
			    "evidence" : "");
			return (bus->ident->sys_vm ? "vm-other" : NULL);
		}
		name = pv_sys_vm_name(&bus->units[0]);
		pv_evidence(bus, "vm: %s from the native unit %s (no CPUID: "
		    "the firmware's and the kernel's evidence)", name,
		    bus->units[0].hv->name);
		return (name);
	}
	if (!bus->ident->hv_bit) {
		/* FEX-Emu offers its leaves without the hypervisor bit. */
		pv_evidence(bus, "vm: cpuid 0x00000001: no hypervisor bit");
		return (NULL);
	}
	if (n == NULL) {
		pv_evidence(bus, "vm: hypervisor bit set, no known signature");
		return ("vm-other");
	}
	if ((name = unit_vm_name(n)) == NULL)
		name = "vm-other";
	if (n->index == 0 && bus->nunits > 1 && n->base > PV_CPUID_BASE &&
	    memcmp(bus->units[1].signature, "Microsoft Hv", PV_SIGLEN) == 0)
		pv_evidence(bus, "vm: systemd-detect-virt says \"microsoft\" "
		    "here, from the Hyper-V interface %s emulates at "
		    "0x%08x (systemd issues 8844, 28001)", n->hv->name,
		    bus->units[1].base);
	pv_evidence(bus, "vm: %s from the native interface %s (CPUID)",
	    name, n->hv->name);
	return (name);
}

/*
 * systemd's detect_vm_device_tree() (arm and POWER only): the hypervisor
 * node's first string, else a node named fw-cfg.
 */
static const char *
dt_vm(struct pvbus *bus)
{
	struct dirent **ents;
	char buf[256];
	const char *name = "none";
	size_t i, n;

	if (pv_read_text(&bus->plat, "/proc/device-tree/hypervisor/compatible",
	    buf, sizeof(buf)) == 0) {
		if (strcmp(buf, "linux,kvm") == 0)
			name = "kvm";
		else if (strstr(buf, "xen") != NULL)
			name = "xen";
		else if (strstr(buf, "vmware") != NULL)
			name = "vmware";
		else
			name = "vm-other";
		pv_evidence(bus, "vm: /proc/device-tree/hypervisor/compatible "
		    "\"%.64s\": %s", buf, name);
		return (name);
	}
	if (pv_scandir(&bus->plat, "/proc/device-tree", &ents, &n) != 0)
		return (name);
	for (i = 0; i < n; i++) {
		if (strcmp(name, "none") == 0 &&
		    strstr(ents[i]->d_name, "fw-cfg") != NULL) {
			pv_evidence(bus, "vm: /proc/device-tree/%s: qemu",
			    ents[i]->d_name);
			name = "qemu";
		}
		free(ents[i]);
	}
	free(ents);
	return (name);
}

static void
vm_verdict(struct pvbus *bus, const char *name, const char *why)
{
	bus->ident->vm = name;
	pv_evidence(bus, "vm = %s: %s", name, why);
}

void
pv_vm_detect(struct pvbus *bus)
{
	const char *dmi, *v;
	char buf[64];
	int dom0 = 0, other = 0;

	bus->ident->vm_done = 1;
	/* These DMI vendors run on KVM or cloak Xen as Hyper-V. */
	dmi = dmi_vm(bus);
	if (strcmp(dmi, "oracle") == 0 || strcmp(dmi, "xen") == 0 ||
	    strcmp(dmi, "amazon") == 0 || strcmp(dmi, "parallels") == 0 ||
	    strcmp(dmi, "google") == 0) {
		vm_verdict(bus, dmi, "DMI, taken before CPUID as systemd does");
		return;
	}
	if (uml(bus)) {
		vm_verdict(bus, "uml", "/proc/cpuinfo vendor_id "
		    "\"User Mode Linux\"");
		return;
	}
	if (pv_access(&bus->plat, "/proc/xen", F_OK) == 0) {
		pv_evidence(bus, "vm: /proc/xen exists");
		if ((dom0 = xen_dom0(bus)) != 1) {
			vm_verdict(bus, "xen", "/proc/xen in a domU");
			return;
		}
	}
	if ((v = cpuid_vm(bus)) != NULL && strcmp(v, "vm-other") != 0) {
		vm_verdict(bus, v, "the native interface");
		return;
	}
	if (v != NULL)
		other = 1;
	if (dom0 == 1) {
		vm_verdict(bus, "none", "Xen's dom0 is no guest");
		return;
	}
	if (strcmp(dmi, "vm-other") == 0)
		other = 1;
	else if (strcmp(dmi, "none") != 0) {
		vm_verdict(bus, dmi, "DMI (host-supplied)");
		return;
	}
	if (pv_read_text(&bus->plat, "/sys/hypervisor/type", buf,
	    sizeof(buf)) == 0) {
		pv_evidence(bus, "vm: /sys/hypervisor/type \"%s\"", buf);
		if (strcmp(buf, "xen") == 0) {
			vm_verdict(bus, "xen", "/sys/hypervisor/type");
			return;
		}
		other = 1;
	}
	if (!pv_cpuid_present(&bus->plat)) {
		if ((v = dt_vm(bus)) != NULL && strcmp(v, "vm-other") == 0)
			other = 1;
		else if (strcmp(v, "none") != 0) {
			vm_verdict(bus, v, "the device tree");
			return;
		}
	}
	if (other)
		vm_verdict(bus, "vm-other", "a hypervisor nobody names");
	else
		vm_verdict(bus, "none", "no evidence of a hypervisor");
}

const char *
pvbus_vm(struct pvbus *bus)
{
	if (!bus->ident->vm_done)
		pv_vm_detect(bus);
	return (bus->ident->vm);
}

const char *
pvbus_cvm(struct pvbus *bus)
{
	if (!bus->ident->cvm_done)
		pv_cvm_detect(bus);
	return (bus->ident->cvm);
}

int
pvbus_cvm_paravisor(struct pvbus *bus)
{
	pvbus_cvm(bus);
	return (bus->ident->paravisor);
}

int
pvbus_host_controlled(struct pvbus *bus)
{
	return (strcmp(pvbus_cvm(bus), "none") != 0);
}

const char *
pvbus_container(struct pvbus *bus)
{
	if (!bus->ident->container_done)
		pv_container_detect(bus);
	return (bus->ident->container);
}
