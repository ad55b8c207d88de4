/*
 * XenStore as the information store of a Xen unit, with the semantics of
 * OpenBSD's xs_kvop: a read of an empty value lists the node's children,
 * relative keys live in the domain's home (the server resolves them, as it
 * does for any guest), absolute keys are allowed where the host permits.
 *
 * Attaching also reads the domain's own facts through the connection, as a
 * domU does: its domid, its home and the devices under device/.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "stores.h"
#include "xs_client.h"

/* The variable libxenstore reads for a server path; read here alike. */
#define XS_ENV_PATH	"XENSTORED_PATH"

struct xs_store {
	struct xs_conn	 conn;
	char		 env_path[PATH_MAX];	/* "" when unset */
	struct xs_msg	 msg;			/* one reply at a time */
};

static void	xs_store_detach(struct pv_unit *);

static int
xs_store_connect(struct pv_unit *unit, struct xs_store *s)
{
	if (s->conn.fd != -1)
		return (0);
	return (xs_conn_open(&s->conn, unit->plat,
	    s->env_path[0] != '\0' ? s->env_path : NULL));
}

static int
xs_id_cmp(const void *a, const void *b)
{
	return (strcmp(a, b));
}

/*
 * device/<type>/<id>: each a paravirtual frontend the host gave us, unless
 * the kernel lists it already (/sys/bus/xen, as "<type>-<id>").  Those are
 * sorted once and looked up, so that a host with many devices costs
 * n log n, and the listing stops at the unit's device limit.
 */
static void
xs_store_devices(struct pv_unit *unit, struct xs_store *s)
{
	char types[XS_PAYLOAD_MAX + 1], path[64 + XS_PAYLOAD_MAX];
	char id[sizeof(unit->devices->id)], sysname[sizeof(id)];
	char (*known)[sizeof(id)] = NULL;
	const char *type, *dev;
	size_t nknown = unit->ndevices, tlen, off, doff, i;

	if (xs_directory_msg(&s->conn, "device", &s->msg) != 0)
		return;
	if (nknown > 0) {
		if ((known = reallocarray(NULL, nknown, sizeof(*known))) ==
		    NULL)
			return;
		for (i = 0; i < nknown; i++)
			strlcpy(known[i], unit->devices[i].id, sizeof(*known));
		qsort(known, nknown, sizeof(*known), xs_id_cmp);
	}
	tlen = s->msg.hdr.len;
	memcpy(types, s->msg.body, tlen + 1);
	for (off = 0; off < tlen; off += strlen(type) + 1) {
		type = types + off;
		if (*type == '\0' || strlen(type) > 32)
			continue;
		snprintf(path, sizeof(path), "device/%s", type);
		if (xs_directory_msg(&s->conn, path, &s->msg) != 0) {
			/* The host failed (or went silent), not the type. */
			if (s->conn.fd == -1)
				break;
			continue;
		}
		for (doff = 0; doff < s->msg.hdr.len; doff += strlen(dev) + 1) {
			dev = s->msg.body + doff;
			if (*dev == '\0')
				continue;
			snprintf(sysname, sizeof(sysname), "%s-%s", type, dev);
			if (nknown > 0 && bsearch(sysname, known, nknown,
			    sizeof(*known), xs_id_cmp) != NULL)
				continue;
			snprintf(id, sizeof(id), "%s/%s", type, dev);
			if (pv_device_add(unit, type, id, unit->name, "") ==
			    ENOSPC)
				goto out;
		}
	}
 out:
	free(known);
}

static int
xs_store_attach(struct pv_unit *unit)
{
	struct xs_store *s;
	unsigned long domid;
	char *end;
	size_t i;
	int error, have_domid = 0;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (ENOMEM);
	s->conn.fd = -1;
	s->conn.timeout_ms = unit->bus->store_timeout_ms;
	error = pv_getenv(XS_ENV_PATH, s->env_path, sizeof(s->env_path));
	if (error != 0 && error != ENOENT) {
		free(s);
		return (error);
	}
	if ((error = xs_store_connect(unit, s)) != 0) {
		snprintf(unit->store_path, sizeof(unit->store_path), "%s",
		    s->env_path[0] != '\0' ? s->env_path :
		    XS_SOCKET_PATH ", " XS_XENBUS_DEV ", " XS_XENBUS_PROC);
		free(s);
		return (error);
	}
	unit->store_state = s;
	unit->store_access = PVBUS_STORE_RW;
	strlcpy(unit->store_path, s->conn.path, sizeof(unit->store_path));

	/*
	 * A relative "domid" is the guest's own, wherever it lives.  A host
	 * that does not answer it costs one wait, not one per request that
	 * would follow: no store.
	 */
	if ((error = xs_read_msg(&s->conn, "domid", &s->msg)) == ETIMEDOUT) {
		xs_store_detach(unit);
		return (error);
	}
	if (error == 0) {
		errno = 0;
		domid = strtoul(s->msg.body, &end, 10);
		if (errno == 0 && end != s->msg.body && *end == '\0' &&
		    domid < 0x7ff0)
			have_domid = 1;
	}
	if (have_domid) {
		/* CPUID may have told already; say so if the two disagree. */
		for (i = 0; i < unit->nattrs; i++)
			if (strcmp(unit->attrs[i].name, "domid") == 0)
				break;
		if (i == unit->nattrs)
			pv_attr_number(unit, "domid", domid);
		else if (unit->attrs[i].raw != domid)
			pv_attr_number(unit, "store_domid", domid);
		pv_attr_string(unit, "home", "/local/domain/%lu", domid);
	}
	if ((unit->bus->flags & PVBUS_OPEN_NO_DEVICES) == 0 &&
	    xs_store_connect(unit, s) == 0)
		xs_store_devices(unit, s);
	return (0);
}

static int
xs_store_read(struct xs_store *s, const char *key, char *value,
    size_t valuelen)
{
	char *names;
	size_t len;
	int error;

	if ((error = xs_read_msg(&s->conn, key, &s->msg)) != 0)
		return (error);
	if (s->msg.hdr.len > 0) {
		/* A value with a NUL inside cannot be given back whole. */
		if (memchr(s->msg.body, '\0', s->msg.hdr.len) != NULL)
			return (EIO);
		if (s->msg.hdr.len + 1 > valuelen)
			return (ERANGE);
		memcpy(value, s->msg.body, s->msg.hdr.len + 1);
		return (0);
	}
	/*
	 * Empty: a directory and an empty value look alike; list it, in
	 * parts when it is longer than one message.
	 */
	if ((error = xs_directory_list(&s->conn, key, valuelen, &names,
	    &len)) != 0)
		return (error);
	error = xs_dir_join(names, len, value, valuelen);
	free(names);
	return (error);
}

static int
xs_store_kvop(struct pv_unit *unit, enum pvbus_kvop op, const char *key,
    char *value, size_t valuelen)
{
	struct xs_store *s = unit->store_state;
	int error;

	/* Refuse what the server would refuse, before anything is sent. */
	if ((error = xs_path_check(key, 0)) != 0)
		return (error);
	if ((error = xs_store_connect(unit, s)) != 0)
		return (EIO);
	if (op == PVBUS_KVWRITE &&
	    strlen(key) + 1 + strlen(value) > xs_payload_max(&s->conn))
		return (E2BIG);
	if (op == PVBUS_KVREAD)
		error = xs_store_read(s, key, value, valuelen);
	else if ((error = xs_write_str(&s->conn, key, value)) == 0) {
		/* "OK", which OpenBSD gives back as an empty value. */
		value[0] = '\0';
	}
	if (error == ETIMEDOUT)
		snprintf(unit->store_error, sizeof(unit->store_error),
		    "xenstore: %s: no answer within %d ms", unit->store_path,
		    s->conn.timeout_ms);
	return (error);
}

/*
 * A watch on a connection of its own.  When the server goes away (xenstored
 * restarted, xssim killed) it is reconnected to, 100 ms after the loss and
 * then up to a second apart, and the watch set again; the store's own
 * connection is dropped then too, as it leads to the old server.  The event
 * a newly set watch fires makes the caller read the key on the new server.
 */
#define XS_WATCH_TOKEN		"pvbus"
#define XS_RETRY_FIRST_MS	100
#define XS_RETRY_MAX_MS		1000

struct xs_watch_state {
	struct xs_conn	conn;
	struct xs_msg	ev;
};

static int
xs_watch_arm(struct pv_unit *unit, struct xs_store *s,
    struct xs_watch_state *ws, const char *key)
{
	int error;

	if ((error = xs_conn_open(&ws->conn, unit->plat,
	    s->env_path[0] != '\0' ? s->env_path : NULL)) != 0)
		return (EIO);
	return (xs_watch_set(&ws->conn, key, XS_WATCH_TOKEN));
}

static int
xs_store_watch(struct pv_unit *unit, struct pv_watch *w,
    enum pv_watch_step step)
{
	struct xs_store *s = unit->store_state;
	struct xs_watch_state *ws = w->state;
	int error, ms = XS_RETRY_FIRST_MS;

	switch (step) {
	case PV_WATCH_ARM:
		if ((error = xs_path_check(w->key, 0)) != 0)
			return (error);
		if ((ws = calloc(1, sizeof(*ws))) == NULL)
			return (ENOMEM);
		ws->conn.fd = -1;
		w->state = ws;
		return (xs_watch_arm(unit, s, ws, w->key));
	case PV_WATCH_WAIT:
		for (;;) {
			if (ws->conn.fd != -1) {
				error = xs_watch_next(&ws->conn,
				    w->has_deadline ? &w->deadline : NULL,
				    &ws->ev);
				if (error != EIO)
					return (error);
			}
			/* The server is gone: wait, then find it again. */
			if ((error = pv_watch_sleep(w, ms)) != 0)
				return (error);
			if (ms < XS_RETRY_MAX_MS)
				ms = ms * 2 > XS_RETRY_MAX_MS ?
				    XS_RETRY_MAX_MS : ms * 2;
			error = xs_watch_arm(unit, s, ws, w->key);
			if (error == 0) {
				xs_conn_close(&s->conn);
				return (0);
			}
			if (error != EIO && error != ETIMEDOUT)
				return (error);
			xs_conn_close(&ws->conn);
		}
	case PV_WATCH_END:
		if (ws != NULL) {
			xs_conn_close(&ws->conn);
			free(ws);
		}
		w->state = NULL;
		break;
	}
	return (0);
}

static void
xs_store_detach(struct pv_unit *unit)
{
	struct xs_store *s = unit->store_state;

	if (s == NULL)
		return;
	xs_conn_close(&s->conn);
	free(s);
	unit->store_state = NULL;
}

const struct pv_store_ops pv_store_xenstore = {
	.name = "xenstore",
	.attach = xs_store_attach,
	.kvop = xs_store_kvop,
	.detach = xs_store_detach,
	.watch = xs_store_watch,
};
