/*
 * Identification without CPUID.  An arm64 CPU has no instruction for a
 * hypervisor to answer, so there the firmware's tables and the kernel's
 * files under the root say which hypervisor runs the guest; the same code
 * runs on x86, where it only cross-checks a CPUID that found nothing.
 *
 * Every piece of evidence has a rank:
 *
 *   firmware, kernel	the device tree's hypervisor node and the ACPI
 *			FADT's hypervisor vendor identity (the hypervisor's
 *			own firmware wrote them); /sys/hypervisor/type,
 *			/proc/xen, VMBus and the PTP clocks the kernel made
 *			after its own probes (SMCCC on arm64)
 *   emulator		QEMU's fw_cfg device and the FADT's "QEMU": the
 *			machine is QEMU's (or another emulator's that copies
 *			the device), its accelerator unnamed
 *   dmi		/sys/class/dmi/id: strings the host's management
 *			layer chose; never above the others
 *
 * The highest rank names the unit's type, a known type before an unknown
 * one of the same rank, then the first in the order read.  A guest whose
 * evidence names no type (only "linux,dummy-virt") has no unit: pvbus_vm()
 * still says it is a virtual machine.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hv/hv.h"
#include "ident.h"

#define DT			"/proc/device-tree"
#define DT_HYPERVISOR		DT "/hypervisor/compatible"
#define DT_ROOT_COMPAT		DT "/compatible"
#define FADT			"/sys/firmware/acpi/tables/FACP"
/* ACPI 6.0, 5.2.9: FADT revision 6 adds the identity at offset 268. */
#define FADT_HVID_OFF		268
#define FADT_HVID_LEN		8
#define FADT_MIN_LEN		(FADT_HVID_OFF + FADT_HVID_LEN)
#define FADT_HVID_REV		6
#define FWCFG_SYSFS		"/sys/firmware/qemu_fw_cfg"
#define FWCFG_ACPI		"/sys/bus/acpi/devices/QEMU0002:00"
#define PTP_CLASS		"/sys/class/ptp"
#define VMBUS_DEVICES		"/sys/bus/vmbus/devices"
#define SYS_HV_TYPE		"/sys/hypervisor/type"
#define SYS_HV_VERSION		"/sys/hypervisor/version"
#define DMI_ID			"/sys/class/dmi/id"
#define DT_MAX			512	/* a compatible list, more than any */
#define SEEN_MAX		16

enum sys_rank {
	RANK_NONE,
	RANK_DMI,
	RANK_EMULATOR,
	RANK_FIRMWARE		/* the firmware's and the kernel's */
};

static const char *const rank_names[] = {
	[RANK_NONE] = "none", [RANK_DMI] = "DMI",
	[RANK_EMULATOR] = "emulator", [RANK_FIRMWARE] = "firmware/kernel",
};

/* One piece of evidence: what it names, how strongly, and as an attribute. */
struct sys_seen {
	const struct pv_hv_ops	*hv;	/* NULL: a VM, hypervisor unnamed */
	enum sys_rank		 rank;
	char			 attr[24];
	char			 value[160];
};

struct sys_ident {
	struct pvbus		*bus;
	const struct pv_platform *plat;
	struct sys_seen		 seen[SEEN_MAX];
	size_t			 nseen;
	const char		*prefix;	/* of each evidence line */
};

static void
sys_saw(struct sys_ident *si, const struct pv_hv_ops *hv, enum sys_rank rank,
    const char *attr, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/*
 * Record evidence and say it: "PATH VALUE: TYPE (RANK)".  The value is the
 * attribute the unit gets when the evidence supports its type.
 */
static void
sys_saw(struct sys_ident *si, const struct pv_hv_ops *hv, enum sys_rank rank,
    const char *attr, const char *fmt, ...)
{
	struct sys_seen *s;
	va_list ap;
	char value[sizeof(s->value)];

	va_start(ap, fmt);
	vsnprintf(value, sizeof(value), fmt, ap);
	va_end(ap);
	pv_evidence(si->bus, "%s%s: %s (%s)", si->prefix, value,
	    hv == NULL ? "a virtual machine, hypervisor unnamed" : hv->name,
	    rank_names[rank]);
	if (si->nseen == SEEN_MAX)
		return;
	s = &si->seen[si->nseen++];
	s->hv = hv;
	s->rank = rank;
	strlcpy(s->attr, attr, sizeof(s->attr));
	strlcpy(s->value, value, sizeof(s->value));
}

/*
 * A device-tree property (NUL-separated strings) as text: each string
 * quoted, unprintable bytes as \xNN.  RAW keeps the bytes, NUL-terminated
 * once more, for matching; 0 or errno.
 */
static int
dt_strings(const struct pv_platform *plat, const char *path, char *raw,
    size_t rawlen, size_t *got, char *text, size_t textlen)
{
	size_t i, n = 0;
	int error, open = 0;
	unsigned char c;

	if ((error = pv_read_at(plat, path, 0, raw, rawlen - 1, got)) != 0)
		return (error);
	raw[*got] = '\0';
	for (i = 0; i < *got && n + 6 < textlen; i++) {
		c = (unsigned char)raw[i];
		if (!open) {
			if (c == '\0')
				continue;
			if (n > 0)
				text[n++] = ' ';
			text[n++] = '"';
			open = 1;
		}
		if (c == '\0') {
			text[n++] = '"';
			open = 0;
		} else if (c < 32 || c > 126 || c == '"' || c == '\\')
			n += snprintf(text + n, textlen - n, "\\x%02x", c);
		else
			text[n++] = c;
	}
	if (open && n + 1 < textlen)
		text[n++] = '"';
	text[n] = '\0';
	return (0);
}

/* Whether the NUL-separated list RAW (LEN bytes) holds a string so. */
static int
dt_has(const char *raw, size_t len, const char *prefix, int whole)
{
	size_t off, l;

	for (off = 0; off < len; off += l + 1) {
		l = strnlen(raw + off, len - off);
		if (whole ? strlen(prefix) == l &&
		    memcmp(raw + off, prefix, l) == 0 :
		    strncmp(raw + off, prefix, strlen(prefix)) == 0)
			return (1);
	}
	return (0);
}

/*
 * Linux's bindings (Documentation/devicetree/bindings/arm/xen.txt:
 * "xen,xen-<version>", "xen,xen"); systemd's virt.c for "linux,kvm" and
 * anything else (vm-other).
 */
static void
sys_dt_hypervisor(struct sys_ident *si)
{
	char raw[DT_MAX], text[DT_MAX];
	const struct pv_hv_ops *hv = &pv_hv_unknown;
	size_t got;

	if (dt_strings(si->plat, DT_HYPERVISOR, raw, sizeof(raw), &got, text,
	    sizeof(text)) != 0)
		return;
	if (dt_has(raw, got, "xen,xen", 1))
		hv = &pv_hv_xen;
	else if (dt_has(raw, got, "linux,kvm", 1))
		hv = &pv_hv_kvm;
	else if (dt_has(raw, got, "microsoft,hyperv", 1))
		hv = &pv_hv_hyperv;
	else if (strstr(text, "vmware") != NULL)
		hv = &pv_hv_vmware;
	sys_saw(si, hv, RANK_FIRMWARE, "dt_hypervisor", DT_HYPERVISOR " %s",
	    text);
}

/*
 * The root's compatible and the fw_cfg node.  QEMU's virt machine and
 * kvmtool (and crosvm, Firecracker) all describe a "linux,dummy-virt",
 * which says only that some VMM made the tree; a node named fw-cfg is
 * QEMU's device (systemd takes it for "qemu"), which others may copy.
 */
static void
sys_dt_machine(struct sys_ident *si)
{
	struct dirent **ents;
	char raw[DT_MAX], text[DT_MAX], path[PATH_MAX];
	size_t got, i, n;

	if (dt_strings(si->plat, DT_ROOT_COMPAT, raw, sizeof(raw), &got, text,
	    sizeof(text)) == 0 && dt_has(raw, got, "linux,dummy-virt", 1))
		sys_saw(si, NULL, RANK_EMULATOR, "dt_compatible",
		    DT_ROOT_COMPAT " %s", text);
	if (pv_scandir(si->plat, DT, &ents, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (strstr(ents[i]->d_name, "fw-cfg") != NULL &&
		    snprintf(path, sizeof(path), DT "/%s/compatible",
		    ents[i]->d_name) < (int)sizeof(path)) {
			if (dt_strings(si->plat, path, raw, sizeof(raw), &got,
			    text, sizeof(text)) != 0)
				strlcpy(text, "(no compatible)", sizeof(text));
			sys_saw(si, &pv_hv_qemu, RANK_EMULATOR, "fw_cfg_dt",
			    DT "/%s %s", ents[i]->d_name, text);
		}
		free(ents[i]);
	}
	free(ents);
}

/* The FADT's identity as firmware write it (Linux's hyperv_init, QEMU). */
static const struct {
	const char	id[FADT_HVID_LEN + 1];
	const struct pv_hv_ops *hv;
	enum sys_rank	rank;
} fadt_ids[] = {
	{ "MsHyperV", &pv_hv_hyperv, RANK_FIRMWARE },
	{ "FIRECKVM", &pv_hv_kvm, RANK_FIRMWARE },	/* Firecracker */
	/* QEMU writes its own name whatever the accelerator. */
	{ "QEMU", &pv_hv_qemu, RANK_EMULATOR },
};

static void
sys_fadt(struct sys_ident *si)
{
	unsigned char t[FADT_MIN_LEN];
	char id[FADT_HVID_LEN + 1], text[4 * FADT_HVID_LEN + 1];
	const struct pv_hv_ops *hv = &pv_hv_unknown;
	enum sys_rank rank = RANK_FIRMWARE;
	uint32_t len;
	size_t got, i, n = 0;

	if (pv_read_at(si->plat, FADT, 0, t, sizeof(t), &got) != 0 ||
	    got < 36 || memcmp(t, "FACP", 4) != 0)
		return;
	len = t[4] | t[5] << 8 | t[6] << 16 | (uint32_t)t[7] << 24;
	if (got < len && got < FADT_MIN_LEN) {
		pv_evidence(si->bus, "%s" FADT ": %zu of its %u bytes: cut "
		    "short", si->prefix, got, len);
		return;
	}
	if (t[8] < FADT_HVID_REV || len < FADT_MIN_LEN) {
		pv_evidence(si->bus, "%s" FADT ": revision %u, %u bytes: no "
		    "hypervisor vendor identity (ACPI 6 FADT)", si->prefix,
		    t[8], len);
		return;
	}
	memcpy(id, t + FADT_HVID_OFF, FADT_HVID_LEN);
	id[FADT_HVID_LEN] = '\0';
	for (i = 0; i < FADT_HVID_LEN && id[i] != '\0'; i++)
		if ((unsigned char)id[i] < 32 || (unsigned char)id[i] > 126 ||
		    id[i] == '"' || id[i] == '\\')
			n += snprintf(text + n, sizeof(text) - n, "\\x%02x",
			    (unsigned char)id[i]);
		else
			text[n++] = id[i];
	text[n] = '\0';
	if (n == 0) {
		pv_evidence(si->bus, "%s" FADT ": hypervisor vendor identity "
		    "empty", si->prefix);
		return;
	}
	/* The rest of the field after the name is NUL padding. */
	for (i = 0; i < nitems(fadt_ids); i++)
		if (memcmp(fadt_ids[i].id, t + FADT_HVID_OFF,
		    FADT_HVID_LEN) == 0) {
			hv = fadt_ids[i].hv;
			rank = fadt_ids[i].rank;
			break;
		}
	sys_saw(si, hv, rank, "acpi_hypervisor_id", FADT " hypervisor vendor "
	    "identity \"%s\"", text);
}

static void
sys_fwcfg(struct sys_ident *si)
{
	if (pv_access(si->plat, FWCFG_ACPI, F_OK) == 0)
		sys_saw(si, &pv_hv_qemu, RANK_EMULATOR, "fw_cfg_acpi",
		    FWCFG_ACPI);
	if (pv_access(si->plat, FWCFG_SYSFS, F_OK) == 0)
		sys_saw(si, &pv_hv_qemu, RANK_EMULATOR, "fw_cfg_sysfs",
		    FWCFG_SYSFS);
}

static void
sys_xen(struct sys_ident *si)
{
	char type[64];

	if (pv_read_text(si->plat, SYS_HV_TYPE, type, sizeof(type)) == 0)
		sys_saw(si, strcmp(type, "xen") == 0 ? &pv_hv_xen :
		    &pv_hv_unknown, RANK_FIRMWARE, "sys_hypervisor_type",
		    SYS_HV_TYPE " \"%.32s\"", type);
	if (pv_access(si->plat, "/proc/xen", F_OK) == 0)
		sys_saw(si, &pv_hv_xen, RANK_FIRMWARE, "proc_xen",
		    "/proc/xen");
}

static void
sys_vmbus(struct sys_ident *si)
{
	struct dirent **ents;
	size_t i, n, devs = 0;

	if (pv_scandir(si->plat, VMBUS_DEVICES, &ents, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		devs += ents[i]->d_name[0] != '.';
		free(ents[i]);
	}
	free(ents);
	sys_saw(si, &pv_hv_hyperv, RANK_FIRMWARE, "vmbus", VMBUS_DEVICES
	    " %zu device%s", devs, devs == 1 ? "" : "s");
}

/*
 * The PTP clocks drivers made: ptp_kvm's after KVM's SMCCC PTP service
 * answered (Linux drivers/ptp/ptp_kvm_common.c), hv_utils' from Hyper-V's
 * time sync (drivers/hv/hv_util.c); udev names them /dev/ptp_kvm and
 * /dev/ptp_hyperv.  A NIC's clock says nothing about a hypervisor.
 */
static const struct {
	const char		*name;
	const struct pv_hv_ops	*hv;
} ptp_clocks[] = {
	{ "KVM virtual PTP", &pv_hv_kvm },
	{ "hyperv", &pv_hv_hyperv },
};

static void
sys_ptp(struct sys_ident *si)
{
	struct dirent **ents;
	char path[PATH_MAX], name[64];
	size_t i, j, n;

	if (pv_scandir(si->plat, PTP_CLASS, &ents, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), PTP_CLASS "/%s/clock_name",
		    ents[i]->d_name) < (int)sizeof(path) &&
		    pv_read_text(si->plat, path, name, sizeof(name)) == 0) {
			for (j = 0; j < nitems(ptp_clocks); j++)
				if (strcmp(name, ptp_clocks[j].name) == 0)
					break;
			if (j < nitems(ptp_clocks))
				sys_saw(si, ptp_clocks[j].hv, RANK_FIRMWARE,
				    "ptp_clock", "%s \"%s\"", path, name);
			else
				pv_evidence(si->bus, "%s%s \"%.32s\": a "
				    "device's clock, not a hypervisor's",
				    si->prefix, path, name);
		}
		free(ents[i]);
	}
	free(ents);
}

/*
 * DMI: systemd's vendor table (lib/ident.c) for the names, and Hyper-V's
 * "Microsoft Corporation" "Virtual Machine", which systemd leaves to CPUID.
 * EC2 metal instances are no guests (ident.c's pv_dmi_amazon_metal()).
 */
static const struct {
	const char		*file;
	const char		*prefix;
	const struct pv_hv_ops	*hv;
} dmi_types[] = {
	{ "product_name", "KVM", &pv_hv_kvm },
	{ "product_name", "OpenStack", &pv_hv_kvm },
	{ "product_name", "KubeVirt", &pv_hv_kvm },
	{ "product_name", "Google Compute Engine", &pv_hv_kvm },
	{ "product_name", "VMware", &pv_hv_vmware },
	{ "product_name", "VirtualBox", &pv_hv_virtualbox },
	{ "product_name", "Parallels", &pv_hv_parallels },
	{ "product_name", "BHYVE", &pv_hv_bhyve },
	{ "product_name", "Apple Virtualization", &pv_hv_apple },
	{ "sys_vendor", "Amazon EC2", &pv_hv_kvm },
	{ "sys_vendor", "OpenStack", &pv_hv_kvm },
	{ "sys_vendor", "QEMU", &pv_hv_qemu },
	{ "sys_vendor", "VMware", &pv_hv_vmware },
	{ "sys_vendor", "innotek GmbH", &pv_hv_virtualbox },
	{ "sys_vendor", "Xen", &pv_hv_xen },
	{ "sys_vendor", "Parallels", &pv_hv_parallels },
	{ "sys_vendor", "Microsoft Corporation", &pv_hv_hyperv },
	{ "bios_vendor", "Xen", &pv_hv_xen },
	{ "bios_vendor", "Amazon EC2", &pv_hv_kvm },
};

static void
sys_dmi(struct sys_ident *si)
{
	char path[PATH_MAX], buf[128], product[128];
	size_t i;

	for (i = 0; i < nitems(dmi_types); i++) {
		snprintf(path, sizeof(path), DMI_ID "/%s", dmi_types[i].file);
		if (pv_read_text(si->plat, path, buf, sizeof(buf)) != 0 ||
		    strncmp(buf, dmi_types[i].prefix,
		    strlen(dmi_types[i].prefix)) != 0)
			continue;
		/* Microsoft's hardware says so too: only its VMs count. */
		if (dmi_types[i].hv == &pv_hv_hyperv &&
		    (pv_read_text(si->plat, DMI_ID "/product_name", product,
		    sizeof(product)) != 0 ||
		    strcmp(product, "Virtual Machine") != 0))
			continue;
		if (strcmp(dmi_types[i].prefix, "Amazon EC2") == 0 &&
		    pv_dmi_amazon_metal(si->bus, 0)) {
			pv_evidence(si->bus, "%s%s \"%s\": an EC2 metal "
			    "instance, no guest", si->prefix, path, buf);
			return;
		}
		sys_saw(si, dmi_types[i].hv, RANK_DMI, "dmi", "%s \"%.64s\"",
		    path, buf);
		return;
	}
}

/* Xen's version as the kernel has it: major.minor and the extra text. */
static void
sys_xen_version(const struct pv_platform *plat, struct pv_unit *u)
{
	char major[16], minor[16], extra[16];

	if (pv_read_text(plat, SYS_HV_VERSION "/major", major,
	    sizeof(major)) != 0 ||
	    pv_read_text(plat, SYS_HV_VERSION "/minor", minor,
	    sizeof(minor)) != 0)
		return;
	if (pv_read_text(plat, SYS_HV_VERSION "/extra", extra,
	    sizeof(extra)) != 0)
		extra[0] = '\0';
	snprintf(u->version, sizeof(u->version), "%s.%s%s", major, minor,
	    extra);
}

/* Whether evidence for SEEN speaks for a unit of type HV. */
static int
supports(const struct sys_seen *seen, const struct pv_hv_ops *hv)
{
	return (seen->hv == NULL || seen->hv == hv ||
	    (hv == &pv_hv_kvm && seen->hv == &pv_hv_qemu));
}

static int
has_attr(const struct pv_unit *u, const char *name)
{
	size_t i;

	for (i = 0; i < u->nattrs; i++)
		if (strcmp(u->attrs[i].name, name) == 0)
			return (1);
	return (0);
}

void
pv_sys_identify(struct pvbus *bus, int make_unit)
{
	struct sys_ident si;
	const struct sys_seen *best = NULL, *s;
	struct pv_unit *u;
	size_t i;

	memset(&si, 0, sizeof(si));
	si.bus = bus;
	si.plat = &bus->plat;
	si.prefix = make_unit ? "" : "cross-check: ";
	sys_dt_hypervisor(&si);
	sys_fadt(&si);
	sys_xen(&si);
	sys_vmbus(&si);
	sys_ptp(&si);
	sys_dt_machine(&si);
	sys_fwcfg(&si);
	sys_dmi(&si);

	if (!make_unit) {
		if (si.nseen > 0)
			pv_evidence(bus, "cross-check: CPUID shows no "
			    "hypervisor, and on a CPU with CPUID units come "
			    "from it alone: the evidence above makes none");
		return;
	}
	/* Whatever was seen, it was a virtual machine's. */
	bus->ident->sys_vm = si.nseen > 0;
	for (i = 0; i < si.nseen; i++) {
		s = &si.seen[i];
		if (s->hv != NULL && (best == NULL || s->rank > best->rank ||
		    (s->rank == best->rank && best->hv == &pv_hv_unknown &&
		    s->hv != &pv_hv_unknown)))
			best = s;
	}
	if (best == NULL) {
		pv_evidence(bus, "native: none: %s", si.nseen > 0 ?
		    "the evidence names no hypervisor" :
		    "no firmware or kernel evidence of a hypervisor");
		return;
	}
	/* KVM's evidence over QEMU's device: QEMU with KVM, fw_cfg and all. */
	if (best->hv == &pv_hv_qemu)
		for (i = 0; i < si.nseen; i++)
			if (si.seen[i].hv == &pv_hv_kvm) {
				best = &si.seen[i];
				break;
			}
	u = &bus->units[0];
	memset(u, 0, sizeof(*u));
	u->hv = best->hv;
	bus->nunits = 1;
	pv_evidence(bus, "native = pvbus0 %s: %s evidence, the highest rank "
	    "seen (%s)", u->hv->name, rank_names[best->rank], best->value);
	for (i = 0; i < si.nseen; i++) {
		s = &si.seen[i];
		if (!supports(s, u->hv))
			pv_evidence(bus, "native: %s says %s, outranked",
			    s->value, s->hv->name);
		else if (!has_attr(u, s->attr))
			(void)pv_attr_string(u, s->attr, "%s", s->value);
	}
	if (u->hv == &pv_hv_xen)
		sys_xen_version(si.plat, u);
}

/* systemd's names for the types a unit without CPUID can have. */
static const struct {
	const struct pv_hv_ops	*hv;
	const char		*name;
} vm_names[] = {
	{ &pv_hv_xen, "xen" },
	{ &pv_hv_kvm, "kvm" },
	{ &pv_hv_qemu, "qemu" },
	{ &pv_hv_hyperv, "microsoft" },
	{ &pv_hv_vmware, "vmware" },
	{ &pv_hv_virtualbox, "oracle" },
	{ &pv_hv_parallels, "parallels" },
	{ &pv_hv_bhyve, "bhyve" },
	{ &pv_hv_apple, "apple" },
};

const char *
pv_sys_vm_name(const struct pv_unit *u)
{
	size_t i;

	for (i = 0; i < nitems(vm_names); i++)
		if (vm_names[i].hv == u->hv)
			return (vm_names[i].name);
	return ("vm-other");
}
