/*
 * libpvbus internals: the unit, the hypervisor and store ops tables, and the
 * platform layer through which the library reaches the machine.
 */
#ifndef PV_H
#define PV_H

#include <sys/types.h>
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <time.h>

#include <bsd/string.h>

#include "pvbus.h"

#define PV_SIGLEN		12
#define PV_CPUID_BASE		0x40000000u
#define PV_CPUID_END		0x40010000u
#define PV_CPUID_STEP		0x100u
#define PV_MAXUNITS		16
/* Devices one unit lists at most (pvbus(4) says what happens past it). */
#define PV_MAXDEVICES		1024

/* The number of elements of an array (not of a pointer). */
#ifndef nitems
#define nitems(a)		(sizeof(a) / sizeof((a)[0]))
#endif

/*
 * The platform: the CPUID source, the file-system root and the environment.
 * It alone executes CPUID, turns a path into a descriptor or a directory
 * listing, and reads the environment; the rest of the library does its I/O
 * on the descriptors it hands out, and lib/arch/ holds the port
 * instructions.  Two exceptions, each explained where it stands: the fw_cfg
 * DMA path reads the process's own /proc/self/pagemap (never under a root),
 * and the VMware probe runs the backdoor in a child process
 * (lib/vmware_rpc.c).
 *
 * Every helper here that can fail returns 0 or an errno value, as the public
 * functions do; what it makes (a descriptor, a directory) comes back through
 * a pointer.
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
/*
 * Parse LEN bytes of `cpuid -r` text (the first CPU's lines) into *leaves
 * (for free(3)) and *nleaves: 0, ENOMEM, or EINVAL with WHY (WHYLEN bytes,
 * may be 0) saying which line is wrong and how.
 */
int	pv_cpuid_dump_parse(const char *text, size_t len,
	    struct pv_cpuid_leaf **leaves, size_t *nleaves, char *why,
	    size_t whylen);
/* Read and parse the dump file PATH: as above, or the file's errno, EFBIG. */
int	pv_cpuid_dump_load(const char *path, struct pv_cpuid_leaf **leaves,
	    size_t *nleaves, char *why, size_t whylen);
/* CPUID leaf/subleaf into r[0..3] = eax, ebx, ecx, edx. */
void	pv_cpuid(const struct pv_platform *, uint32_t leaf, uint32_t subleaf,
	    uint32_t r[4]);
/* Whether CPUID answers come from the instruction of this CPU. */
int	pv_cpuid_is_live(const struct pv_platform *);
/*
 * Whether there is CPUID at all: a dump, or the instruction of an x86 CPU.
 * Elsewhere (arm64) pv_cpuid() answers zeros and identification takes the
 * firmware's and the kernel's evidence instead (lib/sysident.c).
 */
int	pv_cpuid_present(const struct pv_platform *);
/* PATH (absolute) under the root into buf; 0 or ENAMETOOLONG. */
int	pv_path(const struct pv_platform *, const char *path, char *buf,
	    size_t len);
/* Open PATH under the root (O_CLOEXEC added) into *fdp; 0 or errno. */
int	pv_open(const struct pv_platform *, const char *path, int flags,
	    mode_t mode, int *fdp);
/* Open the directory PATH under the root into *dirp; 0 or errno. */
int	pv_opendir(const struct pv_platform *, const char *path, DIR **dirp);
/*
 * The entries of a directory under the root in version order, as
 * scandir(3): *names (each entry and the array for free(3)) and *n; 0 or
 * errno.
 */
int	pv_scandir(const struct pv_platform *, const char *path,
	    struct dirent ***names, size_t *n);
/* access(2) of PATH under the root; 0 or errno. */
int	pv_access(const struct pv_platform *, const char *path, int mode);
/* Read a small text file whole; trailing newlines stripped.  0 or errno. */
int	pv_read_text(const struct pv_platform *, const char *path, char *buf,
	    size_t len);
/*
 * Read from FD until LEN bytes are in BUF or the file ends, through signals
 * (EINTR); *got says how many came.  0 or the errno of the failed read(2),
 * with *got the bytes read before it.
 */
int	pv_read_full(int fd, void *buf, size_t len, size_t *got);
/*
 * Write LEN bytes of BUF to FD at OFF whole, through signals (EINTR).  0 or
 * the errno of the failed pwrite(2).
 */
int	pv_pwrite_full(int fd, const void *buf, size_t len, off_t off);
/*
 * Take FD's whole-file fcntl lock of TYPE (F_RDLCK, F_WRLCK, F_UNLCK)
 * within TIMEOUT_MS: 0, EBUSY when another process held it that long, or
 * the errno of the failed fcntl(2).  F_SETLKW cannot be bounded without a
 * signal, which a library must not take from its caller, so the lock is
 * tried and tried again, at growing intervals: the holders of the files
 * locked so (the KVP pools) hold them for one rewrite of a small file.
 */
int	pv_lock_wait(int fd, short type, int timeout_ms);
/*
 * The value of the environment variable NAME into BUF: 0, ENOENT when it is
 * not set, ENAMETOOLONG when it does not fit; BUF is "" on an error.
 */
int	pv_getenv(const char *name, char *buf, size_t len);
/*
 * A byte stream to PATH, used as given (callers put it under the root with
 * pv_path): a connection if PATH is a Unix socket, else the character device
 * opened read-write; *is_socket tells which.  0 with the descriptor in *fdp,
 * ENODEV for anything else (a FIFO, a regular file), or errno.
 */
int	pv_open_stream(const char *path, int *fdp, int *is_socket);
/*
 * A stream to vsock CID:PORT; when PRIVILEGED, from the first free source
 * port below 1024, counting down from 1023 as open-vm-tools does (a host
 * trusts only those).  0 with the descriptor in *fdp, or: EAFNOSUPPORT without
 * vsock, ENODEV without a transport to CID, ECONNREFUSED, ETIMEDOUT,
 * EADDRINUSE when no such port is free, EACCES when binding one is not
 * allowed.  Only for VMware's secure RPC: the guest's vsock leads to its
 * host.
 */
int	pv_vsock_connect(unsigned int cid, unsigned int port, int privileged,
	    int *fdp);
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

/* A wait for a key to change (pvbus_watch(), lib/watch.c). */
enum pv_watch_step {
	PV_WATCH_ARM,		/* start listening, before the first read */
	PV_WATCH_WAIT,		/* until the key may have changed */
	PV_WATCH_END		/* stop listening, free the state */
};

struct pv_watch {
	const char	*key;
	int		 has_deadline;
	struct timespec	 deadline;	/* CLOCK_MONOTONIC */
	unsigned int	 rounds;	/* WAITs that found no change */
	void		*state;		/* the store's, from ARM to END */
};

/* Milliseconds to the watch's deadline, 0 past it, -1 without one. */
int	pv_watch_ms_left(const struct pv_watch *);
/* Sleep MS milliseconds: 0, or ETIMEDOUT when the deadline comes first. */
int	pv_watch_sleep(const struct pv_watch *, int ms);

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
	/*
	 * Optional: wait for W->key to change.  ARM starts listening (before
	 * the caller's first read, so that no change falls between), WAIT
	 * returns 0 when the key may have changed (the caller reads it again
	 * and compares), ETIMEDOUT at the deadline or another errno, END
	 * frees what ARM set up (also after a failed ARM).  WAIT sleeps in
	 * the kernel; it never spins.  NULL: the store does not change.
	 */
	int		(*watch)(struct pv_unit *, struct pv_watch *,
			    enum pv_watch_step);
};

/* A hypervisor interface: one per hypervisor, like OpenBSD's pvbus_types. */
struct pv_hv_ops {
	const char	*name;			/* type name */
	const char	*signatures[3];		/* 12 bytes each, NULL-ended */
	/* Decode capabilities into the unit's attributes; optional. */
	void		(*probe)(struct pv_unit *);
	/* Add the paravirtual devices the guest has; optional. */
	void		(*devices)(struct pv_unit *);
	/* The interface's information store, or NULL. */
	const struct pv_store_ops *store;
};

/*
 * A unit the firmware's or the kernel's evidence made, without CPUID: its
 * base, maxleaf and signature are 0 and "" and its probe (a CPUID decoder)
 * does not run.
 */
#define PV_UNIT_HAS_CPUID(u)	((u)->base != 0)

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
	size_t				 devices_cap;	/* allocated */
	int				 devices_truncated;
	const struct pv_store_ops	*store;
	void				*store_state;
	enum pvbus_store_access		 store_access;
	char				 store_path[PATH_MAX];
	char				 store_error[PATH_MAX + 64];
	/* The firmware's OEM strings, on the native unit (store/smbios.c). */
	void				*smbios_state;
};

struct pv_ident;

struct pvbus {
	struct pv_platform	 plat;
	int			 store_timeout_ms;	/* the option, never 0 */
	unsigned int		 flags;		/* PVBUS_OPEN_* */
	unsigned int		 vmware_vsock_cid;	/* from the options */
	struct pv_unit		 units[PV_MAXUNITS];
	size_t			 nunits;
	struct pv_ident		*ident;		/* lib/ident.h */
};

/* Attributes; each returns 0 or ENOMEM. */
int	pv_attr_string(struct pv_unit *, const char *name, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
int	pv_attr_number(struct pv_unit *, const char *name, uint64_t n);
/* Bit names: names[i] for bit i; unnamed set bits become "bitN". */
int	pv_attr_flags(struct pv_unit *, const char *name, uint64_t bits,
	    const char *const *names, size_t nnames);
int	pv_attr_regs(struct pv_unit *, const char *name, const uint32_t r[4]);
/*
 * Add a device; ENOSPC past PV_MAXDEVICES (the unit then says so in its
 * devices_truncated attribute), ENOMEM.
 */
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

/*
 * The hypervisor table (lib/hv/table.c): the interface whose signature is
 * SIG (PV_SIGLEN bytes), or NULL.  pv_hv_unknown is the type of a unit whose
 * printable signature nobody knows.
 */
const struct pv_hv_ops *pv_hv_lookup(const char *sig);
extern const struct pv_hv_ops pv_hv_unknown;

#endif /* PV_H */
