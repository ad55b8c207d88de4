/*
 * hvsim internals shared by the supervisor (hvsim.c), the CPUID tables
 * (profiles.c) and the CPUID patcher (patch.c).
 */
#ifndef HVSIM_SIM_H
#define HVSIM_SIM_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HVSIM_HV_FIRST	0x40000000u	/* the hypervisor CPUID range */
#define HVSIM_HV_LAST	0x4fffffffu

/* One CPUID answer; anysub: the leaf ignores ECX. */
struct hvsim_leaf {
	uint32_t	leaf, subleaf;
	int		anysub;
	uint32_t	r[4];		/* eax, ebx, ecx, edx */
};

/* A named machine: the CPUID leaves it defines and the models it enables. */
struct hvsim_profile {
	const char		*name;
	const char		*desc;
	int			 hypervisor;	/* leaf 1 ECX bit 31 */
	const char *const	*models;	/* NULL-terminated */
	const struct hvsim_leaf	*leaves;
	size_t			 nleaves;
};

/* A growable list of leaves; the first match wins. */
struct hvsim_leaves {
	struct hvsim_leaf	*v;
	size_t			 n, cap;
};

/* Everything that decides a CPUID answer. */
struct hvsim_cpu {
	const struct hvsim_profile	*profile;
	struct hvsim_leaves		 over;	/* --cpuid, last given first */
	struct hvsim_leaves		 file;	/* --cpuid-file */
};

extern const struct hvsim_profile hvsim_profiles[];

/* The profile called NAME, or NULL. */
const struct hvsim_profile *hvsim_profile_find(const char *name);
/* Whether the profile enables the model called NAME. */
int	hvsim_profile_has_model(const struct hvsim_profile *,
	    const char *name);
/* Parse "LEAF[.SUB]=EAX,EBX,ECX,EDX" (hex); 0 or -1 with errno EINVAL. */
int	hvsim_leaf_parse(const char *arg, struct hvsim_leaf *);
/* Put a leaf at the front of the list; 0 or -1 (ENOMEM). */
int	hvsim_leaves_push(struct hvsim_leaves *, const struct hvsim_leaf *);
/*
 * Read a `cpuid -r` dump (the first CPU's block) into the list.  0, or -1
 * with a message in err.
 */
int	hvsim_leaves_load(struct hvsim_leaves *, const char *path, char *err,
	    size_t errlen);
void	hvsim_leaves_free(struct hvsim_leaves *);
/* The answer the emulated machine gives to CPUID LEAF/SUB. */
void	hvsim_cpuid_answer(const struct hvsim_cpu *, uint32_t leaf,
	    uint32_t sub, uint32_t r[4]);

/*
 * Patching CPUID instructions to int3 in the traced program (for CPUs
 * without CPUID faulting).  An address space remembers where it was patched.
 */
struct hvsim_mm {
	int		 refs;
	uint64_t	*sites;		/* sorted addresses of patched CPUIDs */
	size_t		 n, cap;
};

struct hvsim_mm	*hvsim_mm_new(void);
/* A copy for a forked child (same patched code, own memory). */
struct hvsim_mm	*hvsim_mm_copy(const struct hvsim_mm *);
void	hvsim_mm_put(struct hvsim_mm *);
int	hvsim_mm_has(const struct hvsim_mm *, uint64_t addr);
/* Open the disassembler; 0 or -1 with a message in err. */
int	hvsim_patch_init(char *err, size_t errlen);
void	hvsim_patch_fini(void);
/*
 * Patch every CPUID in the executable file mappings of PID that overlap
 * [lo, hi); 0 or -1 with errno.
 */
int	hvsim_patch_range(pid_t pid, struct hvsim_mm *, uint64_t lo,
	    uint64_t hi);

#endif /* HVSIM_SIM_H */
