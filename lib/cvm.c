/*
 * Confidential VMs, with systemd's names (src/basic/confidential-virt.c):
 *
 *   AMD   CPUID 0x8000001F EAX offers SEV (bit 1), SEV-ES (3), SEV-SNP (4);
 *         the SEV_STATUS MSR 0xC0010131 says which is active (bits 0, 1,
 *         2).  The guest reads that MSR from the CPU, the host cannot
 *         intercept it; Linux lets user space read it by pread(2) at the
 *         MSR's number on /dev/cpu/N/msr.  AMD APM vol. 2, 15.34.10.
 *   Intel CPUID 0x21 EBX, EDX, ECX = "IntelTDX    ", answered by the TDX
 *         module, not the host (Intel TDX module base spec, 11.2; Linux
 *         arch/x86/coco/tdx/tdx.c).
 *   Azure hides both from its isolated guests: Hyper-V's 0x40000003 EBX
 *         bit 22 (isolation) without bit 12 (cpu_management, the root's),
 *         then 0x4000000C EBX[3:0] = 1 VBS, 2 SNP, 3 TDX and EAX bit 0 a
 *         paravisor (Linux arch/x86/kernel/cpu/mshyperv.c,
 *         include/hyperv/hvgdk_mini.h).  That leaf comes from the host.
 *
 * Where the fact that would decide cannot be read the verdict is
 * "unknown", never a guess.
 */
#include <errno.h>
#include <string.h>

#include "ident.h"

#define CPUID_HV_PRESENT	(1u << 31)
#define CPUID_EXT_MAX		0x80000000u
#define CPUID_AMD_MEMENC	0x8000001fu
#define CPUID_TDX		0x21u
#define AMD_SEV			(1u << 1)
#define AMD_SEV_ES		(1u << 3)
#define AMD_SEV_SNP		(1u << 4)
#define MSR_SEV_STATUS		0xc0010131u
#define MSR_SEV			(1u << 0)
#define MSR_SEV_ES		(1u << 1)
#define MSR_SEV_SNP		(1u << 2)
#define HV_BASE			0x40000000u
#define HV_FEATURES		0x40000003u
#define HV_ISOLATION_CONFIG	0x4000000cu
#define HV_CPU_MANAGEMENT	(1u << 12)	/* EBX */
#define HV_ISOLATION		(1u << 22)	/* EBX */
#define HV_PARAVISOR		(1u << 0)	/* 0x4000000C EAX */
#define HV_ISO_TYPE_MASK	0xfu
#define HV_ISO_SNP		2u
#define HV_ISO_TDX		3u

static const char *const hv_iso_names[] = {
	"none", "VBS", "SNP", "TDX"
};

static const char *
iso_name(uint32_t type)
{
	return (type < 4 ? hv_iso_names[type] : "unknown");
}

/* Whether the dump answers LEAF; says so when it does not. */
static int
need(struct pvbus *bus, uint32_t leaf)
{
	if (pv_cpuid_has(&bus->plat, leaf))
		return (1);
	pv_evidence(bus, "cvm: cpuid 0x%08x: not in the dump", leaf);
	return (0);
}

static void
verdict(struct pvbus *bus, const char *cvm, const char *why)
{
	bus->ident->cvm = cvm;
	pv_evidence(bus, "cvm = %s: %s", cvm, why);
}

/*
 * Azure's isolated partitions.  1 when the isolation leaf reports TYPE, 0
 * when it reports something else or is absent, -1 when a leaf that would
 * decide is missing from the dump.
 */
static int
hyperv_isolated(struct pvbus *bus, uint32_t type)
{
	uint32_t r[4], max;

	if (!need(bus, HV_BASE))
		return (-1);
	pv_cpuid(&bus->plat, HV_BASE, 0, r);
	max = r[0];
	if (memcmp(&r[1], "Micr", 4) != 0 || memcmp(&r[2], "osof", 4) != 0 ||
	    memcmp(&r[3], "t Hv", 4) != 0) {
		pv_evidence(bus, "cvm: cpuid 0x40000000: not \"Microsoft Hv\": "
		    "no Hyper-V isolation");
		return (0);
	}
	if (max < HV_ISOLATION_CONFIG) {
		pv_evidence(bus, "cvm: cpuid 0x40000000: Hyper-V max leaf "
		    "0x%08x: no isolation leaf", max);
		return (0);
	}
	if (!need(bus, HV_FEATURES))
		return (-1);
	pv_cpuid(&bus->plat, HV_FEATURES, 0, r);
	if ((r[1] & HV_ISOLATION) == 0 || (r[1] & HV_CPU_MANAGEMENT) != 0) {
		pv_evidence(bus, "cvm: cpuid 0x40000003 ebx=0x%08x: %s",
		    r[1], (r[1] & HV_ISOLATION) == 0 ?
		    "no isolation privilege" :
		    "cpu_management: the root partition, not isolated");
		return (0);
	}
	if (!need(bus, HV_ISOLATION_CONFIG))
		return (-1);
	pv_cpuid(&bus->plat, HV_ISOLATION_CONFIG, 0, r);
	bus->ident->paravisor = (r[0] & HV_PARAVISOR) != 0;
	pv_evidence(bus, "cvm: cpuid 0x4000000c eax=0x%08x ebx=0x%08x: "
	    "Hyper-V isolation type %s%s (host-supplied)", r[0], r[1],
	    iso_name(r[1] & HV_ISO_TYPE_MASK),
	    bus->ident->paravisor ? ", paravisor present" : "");
	if ((r[1] & HV_ISO_TYPE_MASK) == type)
		return (1);
	bus->ident->paravisor = 0;
	return (0);
}

/* The CPU's own leaf says no; Azure may hide it behind Hyper-V's. */
static void
hyperv_fallback(struct pvbus *bus, uint32_t type, const char *cvm,
    const char *why)
{
	switch (hyperv_isolated(bus, type)) {
	case 1:
		verdict(bus, cvm, "Hyper-V isolation leaf 0x4000000c "
		    "(Azure hides the CPU's own leaf)");
		break;
	case 0:
		verdict(bus, "none", why);
		break;
	default:
		verdict(bus, "unknown", "the Hyper-V leaves that would decide "
		    "are not in the dump");
		break;
	}
}

static void
sev_status(struct pvbus *bus)
{
	uint64_t v = 0;
	size_t got;
	int error;

	if (!pv_cpuid_is_live(&bus->plat) && bus->plat.root[0] == '\0') {
		pv_evidence(bus, "cvm: SEV_STATUS not read: CPUID comes from "
		    "a dump and no root was given for its /dev/cpu/0/msr");
		verdict(bus, "unknown", "SEV offered but SEV_STATUS unread");
		return;
	}
	error = pv_read_at(&bus->plat, "/dev/cpu/0/msr", MSR_SEV_STATUS, &v,
	    sizeof(v), &got);
	if (error != 0) {
		pv_evidence(bus, "cvm: /dev/cpu/0/msr: %s (the msr module, "
		    "and root, are needed to read SEV_STATUS)",
		    strerror(error));
		verdict(bus, "unknown", "SEV offered but SEV_STATUS unreadable");
		return;
	}
	if (got != sizeof(v)) {
		pv_evidence(bus, "cvm: /dev/cpu/0/msr: %zu of 8 bytes at "
		    "0x%08x: malformed MSR file", got, MSR_SEV_STATUS);
		verdict(bus, "unknown", "SEV offered but SEV_STATUS malformed");
		return;
	}
	pv_evidence(bus, "cvm: /dev/cpu/0/msr 0x%08x (SEV_STATUS) = "
	    "0x%016llx", MSR_SEV_STATUS, (unsigned long long)v);
	/* SNP implies ES implies SEV: test the strongest first. */
	if (v & MSR_SEV_SNP)
		verdict(bus, "sev-snp", "SEV_STATUS bit 2, SEV-SNP active");
	else if (v & MSR_SEV_ES)
		verdict(bus, "sev-es", "SEV_STATUS bit 1, SEV-ES active");
	else if (v & MSR_SEV)
		verdict(bus, "sev", "SEV_STATUS bit 0, SEV active");
	else
		verdict(bus, "none", "SEV_STATUS: no SEV active");
}

static void
amd(struct pvbus *bus)
{
	uint32_t r[4];

	if (!need(bus, CPUID_EXT_MAX)) {
		verdict(bus, "unknown", "the highest extended leaf is unknown");
		return;
	}
	pv_cpuid(&bus->plat, CPUID_EXT_MAX, 0, r);
	if (r[0] < CPUID_AMD_MEMENC) {
		pv_evidence(bus, "cvm: cpuid 0x80000000: highest extended "
		    "leaf 0x%08x, no 0x8000001f", r[0]);
		hyperv_fallback(bus, HV_ISO_SNP, "sev-snp",
		    "no encrypted-memory leaf");
		return;
	}
	if (!need(bus, CPUID_AMD_MEMENC)) {
		verdict(bus, "unknown", "leaf 0x8000001f is not in the dump");
		return;
	}
	pv_cpuid(&bus->plat, CPUID_AMD_MEMENC, 0, r);
	pv_evidence(bus, "cvm: cpuid 0x8000001f eax=0x%08x:%s%s%s%s", r[0],
	    r[0] & AMD_SEV ? " SEV" : "", r[0] & AMD_SEV_ES ? " SEV-ES" : "",
	    r[0] & AMD_SEV_SNP ? " SEV-SNP" : "",
	    r[0] & (AMD_SEV | AMD_SEV_ES | AMD_SEV_SNP) ? " offered" :
	    " no SEV offered");
	if ((r[0] & AMD_SEV) == 0) {
		hyperv_fallback(bus, HV_ISO_SNP, "sev-snp",
		    "cpuid 0x8000001f offers no SEV");
		return;
	}
	sev_status(bus);
}

static void
intel(struct pvbus *bus)
{
	uint32_t r[4];
	char sig[13];

	pv_cpuid(&bus->plat, 0, 0, r);
	if (r[0] < CPUID_TDX) {
		pv_evidence(bus, "cvm: cpuid 0x00000000: highest leaf 0x%08x, "
		    "no 0x21", r[0]);
		hyperv_fallback(bus, HV_ISO_TDX, "tdx", "no TDX leaf");
		return;
	}
	if (!need(bus, CPUID_TDX)) {
		verdict(bus, "unknown", "leaf 0x21 is not in the dump");
		return;
	}
	pv_cpuid(&bus->plat, CPUID_TDX, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[3], 4);
	memcpy(sig + 8, &r[2], 4);
	sig[12] = '\0';
	if (memcmp(sig, "IntelTDX    ", 12) == 0) {
		pv_evidence(bus, "cvm: cpuid 0x00000021: \"IntelTDX    \" "
		    "(answered by the TDX module, not the host)");
		verdict(bus, "tdx", "cpuid 0x21 \"IntelTDX    \"");
		return;
	}
	pv_evidence(bus, "cvm: cpuid 0x00000021: no \"IntelTDX    \"");
	hyperv_fallback(bus, HV_ISO_TDX, "tdx", "cpuid 0x21 is not TDX's");
}

void
pv_cvm_detect(struct pvbus *bus)
{
	uint32_t r[4];
	char vendor[13], text[64];

	bus->ident->cvm_done = 1;
	bus->ident->paravisor = 0;
	/* SEV and TDX are x86's; Arm's realms (CCA) are not known here. */
	if (!pv_cpuid_present(&bus->plat)) {
		verdict(bus, "none", "no CPUID: no x86 confidential VM");
		return;
	}
	if (!need(bus, 1)) {
		verdict(bus, "unknown", "leaf 1 is not in the dump");
		return;
	}
	pv_cpuid(&bus->plat, 1, 0, r);
	if ((r[2] & CPUID_HV_PRESENT) == 0) {
		verdict(bus, "none", "cpuid 0x00000001 has no hypervisor bit");
		return;
	}
	if (!need(bus, 0)) {
		verdict(bus, "unknown", "the CPU vendor is unknown");
		return;
	}
	pv_cpu_vendor(&bus->plat, vendor);
	pv_sig_text(vendor, text, sizeof(text));
	pv_evidence(bus, "cvm: cpuid 0x00000000: vendor \"%s\"", text);
	if (strcmp(vendor, "AuthenticAMD") == 0)
		amd(bus);
	else if (strcmp(vendor, "GenuineIntel") == 0)
		intel(bus);
	else
		verdict(bus, "none", "no confidential VM on this CPU vendor");
}
