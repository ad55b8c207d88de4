/*
 * libpvbus internals: the unit, the hypervisor and store ops tables, and the
 * platform layer through which every access to hardware or files goes.
 */
#ifndef PV_H
#define PV_H

#include <sys/types.h>
#include <dirent.h>
#include <limits.h>
#include <stdint.h>

#include <bsd/string.h>

#include "pvbus.h"

#define PV_SIGLEN		12
#define PV_CPUID_BASE		0x40000000u
#define PV_CPUID_END		0x40010000u
#define PV_CPUID_STEP		0x100u
#define PV_MAXUNITS		16

/*
 * The platform: the CPUID source and the file-system root.  It is the only
 * part of the library that executes CPUID or touches files.
 */
struct pv_cpuid_leaf {
	uint32_t	leaf, subleaf;
	uint32_t	regs[4];	/* eax, ebx, ecx, edx */
};

struct pv_platform {
	char			 root[PATH_MAX];	/* "" for "/" */
	struct pv_cpuid_leaf	*dump;		/* from a cpuid -r dump */
	size_t			 ndump;
	int			 use_dump;
};

int	pv_platform_init(struct pv_platform *, const char *root,
	    const char *cpuid_dump);
void	pv_platform_fini(struct pv_platform *);
/* Parse `cpuid -r` text (the first CPU's lines); 0 or EINVAL/ENOMEM. */
int	pv_cpuid_dump_parse(const char *text, struct pv_cpuid_leaf **leaves,
	    size_t *nleaves);
/* CPUID leaf/subleaf into r[0..3] = eax, ebx, ecx, edx. */
void	pv_cpuid(const struct pv_platform *, uint32_t leaf, uint32_t subleaf,
	    uint32_t r[4]);
/* Whether CPUID answers come from the instruction of this CPU. */
int	pv_cpuid_is_live(const struct pv_platform *);
/* PATH (absolute) under the root into buf; 0 or ENAMETOOLONG. */
int	pv_path(const struct pv_platform *, const char *path, char *buf,
	    size_t len);
int	pv_open(const struct pv_platform *, const char *path, int flags,
	    mode_t mode);
DIR	*pv_opendir(const struct pv_platform *, const char *path);
/* The entries of a directory in version order, as scandir(3); -1 and errno. */
int	pv_scandir(const struct pv_platform *, const char *path,
	    struct dirent ***names);
int	pv_access(const struct pv_platform *, const char *path, int mode);
/*
 * Read from FD until LEN bytes or the end of the file, again after EINTR
 * and short reads; *GOT says how many came.  0 or the errno of read(2).
 */
int	pv_read_full(int fd, void *buf, size_t len, size_t *got);
/* Read a small text file whole; trailing newlines stripped.  0 or errno. */
int	pv_read_text(const struct pv_platform *, const char *path, char *buf,
	    size_t len);
/*
 * A byte stream to PATH, used as given (callers put it under the root with
 * pv_path): a connection if PATH is a Unix socket, else the file (a device)
 * opened read-write; *is_socket tells which.  A descriptor, or -1 and errno.
 */
int	pv_open_stream(const char *path, int *is_socket);
/* A symlink's target as stored; 0 or errno. */
int	pv_readlink(const struct pv_platform *, const char *path, char *buf,
	    size_t len);
/* Last component of a symlink's target ("virtio_net" for a driver link). */
int	pv_readlink_base(const struct pv_platform *, const char *path,
	    char *buf, size_t len);
/*
 * Up to LEN bytes of PATH from offset OFF (a device such as /dev/cpu/0/msr
 * or a file read whole from 0), *got the count read; 0 or errno.
 */
int	pv_read_at(const struct pv_platform *, const char *path, off_t off,
	    void *buf, size_t len, size_t *got);
/* Whether CPUID LEAF is answered: always live, in a dump only if listed. */
int	pv_cpuid_has(const struct pv_platform *, uint32_t leaf);

struct pv_unit;

/* An information store driver: one per protocol. */
struct pv_store_ops {
	const char	*name;
	/*
	 * Attach to the unit if the store is reachable: 0, or an errno with
	 * store_path naming what was looked for (the bus says why in
	 * store_error).
	 */
	int		(*attach)(struct pv_unit *);
	/*
	 * As pvbus_kvop().  The bus owns the caller's buffer: it has checked
	 * the unit, the access, KEY and VALUE (not NULL) and VALUELEN (at
	 * least 1), and it empties VALUE on every error and refuses an
	 * unterminated one, so the op does neither.  The protocol modules'
	 * own entry points (pv_guestinfo_op, xs_dir_join, kvp_pool_list,
	 * pv_fwcfg_io_kvread), which tests and the lab call directly, keep
	 * what their headers promise.
	 */
	int		(*kvop)(struct pv_unit *, enum pvbus_kvop, const char *key,
			    char *value, size_t valuelen);
	void		(*detach)(struct pv_unit *);
};

/* A hypervisor interface: one per hypervisor, like OpenBSD's pvbus_types. */
struct pv_hv_ops {
	const char	*name;			/* type name */
	const char	*signatures[3];		/* 12 bytes each, NULL-ended */
	/* Decode capabilities into the unit's attributes; optional. */
	void		(*probe)(struct pv_unit *);
	/* Add the paravirtual devices the guest has; optional. */
	void		(*devices)(struct pv_unit *);
	/* Stores to try in order; the first that attaches is the unit's. */
	const struct pv_store_ops *stores[3];
};

struct pv_unit {
	struct pvbus			*bus;
	const struct pv_platform	*plat;
	size_t				 index;
	char				 name[32];
	const struct pv_hv_ops		*hv;
	uint32_t			 base;
	uint32_t			 maxleaf;
	char				 signature[PV_SIGLEN + 1];
	char				 version[32];
	struct pvbus_attr		*attrs;
	size_t				 nattrs;
	struct pvbus_device		*devices;
	size_t				 ndevices;
	const struct pv_store_ops	*store;
	void				*store_state;
	enum pvbus_store_access		 store_access;
	char				 store_path[PATH_MAX];
	char				 store_error[PATH_MAX + 64];
};

struct pv_ident;

struct pvbus {
	struct pv_platform	 plat;
	int			 store_timeout_ms;	/* the option, never 0 */
	struct pv_unit		 units[PV_MAXUNITS];
	size_t			 nunits;
	struct pv_ident		*ident;		/* lib/ident.h */
};

/* CPUID at the unit's base + offset. */
void	pv_unit_cpuid(const struct pv_unit *, uint32_t offset, uint32_t r[4]);

/* Attributes and devices; each returns 0 or ENOMEM. */
int	pv_attr_string(struct pv_unit *, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	pv_attr_number(struct pv_unit *, const char *name, uint64_t n);
/* Bit names: names[i] for bit i; unnamed set bits become "bitN". */
int	pv_attr_flags(struct pv_unit *, const char *name, uint64_t bits,
	    const char *const *names, size_t nnames);
int	pv_attr_regs(struct pv_unit *, const char *name, const uint32_t r[4]);
int	pv_device_add(struct pv_unit *, const char *name, const char *id,
	    const char *parent, const char *driver);

/* Device discovery shared by several interfaces (lib/sysfs.c). */
typedef void (*pv_sysfs_fn)(struct pv_unit *, const char *dir,
	    const char *entry, const void *arg);
/* Call fn for each entry of a sysfs bus directory, in name order. */
void	pv_sysfs_foreach(struct pv_unit *, const char *bus, pv_sysfs_fn,
	    const void *arg);
/* Add the device at DIR with its sysfs parent and bound driver. */
void	pv_sysfs_device_add(struct pv_unit *, const char *name,
	    const char *dir, const char *id);
/* A hex number in DIR/FILE ("0x15ad"); 0 or errno. */
int	pv_sysfs_hex(const struct pv_platform *, const char *dir,
	    const char *file, unsigned long *val);
void	pv_sysfs_virtio(struct pv_unit *);
void	pv_sysfs_pvclock(struct pv_unit *, int cpuid_says_stable);
struct pv_pci_id {
	uint16_t	 vendor, device;
	const char	*name;
};
void	pv_sysfs_pci(struct pv_unit *, const struct pv_pci_id *ids, size_t n);

/* KVM's feature leaf and devices, shared with interfaces that copy it. */
void	pv_kvm_features(struct pv_unit *);
int	pv_kvm_pvclock_stable(const struct pv_unit *);
void	pv_kvm_devices(struct pv_unit *);
/* QEMU's guests (KVM, TCG): KVM's devices and QEMU's vmport. */
void	pv_qemu_devices(struct pv_unit *);
/* Raw registers of the non-zero leaves base + first .. base + last. */
void	pv_raw_leaves(struct pv_unit *, uint32_t first, uint32_t last);

/* Hypervisor interfaces (lib/hv/). */
extern const struct pv_hv_ops pv_hv_kvm, pv_hv_hyperv, pv_hv_vmware,
	    pv_hv_xen, pv_hv_bhyve, pv_hv_openbsd, pv_hv_tcg, pv_hv_fex,
	    pv_hv_others[];
extern const size_t pv_hv_nothers;

#endif /* PV_H */
