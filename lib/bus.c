/*
 * The bus: identification of the hypervisor interfaces (as OpenBSD's
 * pvbus_identify), the units, and the ioctl contract of /dev/pvbusN (as
 * OpenBSD's pvbusioctl).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "hv/hv.h"
#include "ident.h"
#include "store/stores.h"

#define CPUID_HV_PRESENT	(1u << 31)	/* leaf 1 ECX */

/* The 12 signature bytes at BASE; EAX (the interface's max leaf) in *max. */
static void
pv_signature(const struct pvbus *bus, uint32_t base, char sig[PV_SIGLEN],
    uint32_t *max)
{
	uint32_t r[4];

	pv_cpuid(&bus->plat, base, 0, r);
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	*max = r[0];
}

static int
pv_printable(const char *sig)
{
	size_t i;

	for (i = 0; i < 4; i++)
		if (sig[i] < 32 || sig[i] > 126)
			return (0);
	return (1);
}

/*
 * FEX-Emu (x86 on arm64) answers 0x40000000 without setting the
 * hypervisor bit (FEXCore docs/CPUID.md): look there anyway, and take
 * only its signature, since a CPU without hypervisor leaves may answer
 * any bytes there.  1 when the unit was made.
 */
static int
pv_identify_bare(struct pvbus *bus)
{
	struct pv_unit *u;
	char sig[PV_SIGLEN], text[64];
	uint32_t max;

	pv_signature(bus, PV_CPUID_BASE, sig, &max);
	if (!pv_printable(sig) || pv_hv_lookup(sig) != &pv_hv_fex)
		return (0);
	u = &bus->units[0];
	memset(u, 0, sizeof(*u));
	u->base = PV_CPUID_BASE;
	u->maxleaf = max;
	memcpy(u->signature, sig, PV_SIGLEN);
	u->hv = &pv_hv_fex;
	bus->nunits = 1;
	pv_sig_text(sig, text, sizeof(text));
	pv_evidence(bus, "cpuid 0x%08x: \"%s\" max 0x%08x: %s, which sets "
	    "no hypervisor bit", PV_CPUID_BASE, text, max, u->hv->name);
	return (1);
}

/*
 * Scan the hypervisor CPUID range.  Like OpenBSD, stop at the first base
 * whose signature does not start with four printable characters.  The
 * native interface is the highest base with a known signature (KVM and Xen
 * put their own above the Hyper-V interface they emulate); it becomes
 * pvbus0 and the others follow in the order of their bases.
 */
static void
pv_identify(struct pvbus *bus)
{
	struct pv_unit *u, native;
	size_t n = 0, first = 0;
	uint32_t base, max, r[4];
	char text[64];
	int known = 0;

	if (!pv_cpuid_present(&bus->plat)) {
		pv_evidence(bus, "cpuid: none on this CPU: the firmware's and "
		    "the kernel's evidence decide");
		pv_sys_identify(bus, 1);
		return;
	}
	pv_cpuid(&bus->plat, 1, 0, r);
	bus->ident->hv_bit = (r[2] & CPUID_HV_PRESENT) != 0;
	if ((r[2] & CPUID_HV_PRESENT) == 0) {
		pv_evidence(bus, "cpuid 0x00000001: ecx=0x%08x: no hypervisor "
		    "bit%s", r[2], pv_cpuid_has(&bus->plat, 1) ? "" :
		    " (leaf 1 is not in the dump)");
		if (!pv_identify_bare(bus))
			pv_sys_identify(bus, 0);
		return;
	}
	pv_evidence(bus, "cpuid 0x00000001: ecx=0x%08x: hypervisor bit set",
	    r[2]);

	for (base = PV_CPUID_BASE; base < PV_CPUID_END && n < PV_MAXUNITS;
	    base += PV_CPUID_STEP) {
		char sig[PV_SIGLEN];

		pv_signature(bus, base, sig, &max);
		if (!pv_printable(sig)) {
			pv_evidence(bus, "cpuid 0x%08x: %s: the hypervisor "
			    "range ends", base, pv_cpuid_has(&bus->plat,
			    base) ? "no printable signature" :
			    "not in the dump (never probed?)");
			break;
		}
		u = &bus->units[n++];
		memset(u, 0, sizeof(*u));
		u->base = base;
		u->maxleaf = max;
		memcpy(u->signature, sig, PV_SIGLEN);
		u->signature[PV_SIGLEN] = '\0';
		if ((u->hv = pv_hv_lookup(sig)) != NULL) {
			first = n - 1;
			known = 1;
		} else
			u->hv = &pv_hv_unknown;
		pv_sig_text(sig, text, sizeof(text));
		pv_evidence(bus, "cpuid 0x%08x: \"%s\" max 0x%08x: %s", base,
		    text, max, u->hv->name);
	}
	/* The native unit moves to the front; the others keep their order. */
	if (known && first > 0) {
		native = bus->units[first];
		memmove(&bus->units[1], &bus->units[0],
		    first * sizeof(bus->units[0]));
		bus->units[0] = native;
	}
	bus->nunits = n;
}

static void
pv_attach(struct pv_unit *unit, unsigned int flags)
{
	const struct pv_store_ops *store = unit->hv->store;
	int error;

	/* A probe decodes CPUID leaves, which a unit without CPUID lacks. */
	if (unit->hv->probe != NULL && PV_UNIT_HAS_CPUID(unit) &&
	    (flags & PVBUS_OPEN_NO_PROBE) == 0)
		unit->hv->probe(unit);
	if (unit->hv->devices != NULL && (flags & PVBUS_OPEN_NO_DEVICES) == 0)
		unit->hv->devices(unit);
	unit->store_access = PVBUS_STORE_NONE;
	if (flags & PVBUS_OPEN_NO_STORES)
		return;
	/* The firmware's tables are the machine's: the native unit's. */
	if (unit->index == 0)
		(void)pv_smbios_probe(unit);
	if (store != NULL) {
		unit->store_access = PVBUS_STORE_RW;
		if ((error = store->attach(unit)) == 0) {
			unit->store = store;
			return;
		}
		snprintf(unit->store_error, sizeof(unit->store_error),
		    "%s: %s%s%s", store->name, unit->store_path,
		    unit->store_path[0] != '\0' ? ": " : "", strerror(error));
		unit->store_path[0] = '\0';
		unit->store_state = NULL;
		unit->store_access = PVBUS_STORE_NONE;
	}
	/* Without a store of its own, the OEM strings are the unit's. */
	if (unit->smbios_state != NULL) {
		char *why = unit->store_error;
		size_t len = sizeof(unit->store_error);
		int e;

		unit->store_path[0] = '\0';
		if ((e = pv_store_smbios.attach(unit)) == 0) {
			unit->store = &pv_store_smbios;
			why[0] = '\0';
			return;
		}
		/* Both reasons: the unit's own store's, then the strings'. */
		if (why[0] != '\0')
			strlcat(why, "; ", len);
		strlcat(why, pv_store_smbios.name, len);
		strlcat(why, ": ", len);
		strlcat(why, unit->store_path, len);
		strlcat(why, ": ", len);
		strlcat(why, strerror(e), len);
		unit->store_path[0] = '\0';
	}
}

int
pvbus_open(struct pvbus **busp, const struct pvbus_options *opts)
{
	struct pvbus *bus;
	size_t i;
	int error;

	if (opts != NULL && opts->store_timeout_ms < 0)
		return (EINVAL);
	if ((bus = calloc(1, sizeof(*bus))) == NULL)
		return (ENOMEM);
	bus->store_timeout_ms = opts != NULL && opts->store_timeout_ms > 0 ?
	    opts->store_timeout_ms : PVBUS_STORE_TIMEOUT_MS;
	error = pv_platform_init(&bus->plat, opts ? opts->root : NULL,
	    opts ? opts->cpuid_dump : NULL);
	if (error == 0)
		error = pv_ident_init(bus, opts);
	if (error != 0) {
		pv_platform_fini(&bus->plat);
		pv_ident_free(bus);
		free(bus);
		return (error);
	}
	bus->flags = opts ? opts->flags : 0;
	bus->vmware_vsock_cid = opts ? opts->vmware_vsock_cid : 0;
	pv_identify(bus);
	for (i = 0; i < bus->nunits; i++) {
		struct pv_unit *u = &bus->units[i];

		u->bus = bus;
		u->plat = &bus->plat;
		u->index = i;
		snprintf(u->name, sizeof(u->name), "pvbus%zu", i);
	}
	pv_ident_units(bus);
	for (i = 0; i < bus->nunits; i++)
		pv_attach(&bus->units[i], bus->flags);
	*busp = bus;
	return (0);
}

int
pvbus_cpuid_dump_check(const char *path, char *why, size_t whylen)
{
	struct pv_cpuid_leaf *leaves = NULL;
	size_t n;
	int error;

	error = pv_cpuid_dump_load(path, &leaves, &n, why, whylen);
	free(leaves);
	return (error);
}

void
pvbus_close(struct pvbus *bus)
{
	size_t i;

	if (bus == NULL)
		return;
	for (i = 0; i < bus->nunits; i++) {
		struct pv_unit *u = &bus->units[i];

		if (u->store != NULL && u->store->detach != NULL)
			u->store->detach(u);
		pv_smbios_detach(u);
		free(u->attrs);
		free(u->devices);
	}
	pv_platform_fini(&bus->plat);
	pv_ident_free(bus);
	free(bus);
}

size_t
pvbus_nunits(const struct pvbus *bus)
{
	return (bus->nunits);
}

const struct pvbus_unit *
pvbus_unit(const struct pvbus *bus, size_t n)
{
	if (n >= bus->nunits)
		return (NULL);
	return ((const struct pvbus_unit *)&bus->units[n]);
}

#define UNIT(u)	((const struct pv_unit *)(const void *)(u))

const char *
pvbus_unit_name(const struct pvbus_unit *u)
{
	return (UNIT(u)->name);
}

const char *
pvbus_unit_type(const struct pvbus_unit *u)
{
	return (UNIT(u)->hv->name);
}

const char *
pvbus_unit_signature(const struct pvbus_unit *u)
{
	return (UNIT(u)->signature);
}

uint32_t
pvbus_unit_base(const struct pvbus_unit *u)
{
	return (UNIT(u)->base);
}

uint32_t
pvbus_unit_maxleaf(const struct pvbus_unit *u)
{
	return (UNIT(u)->maxleaf);
}

const char *
pvbus_unit_version(const struct pvbus_unit *u)
{
	return (UNIT(u)->version);
}

size_t
pvbus_unit_nattrs(const struct pvbus_unit *u)
{
	return (UNIT(u)->nattrs);
}

const struct pvbus_attr *
pvbus_unit_attr(const struct pvbus_unit *u, size_t n)
{
	return (n < UNIT(u)->nattrs ? &UNIT(u)->attrs[n] : NULL);
}

size_t
pvbus_unit_ndevices(const struct pvbus_unit *u)
{
	return (UNIT(u)->ndevices);
}

const struct pvbus_device *
pvbus_unit_device(const struct pvbus_unit *u, size_t n)
{
	return (n < UNIT(u)->ndevices ? &UNIT(u)->devices[n] : NULL);
}

const char *
pvbus_unit_store(const struct pvbus_unit *u)
{
	return (UNIT(u)->store ? UNIT(u)->store->name : NULL);
}

enum pvbus_store_access
pvbus_unit_store_access(const struct pvbus_unit *u)
{
	return (UNIT(u)->store ? UNIT(u)->store_access : PVBUS_STORE_NONE);
}

const char *
pvbus_unit_store_path(const struct pvbus_unit *u)
{
	return (UNIT(u)->store_path);
}

const char *
pvbus_unit_store_error(const struct pvbus_unit *u)
{
	return (UNIT(u)->store_error);
}

int
pvbus_kvop(struct pvbus *bus, size_t unit, enum pvbus_kvop op,
    const char *key, char *value, size_t valuelen)
{
	struct pv_unit *u;
	int error;

	if (unit >= bus->nunits || (u = &bus->units[unit])->store == NULL)
		return (ENXIO);
	if (valuelen == 0 || key == NULL || value == NULL)
		return (EINVAL);
	/* The firmware's OEM strings answer their keys on any store. */
	if (u->smbios_state != NULL && pv_smbios_key(key)) {
		error = pv_store_smbios.kvop(u, op, key, value, valuelen);
		if (error != 0)
			value[0] = '\0';
		return (error);
	}
	if (op == PVBUS_KVWRITE && u->store_access != PVBUS_STORE_RW)
		return (EROFS);
	/* What the op gave up waiting for, if it does, goes here. */
	u->store_error[0] = '\0';
	error = u->store->kvop(u, op, key, value, valuelen);
	/*
	 * Never hand out an unterminated value.  A write that succeeded stays
	 * a success: its echo (OpenBSD echoes the value written) is dropped
	 * when it does not fit, where OpenBSD would copy out one byte past
	 * the caller's buffer.
	 */
	if (error == 0 && strnlen(value, valuelen) == valuelen) {
		if (op == PVBUS_KVWRITE)
			value[0] = '\0';
		else
			error = ERANGE;
	}
	if (error != 0)
		value[0] = '\0';
	return (error);
}

/* OpenBSD's pvbusgetstr: lengths 1 .. PVBUS_KVOP_MAXSIZE. */
static int
pv_check_len(size_t len)
{
	if (len < 1)
		return (EINVAL);
	if (len > PVBUS_KVOP_MAXSIZE)
		return (ENAMETOOLONG);
	return (0);
}

static int
pv_reserve(const struct pvbus_uaccess *ua, const void *uaddr, size_t len,
    int out)
{
	if (ua == NULL || ua->reserve == NULL)
		return (0);
	return (ua->reserve(ua->ctx, uaddr, len, out));
}

static int
pv_copyin(const struct pvbus_uaccess *ua, void *dst, const void *usrc,
    size_t len)
{
	if (ua == NULL) {
		if (usrc == NULL)
			return (EFAULT);
		memcpy(dst, usrc, len);
		return (0);
	}
	return (ua->copyin(ua->ctx, dst, usrc, len));
}

static int
pv_copyout(const struct pvbus_uaccess *ua, void *udst, const void *src,
    size_t len)
{
	if (ua == NULL) {
		if (udst == NULL)
			return (EFAULT);
		memcpy(udst, src, len);
		return (0);
	}
	return (ua->copyout(ua->ctx, udst, src, len));
}

/*
 * OpenBSD copies the key in before it checks the value's length, so a bad
 * key pointer is EFAULT even when the value's length is wrong: fetch the
 * key (a round of its own for a server that fetches), then give the
 * length's error LENERR if the key was readable.
 */
static int
pv_key_fault(const struct pvbus_uaccess *ua, const struct pvbus_req *req,
    int lenerr)
{
	char *key;
	int error;

	if ((error = pv_reserve(ua, req->pvr_key, req->pvr_keylen, 0)) != 0)
		return (error);
	if ((key = malloc(req->pvr_keylen)) == NULL)
		return (ENOMEM);
	error = pv_copyin(ua, key, req->pvr_key, req->pvr_keylen);
	free(key);
	return (error != 0 ? error : lenerr);
}

int
pvbus_ioctl(struct pvbus *bus, size_t unit, unsigned long cmd, int writable,
    struct pvbus_req *req, const struct pvbus_uaccess *ua)
{
	const struct pv_unit *u;
	enum pvbus_kvop op;
	char *key = NULL, *value = NULL;
	size_t sz;
	int error, e;

	if (bus == NULL || bus->nunits == 0)
		return (ENODEV);
	if (unit >= bus->nunits)
		return (ENXIO);
	u = &bus->units[unit];

	switch (cmd) {
	case PVBUSIOC_KVWRITE:
		if (!writable)
			return (EPERM);
		/* FALLTHROUGH */
	case PVBUSIOC_KVREAD:
		if (u->store == NULL)
			return (ENXIO);
		break;
	case PVBUSIOC_TYPE:
		sz = strlen(u->hv->name) + 1;
		if (sz > req->pvr_keylen)
			return (ENOMEM);
		if ((error = pv_reserve(ua, req->pvr_key, sz, 1)) != 0)
			return (error);
		return (pv_copyout(ua, req->pvr_key, u->hv->name, sz));
	default:
		return (ENOTTY);
	}

	op = cmd == PVBUSIOC_KVWRITE ? PVBUS_KVWRITE : PVBUS_KVREAD;
	if ((error = pv_check_len(req->pvr_keylen)) != 0)
		return (error);
	if ((error = pv_check_len(req->pvr_valuelen)) != 0)
		return (pv_key_fault(ua, req, error));

	/* Announce every region before anything happens. */
	error = pv_reserve(ua, req->pvr_key, req->pvr_keylen, 0);
	if (op == PVBUS_KVWRITE &&
	    (e = pv_reserve(ua, req->pvr_value, req->pvr_valuelen, 0)) != 0 &&
	    (error == 0 || e == PVBUS_ERESTART))
		error = e;
	if ((e = pv_reserve(ua, req->pvr_value, req->pvr_valuelen, 1)) != 0 &&
	    (error == 0 || e == PVBUS_ERESTART))
		error = e;
	if (error != 0)
		return (error);

	if ((key = malloc(req->pvr_keylen + 1)) == NULL ||
	    (value = calloc(1, req->pvr_valuelen + 1)) == NULL) {
		error = ENOMEM;
		goto done;
	}
	if ((error = pv_copyin(ua, key, req->pvr_key, req->pvr_keylen)) != 0)
		goto done;
	key[req->pvr_keylen] = '\0';
	if (op == PVBUS_KVWRITE) {
		error = pv_copyin(ua, value, req->pvr_value, req->pvr_valuelen);
		if (error != 0)
			goto done;
		value[req->pvr_valuelen] = '\0';
	}

	error = pvbus_kvop(bus, unit, op, key, value, req->pvr_valuelen);
	if (error != 0)
		goto done;
	sz = strlen(value) + 1;
	error = pv_copyout(ua, req->pvr_value, value, sz);
 done:
	free(key);
	free(value);
	return (error);
}
