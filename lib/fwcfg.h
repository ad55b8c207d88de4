/*
 * QEMU's fw_cfg (docs/specs/fw_cfg.txt), lib/fwcfg.c: the item directory,
 * the key rules, and the two ways in, the x86 ports (selector, data, DMA)
 * and the qemu_fw_cfg module's sysfs tree.  The store (lib/store/fwcfg.c)
 * only chooses one at attach.
 *
 * The store is read-only.  A key is a file name ("opt/org.example/key");
 * a directory-like key ("opt/org.example", "opt/org.example/", "" or "/"
 * for the top) reads as the names of its children joined by "\n".
 */
#ifndef PV_FWCFG_H
#define PV_FWCFG_H

#include <stddef.h>
#include <stdint.h>

#include "pv.h"

/* The ports on x86. */
#define PV_FWCFG_PORT_SEL		0x510	/* 16-bit selector, little-endian */
#define PV_FWCFG_PORT_DATA		0x511	/* 8-bit data */
#define PV_FWCFG_PORT_DMA		0x514	/* 64-bit DMA address, big-endian */
#define PV_FWCFG_NPORTS			12	/* 0x510 .. 0x51b */

/* The qemu_fw_cfg module's tree. */
#define PV_FWCFG_SYSFS			"/sys/firmware/qemu_fw_cfg"

/* Items (selector values) and the feature bitmap. */
#define PV_FWCFG_KEY_SIGNATURE		0x00	/* "QEMU" */
#define PV_FWCFG_KEY_ID			0x01	/* le32 feature bitmap */
#define PV_FWCFG_KEY_FILE_DIR		0x19	/* be32 count, entries */
#define PV_FWCFG_FEATURE_TRADITIONAL	0x01
#define PV_FWCFG_FEATURE_DMA		0x02

/* A file directory entry: be32 size, be16 select, u16 reserved, name. */
#define PV_FWCFG_DIRENT_SIZE		64
#define PV_FWCFG_NAMELEN		56	/* with its NUL */
/* More files than QEMU ever offers: a directory above is malformed. */
#define PV_FWCFG_MAXFILES		4096

struct pv_fwcfg_file {
	char		name[PV_FWCFG_NAMELEN];
	uint32_t	size;
	uint16_t	select;
};

/*
 * How the device's ports are reached: the x86 ports (pv_fwcfg_ports), or a
 * model of the device in tests.
 */
struct pv_fwcfg_io {
	/* Gain and give up access to the ports; 0 or an errno. */
	int	(*open)(void *ctx);
	void	(*close)(void *ctx);
	/* Select an item: its offset goes back to 0. */
	void	(*select)(void *ctx, uint16_t key);
	/* LEN bytes from the data port, continuing the selected item. */
	void	(*read)(void *ctx, void *buf, size_t len);
	/*
	 * Select KEY and read LEN bytes by DMA; 0, ENOTSUP (the page frames
	 * cannot be known: no CAP_SYS_ADMIN), E2BIG past what one transfer
	 * takes (64 KiB), ENOMEM, or EIO (the device reports an error).
	 */
	int	(*dma_read)(void *ctx, uint16_t key, void *buf, size_t len);
	void	*ctx;
};

/*
 * The x86 ports, through ioperm(2): open is EPERM without CAP_SYS_RAWIO.
 * DMA writes guest-physical memory, so it goes through locked pages whose
 * frames /proc/self/pagemap names, one page per request.
 */
extern const struct pv_fwcfg_io pv_fwcfg_ports;

/*
 * Whether the ports may be touched: a live machine (CPUID of this CPU, no
 * root prefix, x86) whose firmware says it is QEMU, by its ACPI fw_cfg
 * device or its DMI vendor.  Other hypervisors may answer anything at port
 * 0x510, and QEMU's vmport anything at VMware's backdoor.
 */
int	pv_fwcfg_qemu_machine(const struct pv_platform *plat);

/*
 * Whether IO answers as fw_cfg: 0 with the feature bitmap in *FEATURES when
 * item 0 reads "QEMU", else ENXIO.  IO must be open.
 */
int	pv_fwcfg_probe(const struct pv_fwcfg_io *io, uint32_t *features);

/*
 * Read KEY through IO as the store does: by DMA when DMA is non-zero (and
 * the data port when DMA turns out impossible), else through the data port.
 * Opens and closes IO.  A file's value is its text up to its first NUL.
 * Errors as pvbus_kvop(): EINVAL for a malformed key, ENOENT, ERANGE (VALUE
 * left empty), EIO for a malformed directory, EOPNOTSUPP for a binary file
 * (one that starts with a NUL or holds control characters other than tab,
 * newline and carriage return).
 */
int	pv_fwcfg_io_kvread(const struct pv_fwcfg_io *io, int dma,
	    const char *key, char *value, size_t valuelen);

/*
 * Read KEY from the qemu_fw_cfg module's tree under PLAT, with the errors
 * of pv_fwcfg_io_kvread(); ENOENT, EIO or the errno of the tree when it is
 * not there or not whole.
 */
int	pv_fwcfg_sysfs_kvread(const struct pv_platform *plat, const char *key,
	    char *value, size_t valuelen);

/*
 * Parse a file directory of LEN bytes (as item 0x19 reads) into *FILES
 * (allocated) and *NFILES.  0, EIO when malformed, ENOMEM.
 */
int	pv_fwcfg_dir_parse(const unsigned char *dir, size_t len,
	    struct pv_fwcfg_file **files, size_t *nfiles);

/*
 * Whether KEY can name a file or a directory: 0, EINVAL for an empty, "."
 * or ".." component and a leading "/" before a name, ENOENT for a key too
 * long to be any file's name.  *LIST is set
 * when the key can only be a directory ("", "/", a trailing "/"); the
 * directory's name, without the slashes, goes to PREFIX.
 */
int	pv_fwcfg_check_key(const char *key, char prefix[PV_FWCFG_NAMELEN],
	    int *list);

/*
 * The children of directory PREFIX ("" for the top) among FILES, sorted,
 * each once, joined by "\n" into VALUE.  ENOENT when there is none, ERANGE
 * when they do not fit.
 */
int	pv_fwcfg_list(const struct pv_fwcfg_file *files, size_t nfiles,
	    const char *prefix, char *value, size_t valuelen);

#endif /* PV_FWCFG_H */
