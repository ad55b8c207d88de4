/*
 * QEMU's fw_cfg: the item directory and the key rules, read through the x86
 * ports (selector, data, DMA where offered) or the qemu_fw_cfg module's
 * sysfs tree.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pv.h"
#include "arch/ioport.h"
#include "fwcfg.h"
#include "listing.h"

/* Signs of a QEMU machine: the ACPI node of fw_cfg, the DMI vendor. */
#define FWCFG_ACPI_NODE		"/sys/bus/acpi/devices/QEMU0002:00"
#define FWCFG_DMI_VENDOR	"/sys/class/dmi/id/sys_vendor"

/* fw_cfg DMA control bits (big-endian in the access structure). */
#define FWCFG_DMA_ERROR		0x01u
#define FWCFG_DMA_READ		0x02u
#define FWCFG_DMA_SELECT	0x08u

/* The structure whose guest-physical address is written to the DMA port. */
struct fwcfg_dma_access {
	uint32_t	control;
	uint32_t	length;
	uint64_t	address;
} __attribute__((packed));

/* QEMU finishes a port-triggered transfer before the `out` returns. */
#define FWCFG_DMA_SPINS		1000000

#define PAGEMAP_PRESENT		(1ULL << 63)
#define PAGEMAP_PFN_MASK	((1ULL << 55) - 1)

/* Reads one file of FILES into VALUE, as the backend can. */
typedef int (*fwcfg_readfn)(void *ctx, const struct pv_fwcfg_file *f,
	    char *value, size_t valuelen);

/*
 * The first N bytes of a file are in VALUE: its value is the text up to its
 * first NUL (QEMU's string= items have none).  A full buffer without a NUL
 * leaves no room for one: ERANGE.  A file that starts with a NUL, or holds
 * a control character other than a tab, newline or carriage return before
 * its first NUL, is binary (a table, a number, a ROM), which no string
 * carries whole: EOPNOTSUPP rather than an empty or cut value.
 */
static int
fwcfg_terminate(char *value, size_t n, size_t valuelen)
{
	const unsigned char *p = (const unsigned char *)value;
	size_t len = strnlen(value, n), i;

	if (n > 0 && len == 0)
		return (EOPNOTSUPP);
	for (i = 0; i < len; i++)
		if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' &&
		    p[i] != '\r') || p[i] == 0x7f)
			return (EOPNOTSUPP);
	if (len < n)
		return (0);
	if (n >= valuelen) {
		value[0] = '\0';
		return (ERANGE);
	}
	value[n] = '\0';
	return (0);
}

int
pv_fwcfg_check_key(const char *key, char prefix[PV_FWCFG_NAMELEN], int *list)
{
	const char *p, *end;
	size_t len, clen;

	*list = 0;
	prefix[0] = '\0';
	len = strlen(key);
	if (len == 0 || strcmp(key, "/") == 0) {
		*list = 1;
		return (0);
	}
	if (key[len - 1] == '/') {
		*list = 1;
		len--;
	}
	for (p = key; p < key + len; p = end + 1) {
		end = memchr(p, '/', key + len - p);
		if (end == NULL)
			end = key + len;
		clen = end - p;
		if (clen == 0 || (clen == 1 && p[0] == '.') ||
		    (clen == 2 && p[0] == '.' && p[1] == '.'))
			return (EINVAL);
	}
	/* No fw_cfg name is longer: nothing can answer to the key. */
	if (len >= PV_FWCFG_NAMELEN)
		return (ENOENT);
	memcpy(prefix, key, len);
	prefix[len] = '\0';
	return (0);
}

static int
fwcfg_namecmp(const void *a, const void *b)
{
	return (strcmp(a, b));
}

int
pv_fwcfg_list(const struct pv_fwcfg_file *files, size_t nfiles,
    const char *prefix, char *value, size_t valuelen)
{
	char (*kids)[PV_FWCFG_NAMELEN];
	struct pv_listing l;
	const char *rest;
	size_t plen = strlen(prefix), nkids = 0, len, i;
	int error = 0;

	if ((kids = calloc(nfiles ? nfiles : 1, sizeof(*kids))) == NULL)
		return (ENOMEM);
	for (i = 0; i < nfiles; i++) {
		rest = files[i].name;
		if (plen > 0) {
			if (strncmp(rest, prefix, plen) != 0 ||
			    rest[plen] != '/')
				continue;
			rest += plen + 1;
		}
		if ((len = strcspn(rest, "/")) == 0)
			continue;
		memcpy(kids[nkids], rest, len);
		kids[nkids++][len] = '\0';
	}
	if (nkids == 0) {
		error = ENOENT;
		goto out;
	}
	qsort(kids, nkids, sizeof(*kids), fwcfg_namecmp);
	if ((error = pv_listing_init(&l, value, valuelen)) != 0)
		goto out;
	for (i = 0; i < nkids && error == 0; i++)
		if (i == 0 || strcmp(kids[i], kids[i - 1]) != 0)
			error = pv_listing_add(&l, kids[i], strlen(kids[i]));
 out:
	free(kids);
	return (error);
}

int
pv_fwcfg_dir_parse(const unsigned char *dir, size_t len,
    struct pv_fwcfg_file **filesp, size_t *nfilesp)
{
	struct pv_fwcfg_file *files;
	const unsigned char *e;
	uint32_t count, v32;
	uint16_t v16;
	size_t i;

	if (len < 4)
		return (EIO);
	memcpy(&v32, dir, 4);
	count = be32toh(v32);
	if (count > PV_FWCFG_MAXFILES ||
	    len < 4 + (size_t)count * PV_FWCFG_DIRENT_SIZE)
		return (EIO);
	if ((files = calloc(count ? count : 1, sizeof(*files))) == NULL)
		return (ENOMEM);
	for (i = 0; i < count; i++) {
		e = dir + 4 + i * PV_FWCFG_DIRENT_SIZE;
		memcpy(&v32, e, 4);
		memcpy(&v16, e + 4, 2);
		files[i].size = be32toh(v32);
		files[i].select = be16toh(v16);
		memcpy(files[i].name, e + 8, PV_FWCFG_NAMELEN);
		files[i].name[PV_FWCFG_NAMELEN - 1] = '\0';
	}
	*filesp = files;
	*nfilesp = count;
	return (0);
}

/* A file by exact name, else KEY as a directory. */
static int
fwcfg_lookup(const struct pv_fwcfg_file *files, size_t nfiles,
    const char *key, int list, fwcfg_readfn readfn, void *ctx, char *value,
    size_t valuelen)
{
	size_t i;

	if (!list)
		for (i = 0; i < nfiles; i++)
			if (strcmp(files[i].name, key) == 0)
				return (readfn(ctx, &files[i], value,
				    valuelen));
	return (pv_fwcfg_list(files, nfiles, key, value, valuelen));
}

/*
 * The x86 ports.  DMA needs the guest-physical address of the buffer the
 * device writes, which only locked pages keep.
 */

/*
 * The guest-physical address of each of NPAGES pages from MEM.  The pages
 * are locked and written, so each has a frame of its own that stays put
 * while the device writes it.  The frames read as zero without
 * CAP_SYS_ADMIN: ENOTSUP then.
 */
static int
fwcfg_dma_frames(const void *mem, size_t npages, size_t pgsz, uint64_t *phys)
{
	uint64_t entry;
	size_t i;
	off_t off;
	int fd, error = 0;

	/*
	 * The process's own page table: never under a test's root prefix,
	 * since the transfer is real.
	 */
	if ((fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)) == -1)
		return (errno == ENOENT ? ENOTSUP : errno);
	for (i = 0; i < npages && error == 0; i++) {
		off = (off_t)(((uintptr_t)mem / pgsz + i) * sizeof(entry));
		if (pread(fd, &entry, sizeof(entry), off) != sizeof(entry))
			error = EIO;
		else if ((entry & PAGEMAP_PRESENT) == 0 ||
		    (entry & PAGEMAP_PFN_MASK) == 0)
			error = ENOTSUP;
		else
			phys[i] = (entry & PAGEMAP_PFN_MASK) * pgsz;
	}
	close(fd);
	return (error);
}

/* One DMA request; the access structure sits at guest-physical APHYS. */
static int
fwcfg_dma_one(volatile struct fwcfg_dma_access *a, uint64_t aphys,
    uint32_t control, uint32_t len, uint64_t dphys)
{
	uint32_t c;
	long spins;

	a->control = htobe32(control);
	a->length = htobe32(len);
	a->address = htobe64(dphys);
	/* The high half first: writing the low half starts the transfer. */
	pv_io_outl(PV_FWCFG_PORT_DMA, htobe32((uint32_t)(aphys >> 32)));
	pv_io_outl(PV_FWCFG_PORT_DMA + 4, htobe32((uint32_t)aphys));
	for (spins = 0; spins < FWCFG_DMA_SPINS; spins++) {
		c = be32toh(a->control);
		if (c & FWCFG_DMA_ERROR)
			return (EIO);
		if (c == 0)
			return (0);
		__asm__ volatile("" : : : "memory");
	}
	return (EIO);
}

static int
fwcfg_dma_read(uint16_t key, void *buf, size_t len)
{
	uint64_t phys[(64 * 1024) / 4096 + 1];
	size_t pgsz, npages, off, chunk, i;
	uint32_t control;
	char *mem;
	int error;

	if (!pv_io_supported())
		return (ENOTSUP);
	if (len == 0)
		return (0);
	pgsz = (size_t)sysconf(_SC_PAGESIZE);
	/* The access structure's page, then the data pages. */
	npages = 1 + (len + pgsz - 1) / pgsz;
	if (npages > nitems(phys))
		return (E2BIG);
	mem = mmap(NULL, npages * pgsz, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		return (ENOMEM);
	if (mlock(mem, npages * pgsz) == -1) {
		error = errno == EPERM ? ENOTSUP : ENOMEM;
		goto out;
	}
	memset(mem, 0, npages * pgsz);
	if ((error = fwcfg_dma_frames(mem, npages, pgsz, phys)) != 0)
		goto unlock;

	/* SELECT resets the item's offset; later requests continue it. */
	control = (uint32_t)key << 16 | FWCFG_DMA_SELECT | FWCFG_DMA_READ;
	for (i = 1, off = 0; off < len; i++, off += chunk) {
		chunk = len - off < pgsz ? len - off : pgsz;
		error = fwcfg_dma_one((volatile struct fwcfg_dma_access *)mem,
		    phys[0], control, (uint32_t)chunk, phys[i]);
		if (error != 0)
			break;
		memcpy((char *)buf + off, mem + i * pgsz, chunk);
		control = FWCFG_DMA_READ;
	}
 unlock:
	munlock(mem, npages * pgsz);
 out:
	munmap(mem, npages * pgsz);
	return (error);
}

static int
ports_open(void *ctx)
{
	(void)ctx;
	return (pv_io_permit(PV_FWCFG_PORT_SEL, PV_FWCFG_NPORTS, 1));
}

static void
ports_close(void *ctx)
{
	(void)ctx;
	pv_io_permit(PV_FWCFG_PORT_SEL, PV_FWCFG_NPORTS, 0);
}

static void
ports_select(void *ctx, uint16_t key)
{
	(void)ctx;
	pv_io_outw(PV_FWCFG_PORT_SEL, key);
}

static void
ports_read(void *ctx, void *buf, size_t len)
{
	unsigned char *p = buf;
	size_t i;

	(void)ctx;
	for (i = 0; i < len; i++)
		p[i] = pv_io_inb(PV_FWCFG_PORT_DATA);
}

static int
ports_dma_read(void *ctx, uint16_t key, void *buf, size_t len)
{
	(void)ctx;
	return (fwcfg_dma_read(key, buf, len));
}

const struct pv_fwcfg_io pv_fwcfg_ports = {
	.open = ports_open,
	.close = ports_close,
	.select = ports_select,
	.read = ports_read,
	.dma_read = ports_dma_read,
};

/* Item KEY from its start; DMA is cleared for good when it cannot work. */
static int
io_read_item(const struct pv_fwcfg_io *io, int *dma, uint16_t key,
    void *buf, size_t len)
{
	int error;

	if (*dma) {
		error = io->dma_read(io->ctx, key, buf, len);
		/* Larger than one DMA buffer: the data port reads any size. */
		if (error == E2BIG)
			goto port;
		if (error != ENOTSUP)
			return (error);
		*dma = 0;
	}
 port:
	io->select(io->ctx, key);
	io->read(io->ctx, buf, len);
	return (0);
}

int
pv_fwcfg_probe(const struct pv_fwcfg_io *io, uint32_t *features)
{
	unsigned char sig[4];
	uint32_t id;

	io->select(io->ctx, PV_FWCFG_KEY_SIGNATURE);
	io->read(io->ctx, sig, sizeof(sig));
	if (memcmp(sig, "QEMU", 4) != 0)
		return (ENXIO);
	io->select(io->ctx, PV_FWCFG_KEY_ID);
	io->read(io->ctx, &id, sizeof(id));
	*features = le32toh(id);
	return (0);
}

struct io_file_ctx {
	const struct pv_fwcfg_io	*io;
	int				*dma;
};

static int
io_read_file(void *ctx, const struct pv_fwcfg_file *f, char *value,
    size_t valuelen)
{
	struct io_file_ctx *c = ctx;
	size_t n = f->size < valuelen ? f->size : valuelen;
	int error;

	if ((error = io_read_item(c->io, c->dma, f->select, value, n)) != 0)
		return (error);
	return (fwcfg_terminate(value, n, valuelen));
}

int
pv_fwcfg_io_kvread(const struct pv_fwcfg_io *io, int dma, const char *key,
    char *value, size_t valuelen)
{
	struct pv_fwcfg_file *files = NULL;
	struct io_file_ctx ctx = { io, &dma };
	char name[PV_FWCFG_NAMELEN];
	unsigned char *dir = NULL;
	uint32_t count;
	size_t nfiles = 0, len;
	int list, error;

	if ((error = pv_fwcfg_check_key(key, name, &list)) != 0)
		return (error);
	if ((error = io->open(io->ctx)) != 0)
		return (error);
	if ((error = io_read_item(io, &dma, PV_FWCFG_KEY_FILE_DIR, &count,
	    sizeof(count))) != 0)
		goto out;
	count = be32toh(count);
	if (count > PV_FWCFG_MAXFILES) {
		error = EIO;
		goto out;
	}
	len = 4 + (size_t)count * PV_FWCFG_DIRENT_SIZE;
	if ((dir = malloc(len)) == NULL) {
		error = ENOMEM;
		goto out;
	}
	if ((error = io_read_item(io, &dma, PV_FWCFG_KEY_FILE_DIR, dir,
	    len)) != 0 ||
	    (error = pv_fwcfg_dir_parse(dir, len, &files, &nfiles)) != 0)
		goto out;
	error = fwcfg_lookup(files, nfiles, name, list, io_read_file, &ctx,
	    value, valuelen);
 out:
	io->close(io->ctx);
	free(files);
	free(dir);
	return (error);
}

/*
 * The qemu_fw_cfg module's tree: by_name/NAME/raw for a file, by_key for
 * the whole directory.
 */

/* Read the open file FD whole, or as much as fits, into VALUE. */
static int
sysfs_read_fd(int fd, char *value, size_t valuelen)
{
	size_t n;
	int error;

	if ((error = pv_read_full(fd, value, valuelen, &n)) != 0)
		return (error);
	return (fwcfg_terminate(value, n, valuelen));
}

/* The entry of by_key: the name the kernel gave the file's kobject. */
static int
sysfs_read_file(void *ctx, const struct pv_fwcfg_file *f, char *value,
    size_t valuelen)
{
	const struct pv_platform *plat = ctx;
	char path[PATH_MAX];
	int fd, error;

	snprintf(path, sizeof(path), PV_FWCFG_SYSFS "/by_key/%u/raw",
	    (unsigned int)f->select);
	if ((error = pv_open(plat, path, O_RDONLY, 0, &fd)) != 0)
		return (error);
	error = sysfs_read_fd(fd, value, valuelen);
	close(fd);
	return (error);
}

/* Every file, from by_key/N/name (by_name lacks names that clash). */
static int
sysfs_files(const struct pv_platform *plat, struct pv_fwcfg_file **filesp,
    size_t *nfilesp)
{
	struct pv_fwcfg_file *files = NULL, *f;
	struct dirent *de;
	char path[PATH_MAX], *end;
	unsigned long sel;
	size_t n = 0, cap = 0;
	DIR *d;
	int error;

	if ((error = pv_opendir(plat, PV_FWCFG_SYSFS "/by_key", &d)) != 0)
		return (error);
	while ((de = readdir(d)) != NULL) {
		errno = 0;
		sel = strtoul(de->d_name, &end, 10);
		if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
		    *end != '\0' || errno != 0 || sel > UINT16_MAX)
			continue;
		if (n == cap) {
			if (cap >= PV_FWCFG_MAXFILES)
				break;
			cap = cap ? cap * 2 : 64;
			f = reallocarray(files, cap, sizeof(*files));
			if (f == NULL) {
				free(files);
				closedir(d);
				return (ENOMEM);
			}
			files = f;
		}
		f = &files[n];
		memset(f, 0, sizeof(*f));
		f->select = (uint16_t)sel;
		snprintf(path, sizeof(path), PV_FWCFG_SYSFS "/by_key/%lu/name",
		    sel);
		if (pv_read_text(plat, path, f->name, sizeof(f->name)) == 0)
			n++;
	}
	closedir(d);
	*filesp = files;
	*nfilesp = n;
	return (0);
}

int
pv_fwcfg_sysfs_kvread(const struct pv_platform *plat, const char *key,
    char *value, size_t valuelen)
{
	struct pv_fwcfg_file *files = NULL;
	char name[PV_FWCFG_NAMELEN], path[PATH_MAX];
	struct stat st;
	size_t nfiles = 0;
	int list, fd, error;

	if ((error = pv_fwcfg_check_key(key, name, &list)) != 0)
		return (error);
	if (!list) {
		if (snprintf(path, sizeof(path), PV_FWCFG_SYSFS "/by_name/%s/raw",
		    name) >= (int)sizeof(path))
			return (ENOENT);
		if ((error = pv_open(plat, path, O_RDONLY, 0, &fd)) != 0)
			fd = -1;
		if (fd == -1 && error != ENOENT && error != ENOTDIR)
			return (error);
		/* A file named "raw" below the key opens as a directory. */
		if (fd != -1 &&
		    (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode))) {
			close(fd);
			fd = -1;
		}
		if (fd != -1) {
			error = sysfs_read_fd(fd, value, valuelen);
			close(fd);
			return (error);
		}
	}
	if ((error = sysfs_files(plat, &files, &nfiles)) != 0)
		return (error == ENOENT ? EIO : error);
	error = fwcfg_lookup(files, nfiles, name, list, sysfs_read_file,
	    (void *)(uintptr_t)plat, value, valuelen);
	free(files);
	return (error);
}

int
pv_fwcfg_qemu_machine(const struct pv_platform *plat)
{
	char vendor[64];

	/* Ports are real hardware: never for a saved tree or a dump. */
	if (!pv_cpuid_is_live(plat) || plat->root[0] != '\0' ||
	    !pv_io_supported())
		return (0);
	if (pv_access(plat, FWCFG_ACPI_NODE, F_OK) == 0)
		return (1);
	return (pv_read_text(plat, FWCFG_DMI_VENDOR, vendor,
	    sizeof(vendor)) == 0 && strcmp(vendor, "QEMU") == 0);
}
