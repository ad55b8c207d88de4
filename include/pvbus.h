/*
 * libpvbus: the paravirtual bus of a Linux guest.
 *
 * pvbus_open() finds every hypervisor interface the machine offers (the CPUID
 * leaves from 0x40000000 up), decodes its capabilities, lists the paravirtual
 * devices the guest has and attaches the interface's information store.  Each
 * interface is a unit, pvbus0 .. pvbusN; pvbus0 is the native interface.
 *
 * All functions that can fail return 0 or an errno value; none sets errno as
 * its result.  A bus is not thread-safe; use one per thread or lock around it.
 */
#ifndef PVBUS_H
#define PVBUS_H

#include <stddef.h>
#include <stdint.h>

#include <dev/pv/pvvar.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pvbus;
struct pvbus_unit;

/* Where the bus looks.  A zeroed structure (or NULL) means this machine. */
struct pvbus_options {
	/*
	 * Prefix for every file the library reads or writes (/sys, /proc,
	 * /var/lib/hyperv, ...): a saved tree of another machine, or NULL.
	 */
	const char	*root;
	/*
	 * A `cpuid -r` dump whose answers replace the CPUID instruction, or
	 * NULL.  Leaves missing from the dump read as zeros.  It is read
	 * strictly (pvbus(4)); pvbus_cpuid_dump_check() says what is wrong.
	 */
	const char	*cpuid_dump;
	/*
	 * PVBUS_OPEN_* bits: what the bus leaves out when the caller needs
	 * less than the whole tree (each CPUID is a VM exit).
	 */
	unsigned int	 flags;
	/*
	 * Called with each piece of evidence identification uses and each
	 * decision it takes, one line without newline, or NULL.
	 */
	void		(*evidence)(void *ctx, const char *line);
	void		*evidence_ctx;
	/*
	 * The longest any store waits, in milliseconds: for a lock another
	 * process holds (a KVP pool), or for the host's reply.  0 means
	 * PVBUS_STORE_TIMEOUT_MS; a negative value is EINVAL.  Past it the
	 * operation fails with EBUSY (the lock is held) or ETIMEDOUT (the
	 * host did not answer), and pvbus_unit_store_error() says what it
	 * waited for.
	 */
	int		 store_timeout_ms;
	/*
	 * For tests: the vsock context of VMware's secure RPC, instead of
	 * the hypervisor's (0).  1, the guest's own loopback, reaches a
	 * server in the same guest (Linux's vsock_loopback).
	 */
	unsigned int	 vmware_vsock_cid;
};

/* The default bound of every store wait. */
#define PVBUS_STORE_TIMEOUT_MS	5000

#define PVBUS_OPEN_NO_DEVICES	0x1u	/* list no paravirtual devices */
#define PVBUS_OPEN_NO_STORES	0x2u	/* attach no information store */
#define PVBUS_OPEN_NO_PROBE	0x4u	/* decode no capabilities */

/*
 * Identify the hypervisor interfaces and attach them.  On success *busp holds
 * a bus with zero or more units.  Errors: ENOMEM, the errno of a root that
 * is missing or not a directory (ENOTDIR), or of an unreadable or malformed
 * CPUID dump (EINVAL for bad syntax).
 */
int	pvbus_open(struct pvbus **busp, const struct pvbus_options *opts);

/*
 * Check the `cpuid -r` dump PATH as pvbus_open() reads it: 0, the errno of
 * the file, EFBIG, ENOMEM, or EINVAL with WHY (WHYLEN bytes) saying which
 * line is wrong and how ("line 3: 0x140000000 is wider than 32 bits").
 */
int	pvbus_cpuid_dump_check(const char *path, char *why, size_t whylen);

/* Detach every unit and free the bus.  NULL is allowed. */
void	pvbus_close(struct pvbus *bus);

/*
 * What kind of machine this is, as systemd-detect-virt names it.  Each is
 * worked out on first use, from the CPUID leaves and files it needs alone,
 * and reported through the evidence callback.
 *
 * The confidential-VM technology: "sev", "sev-es", "sev-snp" (AMD, from
 * CPUID 0x8000001F and the SEV_STATUS MSR read through /dev/cpu/0/msr under
 * the root, or, when Azure hides that leaf, from Hyper-V's isolation leaf
 * 0x4000000C), "tdx" (Intel, leaf 0x21 "IntelTDX    ", or the isolation
 * leaf), "none", or "unknown" when the evidence that would decide could not
 * be read (an MSR that cannot be read, a dump without the leaf).
 */
const char *pvbus_cvm(struct pvbus *bus);

/* Whether Azure's isolation leaf reports a paravisor (0 outside Azure). */
int	pvbus_cvm_paravisor(struct pvbus *bus);

/*
 * Whether what the host supplies (hypervisor CPUID leaves, DMI, every
 * store) is to be distrusted: in a confidential VM, or when whether this is
 * one is unknown.
 */
int	pvbus_host_controlled(struct pvbus *bus);

/*
 * The container manager this runs under, from systemd-detect-virt
 * --container's evidence under the root: "docker", "podman", "lxc",
 * "lxc-libvirt", "systemd-nspawn", "rkt", "wsl", "proot", "pouch",
 * "openvz", "container-other", or "none".
 */
const char *pvbus_container(struct pvbus *bus);

/*
 * The hypervisor in systemd-detect-virt --vm's words ("kvm", "microsoft",
 * "vmware", "xen", "qemu", "oracle", ..., "vm-other", "none"), named after
 * the native interface where systemd would name an emulated one; see
 * hostctl(8) for the mapping and the differences.
 */
const char *pvbus_vm(struct pvbus *bus);

/* Number of units (interfaces found); 0 when no hypervisor was found. */
size_t	pvbus_nunits(const struct pvbus *bus);

/* Unit n, or NULL when n >= pvbus_nunits(). */
const struct pvbus_unit *pvbus_unit(const struct pvbus *bus, size_t n);

/* "pvbusN". */
const char *pvbus_unit_name(const struct pvbus_unit *unit);

/*
 * The type name: KVM, Hyper-V, VMware, Xen, bhyve, OpenBSD as pvbus(4) names
 * them, the names pvbus.4 lists for the others, "unknown" otherwise.
 */
const char *pvbus_unit_type(const struct pvbus_unit *unit);

/* The 12 signature bytes at the interface's base, NUL-terminated. */
const char *pvbus_unit_signature(const struct pvbus_unit *unit);

/*
 * 1 for the native interface (the hypervisor itself, pvbus0), 0 for one it
 * emulates (Hyper-V's "Hv#1" below KVM or Xen) or one nobody knows.
 */
int	pvbus_unit_native(const struct pvbus_unit *unit);

/*
 * "guest", or "root" for the partition that runs the hypervisor (a Hyper-V
 * root partition, holding CreatePartitions; Xen's dom0).
 */
const char *pvbus_unit_role(const struct pvbus_unit *unit);

/* CPUID base of the interface (0x40000000, 0x40000100, ...). */
uint32_t pvbus_unit_base(const struct pvbus_unit *unit);

/* Highest leaf of the interface (EAX at its base). */
uint32_t pvbus_unit_maxleaf(const struct pvbus_unit *unit);

/* Version as the interface reports it ("4.11", "10.0.20348"), or "". */
const char *pvbus_unit_version(const struct pvbus_unit *unit);

/* One decoded capability of a unit. */
enum pvbus_attr_kind {
	PVBUS_ATTR_STRING,	/* text in value */
	PVBUS_ATTR_NUMBER,	/* decimal number in value, also in raw */
	PVBUS_ATTR_FLAGS,	/* space-separated bit names in value, bits in raw */
	PVBUS_ATTR_REGS		/* undecoded registers: "eax=0x.. ebx=.." in value */
};

struct pvbus_attr {
	enum pvbus_attr_kind	 kind;
	char			 name[32];	/* "features", "tsc_khz", ... */
	char			 value[512];
	uint64_t		 raw;
};

/* Number of decoded capabilities of the unit. */
size_t	pvbus_unit_nattrs(const struct pvbus_unit *unit);

/* Capability n, in the order the interface decodes them; NULL past the end. */
const struct pvbus_attr *pvbus_unit_attr(const struct pvbus_unit *unit,
	    size_t n);

/* One paravirtual device of a unit. */
struct pvbus_device {
	char	name[32];	/* function: "virtio-net", "pvclock", "hvn", ... */
	char	id[128];	/* where it sits: "virtio0", a VMBus GUID, "vif/0" */
	char	parent[128];	/* its parent: "pvbus0", "0000:00:03.0", ... */
	char	driver[64];	/* Linux driver bound to it, or "" */
};

/* Number of paravirtual devices of the unit. */
size_t	pvbus_unit_ndevices(const struct pvbus_unit *unit);

/* Device n, in sysfs name order within each bus; NULL past the end. */
const struct pvbus_device *pvbus_unit_device(const struct pvbus_unit *unit,
	    size_t n);

/* Access to a unit's information store. */
enum pvbus_store_access {
	PVBUS_STORE_NONE,	/* no store attached */
	PVBUS_STORE_RO,
	PVBUS_STORE_RW
};

/* Name of the store ("guestinfo", "xenstore", "kvp", "fw_cfg") or NULL. */
const char *pvbus_unit_store(const struct pvbus_unit *unit);

/* Whether the store can be written, read, or is absent. */
enum pvbus_store_access pvbus_unit_store_access(const struct pvbus_unit *unit);

/* Where the store is reached ("/var/lib/hyperv", a socket, a port), or "". */
const char *pvbus_unit_store_path(const struct pvbus_unit *unit);

/*
 * Why the unit has no store ("kvp: /var/lib/hyperv: No such file or
 * directory"), or why its last store operation gave up waiting ("kvp:
 * /var/lib/hyperv/.kvp_pool_1: locked by another process"), or "" when it
 * has a store, or its interface offers none, and nothing failed so.
 */
const char *pvbus_unit_store_error(const struct pvbus_unit *unit);

enum pvbus_kvop {
	PVBUS_KVREAD,
	PVBUS_KVWRITE
};

/*
 * Read or write KEY in unit n's store.  On a read, VALUE receives the value
 * (or, for a directory-like key, the child names joined by "\n") and its NUL
 * in at most VALUELEN bytes; ERANGE when it does not fit, with VALUE left
 * empty.  On a write, VALUE holds the NUL-terminated value to store and may be
 * replaced by what the store echoes (often ""), within VALUELEN bytes.
 * Errors: ENXIO (no such unit or no store), ENOENT (no such key), EINVAL (a
 * key the store cannot take), ENAMETOOLONG (a key longer than the store
 * takes), EOPNOTSUPP (a listing the store cannot make), EACCES/EPERM
 * (refused by the host), ENOSPC (the host's quota), EIO (the host side
 * failed or answered malformed), ETIMEDOUT (the host did not answer within
 * the store timeout), EBUSY (a lock another process held past the store
 * timeout), ERANGE, E2BIG (value too large for the store), EROFS
 * (read-only store or key).
 */
int	pvbus_kvop(struct pvbus *bus, size_t unit, enum pvbus_kvop op,
	    const char *key, char *value, size_t valuelen);

/*
 * Wait until KEY's value in unit n's store differs from the one it had when
 * the call began; a key absent then counts as a value, so one that appears
 * is a change.  Returns 0 with the new value in VALUE (read as
 * pvbus_kvop() reads it, within VALUELEN bytes); ENOENT when the key was
 * removed (VALUE empty); ETIMEDOUT when TIMEOUT_MS milliseconds passed
 * first (-1: no limit); EOPNOTSUPP for a store whose values never change
 * (fw_cfg, the SMBIOS OEM strings); otherwise the errors of pvbus_kvop()
 * for KEY, such as EINVAL for a key the store refuses.
 *
 * Each store waits its own way, none by spinning: XenStore sets a watch
 * (XS_WATCH) on a connection of its own and reads the key again when it
 * fires, for KEY or a node below it; when the server goes away it
 * reconnects, every 100 ms at first and then less often up to once a
 * second, and sets the watch again.  KVP waits for changes of the pool's
 * file with inotify(7) and reads the key again under the pool's lock.
 * guestinfo, which has no notification, reads the key again 100 ms after
 * the start, the interval doubling after each read that finds no change,
 * up to 2 s.
 */
int	pvbus_watch(struct pvbus *bus, size_t unit, const char *key,
	    char *value, size_t valuelen, int timeout_ms);

/*
 * The OpenBSD ioctl contract of /dev/pvbusN, in one place: checks in the order
 * pvbusioctl makes them, lengths, ERANGE and the copy-out.  UNIT is the minor
 * number, CMD one of PVBUSIOC_*, WRITABLE non-zero when the descriptor was
 * opened for writing.  REQ's pointers belong to the caller's address space as
 * UACCESS sees it; UACCESS NULL means plain memory of this process.
 *
 * A server that must fetch the caller's memory in rounds (CUSE) gives a
 * reserve callback: after the checks and before anything has an effect,
 * pvbus_ioctl announces every region it will read (out 0) and write (out 1).
 * When reserve returns PVBUS_ERESTART for any of them, pvbus_ioctl returns
 * PVBUS_ERESTART having changed nothing; the server fetches the regions and
 * calls again with the same request.  copyin/copyout then find them at hand.
 *
 * Returns 0, an errno value as the ioctl would, or PVBUS_ERESTART.
 *
 * A call that reaches no store (PVBUSIOC_TYPE, a request the checks refuse,
 * a call whose reserve returned PVBUS_ERESTART) reads only what pvbus_open()
 * set: such calls may run on any number of threads while one thread makes
 * a store call on the same bus, so that a server never holds them behind a
 * store that waits.
 */
struct pvbus_uaccess {
	int	(*reserve)(void *ctx, const void *uaddr, size_t len, int out);
	int	(*copyin)(void *ctx, void *dst, const void *usrc, size_t len);
	int	(*copyout)(void *ctx, void *udst, const void *src, size_t len);
	void	*ctx;
};

#define PVBUS_ERESTART	(-1)

int	pvbus_ioctl(struct pvbus *bus, size_t unit, unsigned long cmd,
	    int writable, struct pvbus_req *req,
	    const struct pvbus_uaccess *uaccess);

#ifdef __cplusplus
}
#endif

#endif /* PVBUS_H */
