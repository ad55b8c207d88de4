/*
 * The machines hvsim emulates and the CPUID answers they give.
 *
 * Values come from real CPUID dumps where one exists (the files under
 * cpuid-dumps/ of the project's shared reference material, named per
 * profile) and otherwise from the hypervisor's own source, named per
 * profile.  Only the hypervisor range (0x40000000-0x4fffffff) is defined,
 * and for the confidential VMs the vendor and memory-encryption leaves:
 * other leaves pass through to the real CPU so that the program's libc
 * sees the features this CPU really has.
 */
#include <sys/types.h>
#include <cpuid.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

/* A leaf that ignores ECX, and one subleaf of a leaf; then EAX..EDX. */
#define ANY(l, ...)		{ (l), 0, 1, { __VA_ARGS__ } }
#define SUB(l, s, ...)		{ (l), (s), 0, { __VA_ARGS__ } }
#define NELEM(a)		(sizeof(a) / sizeof((a)[0]))

/* Signatures as EBX, ECX, EDX. */
#define SIG_KVM		0x4b4d564b, 0x564b4d56, 0x0000004d	/* KVMKVMKVM */
#define SIG_HV		0x7263694d, 0x666f736f, 0x76482074	/* Microsoft Hv */
#define SIG_XEN		0x566e6558, 0x65584d4d, 0x4d4d566e	/* XenVMMXenVMM */
#define SIG_VMWARE	0x61774d56, 0x4d566572, 0x65726177	/* VMwareVMware */
#define SIG_BHYVE	0x76796862, 0x68622065, 0x20657679	/* bhyve bhyve */
#define SIG_OPENBSD	0x6e65704f, 0x56445342, 0x38354d4d	/* OpenBSDVMM58 */
#define SIG_TCG		0x54474354, 0x43544743, 0x47435447	/* TCGTCGTCGTCG */

/*
 * KVM: 0x40000000 from cpuid-dumps/kvm-qemu-6.0dev-cpu-host-i7-8650U.txt;
 * 0x40000001 EAX is what KVM answers on the project's machines (0x01007efb;
 * the dump's older host has 0x01007afb).
 */
static const struct hvsim_leaf kvm_leaves[] = {
	ANY(0x40000000, 0x40000001, SIG_KVM),
	ANY(0x40000001, 0x01007efb, 0, 0, 0),
};

/* Hyper-V (Azure): cpuid-dumps/hyperv-azure-2023-icelake.txt, verbatim. */
static const struct hvsim_leaf hyperv_leaves[] = {
	ANY(0x40000000, 0x4000000a, SIG_HV),
	ANY(0x40000001, 0x31237648, 0, 0, 0),
	ANY(0x40000002, 0x00004f7c, 0x000a0000, 0x00000001, 0x000005b6),
	ANY(0x40000003, 0x00002e7f, 0x003b8030, 0x00000002, 0x000ed7b2),
	ANY(0x40000004, 0x00064e24, 0x00000fff, 0x0000002e, 0),
	ANY(0x40000005, 0x000000f0, 0x00000400, 0x00005d00, 0),
	ANY(0x40000006, 0x0000000f, 0, 0, 0),
	ANY(0x40000007, 0, 0, 0, 0),
	ANY(0x40000008, 0, 0, 0, 0),
	ANY(0x40000009, 0, 0, 0, 0),
	ANY(0x4000000a, 0x000e0101, 0, 0, 0),
};

/*
 * KVM with Hyper-V enlightenments: 0x40000000-0x40000005 from
 * cpuid-dumps/kvm-qemu-hv-enlightenments-i9-13900K.txt.  That dump did not
 * probe 0x40000100; QEMU (target/i386/kvm/kvm.c) moves KVM's leaves to
 * KVM_CPUID_SIGNATURE_NEXT = 0x40000100 when Hyper-V is on, with EAX the
 * highest KVM leaf there (0x40000101).
 */
static const struct hvsim_leaf kvm_hyperv_leaves[] = {
	ANY(0x40000000, 0x40000005, SIG_HV),
	ANY(0x40000001, 0x31237648, 0, 0, 0),
	ANY(0x40000002, 0x00003839, 0x000a0000, 0, 0),
	ANY(0x40000003, 0x00000262, 0, 0, 0x00000008),
	ANY(0x40000004, 0x00000020, 0xffffffff, 0, 0),
	ANY(0x40000005, 0xffffffff, 0x00000040, 0, 0),
	ANY(0x40000100, 0x40000101, SIG_KVM),
	ANY(0x40000101, 0x01007efb, 0, 0, 0),
};

/*
 * Xen 4.11 HVM (AWS c3.large): cpuid-dumps/xen-4.11-aws-c3.large.txt,
 * verbatim; leaf 0x40000003 (TSC info) has subleaves.
 */
static const struct hvsim_leaf xen_leaves[] = {
	ANY(0x40000000, 0x40000005, SIG_XEN),
	ANY(0x40000001, 0x0004000b, 0, 0, 0),
	ANY(0x40000002, 0x00000001, 0x40000000, 0, 0),
	SUB(0x40000003, 0, 0x00000006, 0x00000002, 0x002a9f50, 0x00000001),
	SUB(0x40000003, 2, 0x1387329d, 0x00f6b809, 0xb74bc70a, 0xffffffff),
	ANY(0x40000004, 0x0000001c, 0, 0x00002b86, 0),
	ANY(0x40000005, 0, 0, 0, 0),
};

/*
 * Xen with Viridian: no public dump exists.  0x40000000-0x40000006 follow
 * Xen's xen/arch/x86/hvm/viridian/viridian.c (cpuid_viridian_leaves) for a
 * guest that has not yet set its OS id (leaves 2 and 4 stay zero; leaf 3:
 * AccessIntrCtrlRegs, AccessHypercallMsrs, AccessVpIndex,
 * AccessFrequencyRegs).  Xen's own leaves then start at 0x40000100
 * (xen/include/public/arch-x86/cpuid.h) with the hypercall MSR base moved to
 * 0x40000200 (xen/arch/x86/cpuid.c); their values are the Xen 4.11 dump's.
 */
static const struct hvsim_leaf xen_viridian_leaves[] = {
	ANY(0x40000000, 0x40000006, SIG_HV),
	ANY(0x40000001, 0x31237648, 0, 0, 0),
	ANY(0x40000003, 0x00000870, 0, 0, 0),
	ANY(0x40000100, 0x40000105, SIG_XEN),
	ANY(0x40000101, 0x0004000b, 0, 0, 0),
	ANY(0x40000102, 0x00000001, 0x40000200, 0, 0),
	SUB(0x40000103, 0, 0x00000006, 0x00000002, 0x002a9f50, 0x00000001),
	SUB(0x40000103, 2, 0x1387329d, 0x00f6b809, 0xb74bc70a, 0xffffffff),
	ANY(0x40000104, 0x0000001c, 0, 0x00002b86, 0),
};

/*
 * VMware: cpuid-dumps/vmware-xeon-E5-2670v3-server.txt (0x40000001 to
 * 0x4000000f are zero there, as every undefined hypervisor leaf is here).
 */
static const struct hvsim_leaf vmware_leaves[] = {
	ANY(0x40000000, 0x40000010, SIG_VMWARE),
	ANY(0x40000010, 0x00230dfb, 0x000101d0, 0, 0),
};

/*
 * bhyve: no public dump exists; FreeBSD sys/amd64/vmm/x86.c
 * (x86_emulate_cpuid): CPUID_VM_HIGH = 0x40000001 at the base and
 * CPUID_BHYVE_FEAT_EXT_DEST_ID in 0x40000001 EAX.
 */
static const struct hvsim_leaf bhyve_leaves[] = {
	ANY(0x40000000, 0x40000001, SIG_BHYVE),
	ANY(0x40000001, 0x00000001, 0, 0, 0),
};

/*
 * OpenBSD vmm: no public dump exists; OpenBSD
 * sys/arch/amd64/amd64/vmm_machdep.c (vmm_handle_cpuid): EAX 0 at the base,
 * and KVM_FEATURE_CLOCKSOURCE2 | KVM_FEATURE_CLOCKSOURCE_STABLE_BIT in
 * 0x40000001 (a host with a known TSC frequency).
 */
static const struct hvsim_leaf openbsd_leaves[] = {
	ANY(0x40000000, 0, SIG_OPENBSD),
	ANY(0x40000001, 0x01000008, 0, 0, 0),
};

/*
 * QEMU TCG: no public dump exists; QEMU target/i386/cpu.c (cpu_x86_cpuid,
 * tcg-cpuid on by default): EAX 0x40000001 at the base, 0x40000001 zero.
 */
static const struct hvsim_leaf tcg_leaves[] = {
	ANY(0x40000000, 0x40000001, SIG_TCG),
	ANY(0x40000001, 0, 0, 0, 0),
};

/*
 * Confidential VMs.  The vendor leaves are the CPU makers' ("AuthenticAMD",
 * "GenuineIntel"; AMD also at 0x80000000).  An SEV guest of QEMU sees
 * 0x8000001F EAX = SEV (bit 1), | SEV-ES (bit 3), | SEV-SNP (bit 4) and EBX
 * = C-bit position | reduced physical address bits << 6 (QEMU
 * target/i386/cpu.c, cpu_x86_cpuid; 51 and 1, as on EPYC Genoa); which one
 * is active is in the SEV_STATUS MSR, which hvsim cannot answer: tests give
 * it as a /dev/cpu/0/msr file under a root.  A TD sees leaf 0x21 EBX, EDX,
 * ECX = "IntelTDX    " from the TDX module (Linux arch/x86/coco/tdx/tdx.c),
 * the hypervisor's leaves from KVM.
 */
#define VENDOR_AMD	0x68747541, 0x444d4163, 0x69746e65	/* EBX ECX EDX */
#define VENDOR_INTEL	0x756e6547, 0x6c65746e, 0x49656e69
#define AMD_LEAVES(memenc)						\
	ANY(0x00000000, 0x00000010, VENDOR_AMD),			\
	ANY(0x80000000, 0x80000021, VENDOR_AMD),			\
	ANY(0x8000001f, (memenc), 0x00000073, 0, 0)

static const struct hvsim_leaf kvm_sev_leaves[] = {
	AMD_LEAVES(0x00000002),
	ANY(0x40000000, 0x40000001, SIG_KVM),
	ANY(0x40000001, 0x01007efb, 0, 0, 0),
};

static const struct hvsim_leaf kvm_sev_es_leaves[] = {
	AMD_LEAVES(0x0000000a),
	ANY(0x40000000, 0x40000001, SIG_KVM),
	ANY(0x40000001, 0x01007efb, 0, 0, 0),
};

static const struct hvsim_leaf kvm_sev_snp_leaves[] = {
	AMD_LEAVES(0x0000001a),
	ANY(0x40000000, 0x40000001, SIG_KVM),
	ANY(0x40000001, 0x01007efb, 0, 0, 0),
};

/* "Inte", "lTDX", "    " in EBX, EDX, ECX. */
static const struct hvsim_leaf kvm_tdx_leaves[] = {
	ANY(0x00000000, 0x00000023, VENDOR_INTEL),
	SUB(0x00000021, 0, 0, 0x65746e49, 0x20202020, 0x5844546c),
	ANY(0x40000000, 0x40000001, SIG_KVM),
	ANY(0x40000001, 0x01007efb, 0, 0, 0),
};

/*
 * Azure's isolated partitions: the Azure dump above with the isolation
 * privilege (0x40000003 EBX bit 22) and the isolation leaf 0x4000000C: EAX
 * bit 0 a paravisor, EBX[3:0] 2 SNP or 3 TDX (Linux
 * arch/x86/kernel/cpu/mshyperv.c); the CPU's own leaves hidden, as systemd's
 * confidential-virt.c says Azure does.
 */
#define AZURE_ISOLATED_LEAVES(type)					\
	ANY(0x40000000, 0x4000000c, SIG_HV),				\
	ANY(0x40000001, 0x31237648, 0, 0, 0),				\
	ANY(0x40000002, 0x00004f7c, 0x000a0000, 0x00000001, 0x000005b6), \
	ANY(0x40000003, 0x00002e7f, 0x007b8030, 0x00000002, 0x000ed7b2), \
	ANY(0x40000004, 0x00064e24, 0x00000fff, 0x0000002e, 0),	\
	ANY(0x40000005, 0x000000f0, 0x00000400, 0x00005d00, 0),	\
	ANY(0x40000006, 0x0000000f, 0, 0, 0),				\
	ANY(0x4000000a, 0x000e0101, 0, 0, 0),				\
	ANY(0x4000000c, 0x00000001, (type), 0, 0)

static const struct hvsim_leaf azure_snp_leaves[] = {
	ANY(0x00000000, 0x00000010, VENDOR_AMD),
	ANY(0x80000000, 0x80000021, VENDOR_AMD),
	ANY(0x8000001f, 0, 0, 0, 0),
	AZURE_ISOLATED_LEAVES(2),
};

static const struct hvsim_leaf azure_tdx_leaves[] = {
	ANY(0x00000000, 0x00000023, VENDOR_INTEL),
	ANY(0x00000021, 0, 0, 0, 0),
	AZURE_ISOLATED_LEAVES(3),
};

static const char *const no_models[] = { NULL };
/* Only models that are built (models.c); hvsim refuses to start otherwise. */
static const char *const qemu_models[] = { "debugcon", NULL };
static const char *const vmware_models[] = { "vmware", NULL };

#define LEAVES(a)	(a), NELEM(a)

const struct hvsim_profile hvsim_profiles[] = {
	{ "none", "no hypervisor", 0, no_models, NULL, 0 },
	{ "kvm", "QEMU/KVM", 1, qemu_models, LEAVES(kvm_leaves) },
	{ "hyperv", "Hyper-V (Azure)", 1, no_models, LEAVES(hyperv_leaves) },
	{ "kvm+hyperv", "QEMU/KVM with Hyper-V enlightenments", 1,
	    qemu_models, LEAVES(kvm_hyperv_leaves) },
	{ "xen", "Xen HVM", 1, no_models, LEAVES(xen_leaves) },
	{ "xen+viridian", "Xen HVM with Viridian", 1, no_models,
	    LEAVES(xen_viridian_leaves) },
	{ "vmware", "VMware", 1, vmware_models, LEAVES(vmware_leaves) },
	{ "bhyve", "FreeBSD bhyve", 1, no_models, LEAVES(bhyve_leaves) },
	{ "openbsd", "OpenBSD vmm", 1, no_models, LEAVES(openbsd_leaves) },
	{ "tcg", "QEMU TCG", 1, qemu_models, LEAVES(tcg_leaves) },
	{ "kvm+sev", "QEMU/KVM, AMD SEV guest", 1, qemu_models,
	    LEAVES(kvm_sev_leaves) },
	{ "kvm+sev-es", "QEMU/KVM, AMD SEV-ES guest", 1, qemu_models,
	    LEAVES(kvm_sev_es_leaves) },
	{ "kvm+sev-snp", "QEMU/KVM, AMD SEV-SNP guest", 1, qemu_models,
	    LEAVES(kvm_sev_snp_leaves) },
	{ "kvm+tdx", "QEMU/KVM, Intel TDX guest", 1, qemu_models,
	    LEAVES(kvm_tdx_leaves) },
	{ "azure+snp", "Azure SEV-SNP isolated partition", 1, no_models,
	    LEAVES(azure_snp_leaves) },
	{ "azure+tdx", "Azure TDX isolated partition", 1, no_models,
	    LEAVES(azure_tdx_leaves) },
	{ NULL, NULL, 0, NULL, NULL, 0 }
};

const struct hvsim_profile *
hvsim_profile_find(const char *name)
{
	const struct hvsim_profile *p;

	for (p = hvsim_profiles; p->name != NULL; p++)
		if (strcmp(p->name, name) == 0)
			return (p);
	return (NULL);
}

int
hvsim_profile_has_model(const struct hvsim_profile *p, const char *name)
{
	const char *const *m;

	for (m = p->models; *m != NULL; m++)
		if (strcmp(*m, name) == 0)
			return (1);
	return (0);
}

/*
 * A hex number ending at one of the characters in END, or at the end of
 * the string when END is empty; 0 or -1.
 */
static int
parse_hex(const char **sp, const char *end, uint32_t *v)
{
	const char *s = *sp;
	char *e;
	unsigned long long n;

	if (!isxdigit((unsigned char)*s))
		return (-1);
	errno = 0;
	n = strtoull(s, &e, 16);
	if (errno != 0 || n > UINT32_MAX || e == s)
		return (-1);
	if (*end == '\0' ? *e != '\0' : *e == '\0' || strchr(end, *e) == NULL)
		return (-1);
	*v = (uint32_t)n;
	*sp = e;
	return (0);
}

int
hvsim_leaf_parse(const char *arg, struct hvsim_leaf *l)
{
	const char *s = arg;
	int i;

	memset(l, 0, sizeof(*l));
	l->anysub = 1;
	if (parse_hex(&s, ".=", &l->leaf) == -1)
		goto bad;
	if (*s == '.') {
		s++;
		if (parse_hex(&s, "=", &l->subleaf) == -1)
			goto bad;
		l->anysub = 0;
	}
	s++;
	for (i = 0; i < 4; i++) {
		if (parse_hex(&s, i < 3 ? "," : "", &l->r[i]) == -1)
			goto bad;
		if (i < 3)
			s++;
	}
	return (0);
bad:
	errno = EINVAL;
	return (-1);
}

int
hvsim_leaves_push(struct hvsim_leaves *ls, const struct hvsim_leaf *l)
{
	struct hvsim_leaf *v;
	size_t cap;

	if (ls->n == ls->cap) {
		cap = ls->cap ? ls->cap * 2 : 16;
		if ((v = reallocarray(ls->v, cap, sizeof(*v))) == NULL)
			return (-1);
		ls->v = v;
		ls->cap = cap;
	}
	memmove(ls->v + 1, ls->v, ls->n * sizeof(*ls->v));
	ls->v[0] = *l;
	ls->n++;
	return (0);
}

void
hvsim_leaves_free(struct hvsim_leaves *ls)
{
	free(ls->v);
	memset(ls, 0, sizeof(*ls));
}

/*
 * `cpuid -r` prints subleaf 0 for leaves that have no subleaves, and
 * programs often leave ECX unset for those: a leaf listed once, at subleaf
 * 0, answers every subleaf.
 */
static void
mark_anysub(struct hvsim_leaves *ls)
{
	size_t i, j, count;

	for (i = 0; i < ls->n; i++) {
		count = 0;
		for (j = 0; j < ls->n; j++)
			if (ls->v[j].leaf == ls->v[i].leaf)
				count++;
		ls->v[i].anysub = count == 1 && ls->v[i].subleaf == 0;
	}
}

int
hvsim_leaves_load(struct hvsim_leaves *ls, const char *path, char *err,
    size_t errlen)
{
	FILE *f;
	char *line = NULL, *s;
	size_t size = 0;
	unsigned int lineno = 0, cpus = 0;
	struct hvsim_leaf l;
	int rc = -1;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	while (getline(&line, &size, f) != -1) {
		lineno++;
		for (s = line; isspace((unsigned char)*s); s++)
			continue;
		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "CPU", 3) == 0) {
			/* "CPU:" or "CPU N:": only the first CPU counts. */
			if (++cpus > 1)
				break;
			continue;
		}
		memset(&l, 0, sizeof(l));
		if (sscanf(s, "0x%" SCNx32 " 0x%" SCNx32 ": eax=0x%" SCNx32
		    " ebx=0x%" SCNx32 " ecx=0x%" SCNx32 " edx=0x%" SCNx32,
		    &l.leaf, &l.subleaf, &l.r[0], &l.r[1], &l.r[2],
		    &l.r[3]) != 6) {
			snprintf(err, errlen, "%s:%u: not a `cpuid -r` line",
			    path, lineno);
			goto out;
		}
		/* A leaf listed twice: the later line wins. */
		if (hvsim_leaves_push(ls, &l) == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
	}
	if (ferror(f)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (ls->n == 0) {
		snprintf(err, errlen, "%s: no CPUID leaves", path);
		goto out;
	}
	mark_anysub(ls);
	rc = 0;
out:
	free(line);
	fclose(f);
	return (rc);
}

static const struct hvsim_leaf *
find(const struct hvsim_leaf *v, size_t n, uint32_t leaf, uint32_t sub)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].leaf == leaf && !v[i].anysub && v[i].subleaf == sub)
			return (&v[i]);
	for (i = 0; i < n; i++)
		if (v[i].leaf == leaf && v[i].anysub)
			return (&v[i]);
	return (NULL);
}

static int
has_hv_leaf(const struct hvsim_leaves *ls)
{
	size_t i;

	for (i = 0; i < ls->n; i++)
		if (ls->v[i].leaf >= HVSIM_HV_FIRST &&
		    ls->v[i].leaf <= HVSIM_HV_LAST)
			return (1);
	return (0);
}

void
hvsim_cpuid_answer(const struct hvsim_cpu *cpu, uint32_t leaf, uint32_t sub,
    uint32_t r[4])
{
	const struct hvsim_leaf *l;
	int hv;

	if ((l = find(cpu->over.v, cpu->over.n, leaf, sub)) != NULL ||
	    (l = find(cpu->file.v, cpu->file.n, leaf, sub)) != NULL ||
	    (l = find(cpu->profile->leaves, cpu->profile->nleaves, leaf,
	    sub)) != NULL) {
		memcpy(r, l->r, 4 * sizeof(r[0]));
		return;
	}
	/* The real hypervisor of this machine must not show through. */
	if (leaf >= HVSIM_HV_FIRST && leaf <= HVSIM_HV_LAST) {
		memset(r, 0, 4 * sizeof(r[0]));
		return;
	}
	__cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
	if (leaf == 1) {
		hv = cpu->profile->hypervisor || has_hv_leaf(&cpu->over) ||
		    has_hv_leaf(&cpu->file);
		if (hv)
			r[2] |= 1u << 31;
		else
			r[2] &= ~(1u << 31);
	}
}
