/*
 * The VMware guestinfo store: read is the RPCI command `info-get KEY`,
 * write is `info-set KEY VALUE`, each on a channel of its own, like
 * OpenBSD's vmt_kvop.  The key is sent as the caller gives it (users type
 * `hostctl guestinfo.x`), but unlike vmt_kvop:
 *
 * - messages have their exact length, without padding;
 * - a key that could be read as something else is refused before anything
 *   is sent (a space would let the key smuggle a value into info-set);
 * - the host's refusals keep their meaning.
 *
 * Errors:
 *	EINVAL		empty key, a space or control character (or DEL) in
 *			the key, a key ending in "." on a write (no name
 *			after the prefix), or "0 <reason>" from the host for
 *			any reason not below
 *	EOPNOTSUPP	a read of a key ending in "." ("guestinfo."): a
 *			listing, which VMware does not have
 *	ENAMETOOLONG	a key longer than PV_GUESTINFO_KEYMAX
 *	E2BIG		a value of PVBUS_KVOP_MAXSIZE bytes or more (before
 *			anything is sent)
 *	ENOENT		"0 No value found": no such key
 *	EACCES		"0 Permission denied": the host allows guestinfo
 *			only over secure RPC (vsock), not the backdoor
 *	EIO		a transport failure (channel refused, closed, a
 *			checkpoint that never ends, a reply too long) or a
 *			malformed reply (not "0 " or "1 ", a NUL inside)
 *	ERANGE		the value does not fit VALUELEN with its NUL
 *	ENOMEM
 *
 * Every read asks the host: a read refused with ERANGE keeps nothing, so
 * a retry with a larger buffer sees the host's value of that moment.
 *
 * The store is the VMware interface's (lib/hv/vmware.c: QEMU's vmport
 * answers on the backdoor too, so the backdoor alone proves nothing).  It
 * attaches when the backdoor answers GETVERSION in a child process, never
 * to a CPUID dump, which describes another machine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pv.h"
#include "store/stores.h"
#include "vmware_rpc.h"
#include "vmware_vsock.h"

#define PV_GUESTINFO_KEYMAX	4096

static const char pv_guestinfo_get[] = "info-get ";
static const char pv_guestinfo_set[] = "info-set ";

int
pv_guestinfo_check_key(const char *key, enum pvbus_kvop op)
{
	const unsigned char *p;
	size_t len;

	if ((len = strlen(key)) == 0)
		return (EINVAL);
	if (len > PV_GUESTINFO_KEYMAX)
		return (ENAMETOOLONG);
	for (p = (const unsigned char *)key; *p != '\0'; p++)
		if (*p <= ' ' || *p == 0x7f)
			return (EINVAL);
	if (key[len - 1] == '.')
		return (op == PVBUS_KVREAD ? EOPNOTSUPP : EINVAL);
	return (0);
}

static int
pv_guestinfo_backdoor(void *ctx, const char *msg, size_t len, char *reply,
    size_t cap, size_t *replylen)
{
	return (pv_vmw_rpci(ctx, msg, len, reply, cap, replylen));
}

int
pv_guestinfo_op(const struct pv_vmw_transport *t, enum pvbus_kvop op,
    const char *key, char *value, size_t valuelen)
{
	return (pv_guestinfo_op_via(pv_guestinfo_backdoor, (void *)(uintptr_t)t,
	    op, key, value, valuelen));
}

int
pv_guestinfo_op_via(pv_vmw_rpci_fn fn, void *ctx, enum pvbus_kvop op,
    const char *key, char *value, size_t valuelen)
{
	const char *text;
	char *msg, *reply;
	size_t klen, vlen = 0, len, replylen, textlen;
	int error;

	if ((error = pv_guestinfo_check_key(key, op)) != 0)
		return (error);
	klen = strlen(key);
	if (op == PVBUS_KVWRITE && (vlen = strlen(value)) >= PVBUS_KVOP_MAXSIZE)
		return (E2BIG);

	/* "info-get KEY" or "info-set KEY VALUE", no NUL, no padding. */
	len = sizeof(pv_guestinfo_get) - 1 + klen +
	    (op == PVBUS_KVWRITE ? 1 + vlen : 0);
	if ((msg = malloc(len)) == NULL)
		return (ENOMEM);
	if ((reply = malloc(PV_VMW_MAXREPLY + 1)) == NULL) {
		free(msg);
		return (ENOMEM);
	}
	memcpy(msg, op == PVBUS_KVWRITE ? pv_guestinfo_set : pv_guestinfo_get,
	    sizeof(pv_guestinfo_get) - 1);
	memcpy(msg + sizeof(pv_guestinfo_get) - 1, key, klen);
	if (op == PVBUS_KVWRITE) {
		msg[sizeof(pv_guestinfo_get) - 1 + klen] = ' ';
		memcpy(msg + sizeof(pv_guestinfo_get) + klen, value, vlen);
	}

	error = fn(ctx, msg, len, reply, PV_VMW_MAXREPLY + 1, &replylen);
	if (error == 0)
		error = pv_vmw_rpci_result(reply, replylen, &text, &textlen);
	if (error == 0) {
		if (op == PVBUS_KVWRITE)
			value[0] = '\0';	/* VMware echoes nothing */
		else if (textlen >= valuelen)
			error = ERANGE;
		else {
			memcpy(value, text, textlen);
			value[textlen] = '\0';
		}
	}
	if (error != 0 && op == PVBUS_KVREAD)
		value[0] = '\0';
	free(msg);
	free(reply);
	return (error);
}

/* GETVERSION's product types (open-vm-tools' VMX_TYPE_*). */
static const char *const pv_guestinfo_types[] = {
	"unset", "express", "esx", "server", "workstation", "ace"
};

/*
 * Without the backdoor (arm64) secure RPC over vsock is the only way, and
 * only on this machine: a saved tree (a root) is another's.  Nothing is
 * connected until the first operation.
 */
static int
pv_guestinfo_attach_vsock(struct pv_unit *unit)
{
	struct pv_guestinfo *gi;

	snprintf(unit->store_path, sizeof(unit->store_path), "vsock %u:%u",
	    unit->bus->vmware_vsock_cid, PV_VMW_VSOCK_RPCI_PORT);
	if (unit->plat->root[0] != '\0')
		return (ENODEV);
	if ((gi = calloc(1, sizeof(*gi))) == NULL)
		return (ENOMEM);
	gi->vsock_cid = unit->bus->vmware_vsock_cid;
	unit->store_state = gi;
	unit->store_access = PVBUS_STORE_RW;
	return (0);
}

static int
pv_guestinfo_attach(struct pv_unit *unit)
{
	struct pv_guestinfo *gi;
	uint32_t version, type;
	int error;

	snprintf(unit->store_path, sizeof(unit->store_path),
	    "backdoor port 0x%x", PV_BD_PORT);
	/* A dump describes another machine: its backdoor is not here. */
	if (!pv_cpuid_is_live(unit->plat))
		return (ENODEV);
	if (!pv_bd_supported())
		return (pv_guestinfo_attach_vsock(unit));
	if ((error = pv_vmw_probe(&version, &type)) != 0)
		return (error);
	if ((gi = calloc(1, sizeof(*gi))) == NULL)
		return (ENOMEM);
	gi->t = &pv_vmw_backdoor;
	gi->vsock_cid = unit->bus->vmware_vsock_cid;
	gi->version = version;
	gi->type = type;
	unit->store_state = gi;
	unit->store_access = PVBUS_STORE_RW;
	(void)pv_attr_number(unit, "backdoor_version", version);
	if (type < nitems(pv_guestinfo_types))
		(void)pv_attr_string(unit, "product_type", "%s (%u)",
		    pv_guestinfo_types[type], type);
	else
		(void)pv_attr_string(unit, "product_type", "%u", type);
	return (0);
}

/*
 * Secure RPC first, as open-vm-tools' RPC channel does: a host that trusts
 * only vsock from a privileged port answers the backdoor "Permission
 * denied".  A vsock that cannot connect (no vsock, no transport to the
 * hypervisor, refused: hvsim turns it off) leaves the backdoor, for this
 * bus's life; the unit's store path says which channel is in use.  Once
 * connected, a failure is the answer: the request may have been done.
 */
struct pv_guestinfo_call {
	struct pv_unit		*unit;
	struct pv_guestinfo	*gi;
};

static int
pv_guestinfo_secure(void *ctx, const char *msg, size_t len, char *reply,
    size_t cap, size_t *replylen)
{
	struct pv_guestinfo_call *c = ctx;
	struct pv_guestinfo *gi = c->gi;
	int error, connected;

	if (gi->vsock_error == 0) {
		error = pv_vmw_vsock_rpci(gi->vsock_cid, geteuid() == 0, msg,
		    len, reply, cap, replylen, &connected);
		if (connected) {
			snprintf(c->unit->store_path,
			    sizeof(c->unit->store_path), "vsock %u:%u",
			    gi->vsock_cid, PV_VMW_VSOCK_RPCI_PORT);
			return (error == EMSGSIZE ? EIO : error);
		}
		gi->vsock_error = error != 0 ? error : EIO;
		if (gi->t != NULL)
			snprintf(c->unit->store_path,
			    sizeof(c->unit->store_path),
			    "backdoor port 0x%x (vsock %u:%u: %s)", PV_BD_PORT,
			    gi->vsock_cid, PV_VMW_VSOCK_RPCI_PORT,
			    strerror(gi->vsock_error));
	}
	/* Without a backdoor the vsock's failure is the answer. */
	if (gi->t == NULL) {
		snprintf(c->unit->store_error, sizeof(c->unit->store_error),
		    "guestinfo: vsock %u:%u: %s", gi->vsock_cid,
		    PV_VMW_VSOCK_RPCI_PORT, strerror(gi->vsock_error));
		return (EIO);
	}
	return (pv_vmw_rpci(gi->t, msg, len, reply, cap, replylen));
}

static int
pv_guestinfo_kvop(struct pv_unit *unit, enum pvbus_kvop op, const char *key,
    char *value, size_t valuelen)
{
	struct pv_guestinfo_call c = { unit, unit->store_state };

	return (pv_guestinfo_op_via(pv_guestinfo_secure, &c, op, key, value,
	    valuelen));
}

/*
 * The host tells the guest nothing when a value changes: read again, 100 ms
 * after the start and then half as often after each read that found no
 * change, down to once in 2 s.  A change is seen within that interval; an
 * idle watch costs one info-get every 2 s.
 */
#define PV_GUESTINFO_POLL_FIRST_MS	100
#define PV_GUESTINFO_POLL_MAX_MS	2000

static int
pv_guestinfo_watch(struct pv_unit *unit, struct pv_watch *w,
    enum pv_watch_step step)
{
	int ms = PV_GUESTINFO_POLL_FIRST_MS;
	unsigned int i;

	(void)unit;
	switch (step) {
	case PV_WATCH_ARM:
		return (pv_guestinfo_check_key(w->key, PVBUS_KVREAD));
	case PV_WATCH_WAIT:
		for (i = 0; i < w->rounds && ms < PV_GUESTINFO_POLL_MAX_MS; i++)
			ms *= 2;
		if (ms > PV_GUESTINFO_POLL_MAX_MS)
			ms = PV_GUESTINFO_POLL_MAX_MS;
		return (pv_watch_sleep(w, ms));
	case PV_WATCH_END:
		break;
	}
	return (0);
}

static void
pv_guestinfo_detach(struct pv_unit *unit)
{
	free(unit->store_state);
	unit->store_state = NULL;
}

const struct pv_store_ops pv_store_guestinfo = {
	.name = "guestinfo",
	.attach = pv_guestinfo_attach,
	.kvop = pv_guestinfo_kvop,
	.detach = pv_guestinfo_detach,
	.watch = pv_guestinfo_watch,
};
