/*
 * CPUID patching for CPUs without CPUID faulting: every CPUID instruction
 * (0F A2) in the program's executable file mappings becomes int3 (CC A2);
 * the supervisor answers the SIGTRAP that follows.  Instructions are found
 * with a real disassembler sweeping each executable section linearly, so a
 * 0F A2 inside another instruction or in data is left alone.
 */
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <capstone/capstone.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

/* The CPUID file offsets of one ELF file, found once per run. */
struct file_sites {
	dev_t			 dev;
	ino_t			 ino;
	off_t			 size;
	struct timespec		 mtime;
	uint64_t		*offs;
	size_t			 n, cap;
	struct file_sites	*next;
};

static csh			 cs;
static int			 cs_ready;
static struct file_sites	*cache;

int
hvsim_patch_init(char *err, size_t errlen)
{
	cs_err e;

	if (cs_ready)
		return (0);
	if ((e = cs_open(CS_ARCH_X86, CS_MODE_64, &cs)) != CS_ERR_OK) {
		snprintf(err, errlen, "capstone: %s", cs_strerror(e));
		return (-1);
	}
	cs_ready = 1;
	return (0);
}

void
hvsim_patch_fini(void)
{
	struct file_sites *f;

	while ((f = cache) != NULL) {
		cache = f->next;
		free(f->offs);
		free(f);
	}
	if (cs_ready)
		cs_close(&cs);
	cs_ready = 0;
}

static int
push_off(struct file_sites *f, uint64_t off)
{
	uint64_t *v;
	size_t cap;

	if (f->n == f->cap) {
		cap = f->cap ? f->cap * 2 : 32;
		if ((v = reallocarray(f->offs, cap, sizeof(*v))) == NULL)
			return (-1);
		f->offs = v;
		f->cap = cap;
	}
	f->offs[f->n++] = off;
	return (0);
}

/*
 * Function extents from the unwind table (.eh_frame_hdr), sorted by start;
 * virtual addresses.  A sweep may start at any of them: each is an
 * instruction boundary.
 */
struct funcs {
	uint64_t	*start, *end;
	size_t		 n;
};

static void
funcs_free(struct funcs *fn)
{
	free(fn->start);
	free(fn->end);
	memset(fn, 0, sizeof(*fn));
}

/* The file offset of virtual address VA, or -1. */
static int64_t
va_to_off(const Elf64_Shdr *sh, size_t shnum, uint64_t va, uint64_t len)
{
	size_t i;

	for (i = 0; i < shnum; i++)
		if (sh[i].sh_type != SHT_NOBITS && sh[i].sh_addr != 0 &&
		    va >= sh[i].sh_addr && len <= sh[i].sh_size &&
		    va - sh[i].sh_addr <= sh[i].sh_size - len)
			return (int64_t)(sh[i].sh_offset + (va - sh[i].sh_addr));
	return (-1);
}

static int32_t
rd32(const uint8_t *p)
{
	int32_t v;

	memcpy(&v, p, sizeof(v));
	return (v);
}

/*
 * Read the binary search table of .eh_frame_hdr in the encoding every
 * x86-64 toolchain writes (table: datarel sdata4; FDEs: pcrel sdata4).
 * Anything else leaves FN empty, and the caller sweeps whole sections.
 */
static void
load_funcs(const uint8_t *image, size_t size, const Elf64_Shdr *sh,
    size_t shnum, struct funcs *fn)
{
	const Elf64_Shdr *hdr = NULL;
	const uint8_t *h, *t;
	const char *names;
	uint64_t hva, fva, count, i;
	int64_t off;

	memset(fn, 0, sizeof(*fn));
	if (((const Elf64_Ehdr *)image)->e_shstrndx >= shnum ||
	    sh[((const Elf64_Ehdr *)image)->e_shstrndx].sh_offset >= size)
		return;
	names = (const char *)image +
	    sh[((const Elf64_Ehdr *)image)->e_shstrndx].sh_offset;
	for (i = 0; i < shnum; i++)
		if (sh[i].sh_name < 64 * 1024 && sh[i].sh_type == SHT_PROGBITS &&
		    (const uint8_t *)names + sh[i].sh_name + 14 <= image + size &&
		    strcmp(names + sh[i].sh_name, ".eh_frame_hdr") == 0)
			hdr = &sh[i];
	if (hdr == NULL || hdr->sh_offset > size || hdr->sh_size < 12 ||
	    hdr->sh_size > size - hdr->sh_offset)
		return;
	h = image + hdr->sh_offset;
	hva = hdr->sh_addr;
	if (h[0] != 1 || h[1] != 0x1b || h[2] != 0x03 || h[3] != 0x3b)
		return;
	count = (uint32_t)rd32(h + 8);
	if (count == 0 || count > (hdr->sh_size - 12) / 8)
		return;
	if ((fn->start = calloc(count, sizeof(*fn->start))) == NULL ||
	    (fn->end = calloc(count, sizeof(*fn->end))) == NULL)
		goto bad;
	for (i = 0, t = h + 12; i < count; i++, t += 8) {
		fn->start[i] = hva + rd32(t);
		fva = hva + rd32(t + 4);
		/* FDE: length, CIE pointer, pc_begin, pc_range. */
		if ((off = va_to_off(sh, shnum, fva, 16)) == -1 ||
		    (uint32_t)rd32(image + off) == 0xffffffff ||
		    fva + 8 + rd32(image + off + 8) != fn->start[i] ||
		    (i > 0 && fn->start[i] < fn->start[i - 1]))
			goto bad;
		fn->end[i] = fn->start[i] + (uint32_t)rd32(image + off + 12);
	}
	fn->n = count;
	return;
bad:
	funcs_free(fn);
}

/* A linear sweep in progress: where it started, and the next instruction. */
struct cursor {
	uint64_t	sync, pos;
};

/*
 * Whether the linear sweep from SYNC has an instruction at AT, and it is
 * CPUID.  Candidates come in ascending order: a sweep from the same SYNC
 * goes on where it stopped.
 */
static int
cpuid_at(const uint8_t *image, struct cursor *cur, uint64_t sync, uint64_t at,
    uint64_t end, cs_insn *insn)
{
	const uint8_t *code;
	size_t size;
	uint64_t addr;

	if (cur->sync != sync) {
		cur->sync = sync;
		cur->pos = sync;
	}
	if (cur->pos > at)
		return (0);	/* stepped over: inside another instruction */
	code = image + cur->pos;
	size = end - cur->pos;
	addr = cur->pos;
	while (size > 0 && addr <= at) {
		if (!cs_disasm_iter(cs, &code, &size, &addr, insn)) {
			/* Undecodable byte: step over it like a linear sweep. */
			code++;
			size--;
			addr++;
			continue;
		}
		if (insn->address == at) {
			cur->pos = addr;
			return (insn->id == X86_INS_CPUID);
		}
	}
	cur->pos = addr;
	return (0);
}

/*
 * The CPUIDs of [off, off+len) of the file image, as file offsets; VA is
 * the virtual address of OFF.  Only the 0F A2 byte pairs are candidates;
 * each is decided by a linear sweep from the nearest instruction boundary
 * known before it: the start of its function, else the end of the function
 * before it, else the start of the range.
 */
static int
sweep(struct file_sites *f, const uint8_t *image, uint64_t off, uint64_t len,
    uint64_t va, const struct funcs *fn)
{
	const uint8_t *p, *end = image + off + len;
	struct cursor cur = { UINT64_MAX, 0 };
	uint64_t c, cva, sync;
	size_t lo, hi, mid;
	cs_insn *insn = NULL;
	int rc = 0;

	for (p = memmem(image + off, len, "\x0f\xa2", 2); p != NULL;
	    p = memmem(p + 1, end - (p + 1), "\x0f\xa2", 2)) {
		if (insn == NULL && (insn = cs_malloc(cs)) == NULL)
			return (-1);
		c = p - image;
		cva = va + (c - off);
		for (lo = 0, hi = fn->n; lo < hi; ) {
			mid = lo + (hi - lo) / 2;
			if (fn->start[mid] <= cva)
				lo = mid + 1;
			else
				hi = mid;
		}
		sync = off;
		if (lo > 0 && fn->start[lo - 1] >= va) {
			if (fn->end[lo - 1] > cva)
				sync = off + (fn->start[lo - 1] - va);
			else
				sync = off + (fn->end[lo - 1] - va);
		}
		if (cpuid_at(image, &cur, sync, c, off + len, insn) &&
		    push_off(f, c) == -1) {
			rc = -1;
			break;
		}
	}
	if (insn != NULL)
		cs_free(insn, 1);
	return (rc);
}

/* Find the CPUIDs of an ELF image: executable sections, else segments. */
static int
scan_image(struct file_sites *f, const uint8_t *image, size_t size)
{
	const Elf64_Ehdr *eh = (const void *)image;
	const Elf64_Shdr *sh;
	const Elf64_Phdr *ph;
	struct funcs fn, nofn = { NULL, NULL, 0 };
	size_t i;
	int found = 0;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_machine != EM_X86_64)
		return (0);	/* not ours to patch */
	if (eh->e_shoff != 0 && eh->e_shentsize == sizeof(*sh) &&
	    eh->e_shoff <= size &&
	    eh->e_shnum <= (size - eh->e_shoff) / sizeof(*sh)) {
		sh = (const void *)(image + eh->e_shoff);
		load_funcs(image, size, sh, eh->e_shnum, &fn);
		for (i = 0; i < eh->e_shnum; i++) {
			if (!(sh[i].sh_flags & SHF_EXECINSTR) ||
			    sh[i].sh_type == SHT_NOBITS)
				continue;
			if (sh[i].sh_offset > size ||
			    sh[i].sh_size > size - sh[i].sh_offset)
				continue;
			found = 1;
			if (sweep(f, image, sh[i].sh_offset, sh[i].sh_size,
			    sh[i].sh_addr, &fn) == -1) {
				funcs_free(&fn);
				return (-1);
			}
		}
		funcs_free(&fn);
	}
	if (found)
		return (0);
	/* Stripped of section headers: the executable segments instead. */
	if (eh->e_phentsize != sizeof(*ph) || eh->e_phoff > size ||
	    eh->e_phnum > (size - eh->e_phoff) / sizeof(*ph))
		return (0);
	ph = (const void *)(image + eh->e_phoff);
	for (i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !(ph[i].p_flags & PF_X))
			continue;
		if (ph[i].p_offset > size || ph[i].p_filesz > size - ph[i].p_offset)
			continue;
		if (sweep(f, image, ph[i].p_offset, ph[i].p_filesz,
		    ph[i].p_vaddr, &nofn) == -1)
			return (-1);
	}
	return (0);
}

static struct file_sites *
file_sites(int fd)
{
	struct file_sites *f;
	struct stat st;
	void *image;
	int rc;

	if (fstat(fd, &st) == -1)
		return (NULL);
	for (f = cache; f != NULL; f = f->next)
		if (f->dev == st.st_dev && f->ino == st.st_ino &&
		    f->size == st.st_size &&
		    f->mtime.tv_sec == st.st_mtim.tv_sec &&
		    f->mtime.tv_nsec == st.st_mtim.tv_nsec)
			return (f);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->size = st.st_size;
	f->mtime = st.st_mtim;
	if (st.st_size > 0) {
		image = mmap(NULL, st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (image == MAP_FAILED) {
			free(f);
			return (NULL);
		}
		rc = scan_image(f, image, st.st_size);
		munmap(image, st.st_size);
		if (rc == -1) {
			free(f->offs);
			free(f);
			return (NULL);
		}
	}
	f->next = cache;
	cache = f;
	return (f);
}

struct hvsim_mm *
hvsim_mm_new(void)
{
	struct hvsim_mm *mm;

	if ((mm = calloc(1, sizeof(*mm))) != NULL)
		mm->refs = 1;
	return (mm);
}

struct hvsim_mm *
hvsim_mm_copy(const struct hvsim_mm *from)
{
	struct hvsim_mm *mm;

	if ((mm = hvsim_mm_new()) == NULL)
		return (NULL);
	if (from->n > 0) {
		if ((mm->sites = calloc(from->n, sizeof(*mm->sites))) == NULL) {
			free(mm);
			return (NULL);
		}
		memcpy(mm->sites, from->sites, from->n * sizeof(*mm->sites));
		mm->n = mm->cap = from->n;
	}
	return (mm);
}

void
hvsim_mm_put(struct hvsim_mm *mm)
{
	if (mm == NULL || --mm->refs > 0)
		return;
	free(mm->sites);
	free(mm);
}

/* Index of the first site >= addr. */
static size_t
mm_lower(const struct hvsim_mm *mm, uint64_t addr)
{
	size_t lo = 0, hi = mm->n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (mm->sites[mid] < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (lo);
}

int
hvsim_mm_has(const struct hvsim_mm *mm, uint64_t addr)
{
	size_t i = mm_lower(mm, addr);

	return (i < mm->n && mm->sites[i] == addr);
}

static int
mm_add(struct hvsim_mm *mm, uint64_t addr)
{
	uint64_t *v;
	size_t i = mm_lower(mm, addr), cap;

	if (i < mm->n && mm->sites[i] == addr)
		return (0);
	if (mm->n == mm->cap) {
		cap = mm->cap ? mm->cap * 2 : 64;
		if ((v = reallocarray(mm->sites, cap, sizeof(*v))) == NULL)
			return (-1);
		mm->sites = v;
		mm->cap = cap;
	}
	memmove(mm->sites + i + 1, mm->sites + i,
	    (mm->n - i) * sizeof(*mm->sites));
	mm->sites[i] = addr;
	mm->n++;
	return (0);
}

/*
 * Patch one site unless it is patched already (a fresh mapping of the same
 * file shows 0F again) or no longer holds the file's CPUID.
 */
static int
patch_site(pid_t pid, struct hvsim_mm *mm, uint64_t addr)
{
	long word;

	errno = 0;
	word = ptrace(PTRACE_PEEKTEXT, pid, (void *)addr, NULL);
	if (errno != 0)
		return (-1);
	if ((word & 0xffff) == 0xa2cc)
		return (mm_add(mm, addr));
	if ((word & 0xffff) != 0xa20f)
		return (0);
	word = (word & ~0xffL) | 0xcc;
	if (ptrace(PTRACE_POKETEXT, pid, (void *)addr, (void *)word) == -1)
		return (-1);
	return (mm_add(mm, addr));
}

static int
patch_mapping(pid_t pid, struct hvsim_mm *mm, uint64_t start, uint64_t end,
    uint64_t off, const char *path)
{
	struct file_sites *f;
	char mf[64];
	uint64_t site;
	size_t i;
	int fd;

	/* map_files names the very file mapped, even if renamed or deleted. */
	snprintf(mf, sizeof(mf), "/proc/%d/map_files/%" PRIx64 "-%" PRIx64,
	    (int)pid, start, end);
	if ((fd = open(mf, O_RDONLY | O_CLOEXEC)) == -1 &&
	    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (-1);
	f = file_sites(fd);
	close(fd);
	if (f == NULL)
		return (-1);
	for (i = 0; i < f->n; i++) {
		site = f->offs[i];
		/* Both bytes of the instruction must lie in this mapping. */
		if (site < off || site + 2 > off + (end - start))
			continue;
		if (patch_site(pid, mm, start + (site - off)) == -1)
			return (-1);
	}
	return (0);
}

int
hvsim_patch_range(pid_t pid, struct hvsim_mm *mm, uint64_t lo, uint64_t hi)
{
	char path[64], *line = NULL, perms[8], file[4096];
	size_t size = 0;
	uint64_t start, end, off;
	unsigned long inode;
	FILE *maps;
	int rc = 0, n;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	if ((maps = fopen(path, "re")) == NULL)
		return (-1);
	while (getline(&line, &size, maps) != -1) {
		file[0] = '\0';
		n = sscanf(line, "%" SCNx64 "-%" SCNx64 " %7s %" SCNx64
		    " %*x:%*x %lu %4095[^\n]", &start, &end, perms, &off,
		    &inode, file);
		if (n < 5 || perms[2] != 'x' || end <= lo || start >= hi)
			continue;
		/* The vDSO and anonymous code have no file to read. */
		if (inode == 0 || file[0] != '/')
			continue;
		if (patch_mapping(pid, mm, start, end, off, file) == -1 &&
		    errno != ESRCH)
			rc = -1;
	}
	free(line);
	fclose(maps);
	return (rc);
}
