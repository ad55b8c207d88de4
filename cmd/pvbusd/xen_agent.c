/*
 * The Xen agent: the guest metrics XenServer and XCP-ng show (the guest's
 * addresses per vif, its OS, its memory, the tools' version), written to
 * the domain's XenStore home where xe-guest-utilities' xe-daemon writes
 * them, every interval.  The metrics themselves are xen_metrics.c's.
 *
 * As xe-daemon's cached client does, a node is written only when its value
 * changed and removed once the metric is gone (an address taken off), and
 * data/updated, the host's sign that something changed, is written after
 * a round that changed anything.  xe-daemon knows only what it wrote
 * itself; this agent also reads, whenever it (re)connects, what the store
 * holds at its paths, so that a restart writes nothing that is already
 * there and removes the addresses an earlier run left behind.  xe-daemon
 * uses no transactions (every node stands alone for the host), and
 * neither does the agent.
 *
 * A write the store refuses (the domain's quota used up, a node made
 * read-only) is logged once and tried again every interval; the others
 * are still written.  A store that goes away (xenstored restarted, no
 * store at all) is logged once and connected to again every interval.
 * Only one program can write these paths: while xe-daemon runs, the agent
 * leaves them to it.  control/ stays the kernel's (drivers/xen/manage.c
 * answers control/shutdown and names its features there).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pvbusd.h"
#include "proc.h"
#include "xen_agent.h"
#include "xs_client.h"

/* The variable libxenstore reads for a server path; read here alike. */
#define XA_ENV_PATH	"XENSTORED_PATH"

struct xa {
	const struct agent_conf		*conf;
	const struct pv_platform	*plat;
	char				 env_path[PATH_MAX];
	struct xs_conn			 conn;
	struct xs_msg			 msg;
	struct xa_set			 want;	/* the metrics now */
	struct xa_set			 have;	/* ours in the store */
	struct xa_set			 added;	/* written this round */
	int				 fresh;	/* have is to be learnt */
	char				 domain[XS_PAYLOAD_MAX + 1]; /* unique-domain-id */
	int				 trouble;	/* a store failure said */
	int				 refused_logged;
	size_t				 dropped_logged;
	unsigned int			 collect_logged;
};

static const char *
where(const struct xa *a)
{
	if (a->env_path[0] != '\0')
		return (a->env_path);
	if (a->conn.path[0] != '\0')
		return (a->conn.path);
	return (XS_SOCKET_PATH ", " XS_XENBUS_DEV ", " XS_XENBUS_PROC);
}

/* The store failed us: say so once, drop the connection. */
static void
lost(struct xa *a, const char *what, const char *path, int error)
{
	if (!a->trouble)
		logit(LOG_WARNING, "XenStore: %s: %s %s: %s; connecting "
		    "again every %u s", where(a), what, path, strerror(error),
		    a->conf->interval);
	a->trouble = 1;
	xs_conn_close(&a->conn);
}

static int
connect_store(struct xa *a)
{
	int error;

	if (a->conn.fd != -1)
		return (0);
	if ((error = xs_conn_open(&a->conn, a->plat,
	    a->env_path[0] != '\0' ? a->env_path : NULL)) != 0) {
		if (!a->trouble)
			logit(LOG_WARNING, "XenStore: %s: %s; trying again "
			    "every %u s", where(a), strerror(error),
			    a->conf->interval);
		a->trouble = 1;
		return (-1);
	}
	a->fresh = 1;
	return (0);
}

/* Whether an error leaves the connection usable (the store refused). */
static int
refusal(const struct xa *a)
{
	return (a->conn.fd != -1);
}

/* READ PATH into have; 0, or -1 when the connection went. */
static int
learn_one(struct xa *a, const char *path)
{
	int error;

	if (xa_set_find(&a->have, path) != NULL)
		return (0);
	if ((error = xs_read_msg(&a->conn, path, &a->msg)) != 0) {
		if (refusal(a))
			return (0);
		lost(a, "READ", path, error);
		return (-1);
	}
	/* A value that is no string is not one of ours: rewrite it. */
	if (memchr(a->msg.body, '\0', a->msg.hdr.len) != NULL)
		a->msg.body[0] = '\0';
	if (xa_set_add(&a->have, path, "%s", a->msg.body) != 0)
		return (0);
	xa_set_sort(&a->have);
	return (0);
}

/*
 * What the store holds of ours: the values at the paths to be written,
 * and every address under attr/vif, whoever left it.  0, or -1 when the
 * connection went.
 */
static int
learn(struct xa *a)
{
	char *vifs = NULL, *addrs = NULL, dir[XA_PATHLEN], path[XA_PATHLEN];
	const char *vif, *n;
	size_t i, vlen, alen;
	int error, fam, rc = -1;

	xa_set_clear(&a->have);
	for (i = 0; i < a->want.n; i++)
		if (learn_one(a, a->want.v[i].path) != 0)
			return (-1);
	error = xs_directory_list(&a->conn, "attr/vif", XS_PAYLOAD_MAX * 4,
	    &vifs, &vlen);
	if (error != 0) {
		if (refusal(a))
			return (0);
		lost(a, "DIRECTORY", "attr/vif", error);
		return (-1);
	}
	for (vif = vifs; vif < vifs + vlen; vif += strlen(vif) + 1)
		for (fam = 4; fam <= 6; fam += 2) {
			snprintf(dir, sizeof(dir), "attr/vif/%s/ipv%d", vif,
			    fam);
			free(addrs);
			addrs = NULL;
			error = xs_directory_list(&a->conn, dir,
			    XS_PAYLOAD_MAX * 4, &addrs, &alen);
			if (error != 0 && !refusal(a)) {
				lost(a, "DIRECTORY", dir, error);
				goto out;
			}
			for (n = addrs; error == 0 && n < addrs + alen;
			    n += strlen(n) + 1) {
				if ((size_t)snprintf(path, sizeof(path),
				    "%s/%s", dir, n) >= sizeof(path))
					continue;
				if (learn_one(a, path) != 0)
					goto out;
			}
		}
	rc = 0;
 out:
	free(addrs);
	free(vifs);
	return (rc);
}

/* A refused write or removal: counted, the first one kept for the log. */
struct refused {
	size_t	n;
	char	path[XA_PATHLEN];
	int	error;
};

static void
refuse(struct refused *r, const char *path, int error)
{
	if (r->n++ == 0) {
		snprintf(r->path, sizeof(r->path), "%s", path);
		r->error = error;
	}
}

static void
say_refused(struct xa *a, const struct refused *r)
{
	if (r->n > 0 && !a->refused_logged)
		logit(LOG_WARNING, "XenStore refused %zu of the guest "
		    "metrics, first %s: %s%s; the others are published, the "
		    "refused tried again every interval", r->n, r->path,
		    strerror(r->error), r->error == ENOSPC ?
		    " (the domain's quota is used up)" : "");
	else if (r->n == 0 && a->refused_logged)
		logit(LOG_NOTICE, "XenStore takes all the guest metrics "
		    "again");
	a->refused_logged = r->n > 0;
}

static int
rm_node(struct xa *a, const char *path)
{
	struct iovec iov = { (void *)(uintptr_t)path, strlen(path) + 1 };

	return (xs_talk(&a->conn, XS_RM, 0, &iov, 1, &a->msg));
}

/*
 * Write what changed and remove what went away; the number of nodes
 * changed, or -1 when the connection went.
 */
static int
publish(struct xa *a, struct refused *r)
{
	struct xa_node *w, *h;
	size_t i, j;
	int error, changed = 0;

	xa_set_clear(&a->added);
	for (i = 0; i < a->want.n; i++) {
		w = &a->want.v[i];
		h = xa_set_find(&a->have, w->path);
		if (h != NULL && strcmp(h->value, w->value) == 0)
			continue;
		if ((error = xs_write_str(&a->conn, w->path, w->value)) != 0) {
			if (!refusal(a)) {
				lost(a, "WRITE", w->path, error);
				return (-1);
			}
			refuse(r, w->path, error);
			continue;
		}
		changed++;
		if (h != NULL)
			memcpy(h->value, w->value, sizeof(h->value));
		else if (xa_set_add(&a->added, w->path, "%s", w->value) != 0)
			a->fresh = 1;	/* learn it next time instead */
	}
	for (i = j = 0; i < a->have.n; i++) {
		h = &a->have.v[i];
		if (xa_set_find(&a->want, h->path) != NULL) {
			a->have.v[j++] = *h;
			continue;
		}
		error = rm_node(a, h->path);
		if (error == 0 || error == ENOENT) {
			changed += error == 0;
			continue;
		}
		if (!refusal(a)) {
			lost(a, "RM", h->path, error);
			return (-1);
		}
		refuse(r, h->path, error);
		a->have.v[j++] = *h;
	}
	a->have.n = j;
	for (i = 0; i < a->added.n; i++)
		if (xa_set_add(&a->have, a->added.v[i].path, "%s",
		    a->added.v[i].value) != 0)
			a->fresh = 1;
	xa_set_sort(&a->have);
	return (changed);
}

/* data/updated as xe-daemon writes it: Go's "Mon Jan _2 15:04:05 2006". */
static int
updated(struct xa *a, struct refused *r)
{
	char stamp[64];
	struct tm tm;
	time_t now = time(NULL);
	int error;

	if (localtime_r(&now, &tm) == NULL ||
	    strftime(stamp, sizeof(stamp), "%a %b %e %H:%M:%S %Y", &tm) == 0)
		return (0);
	if ((error = xs_write_str(&a->conn, "data/updated", stamp)) == 0)
		return (0);
	if (!refusal(a)) {
		lost(a, "WRITE", "data/updated", error);
		return (-1);
	}
	refuse(r, "data/updated", error);
	return (0);
}

/* One interval's work. */
static void
round_once(struct xa *a)
{
	struct refused r;
	size_t dropped;
	int error, changed;

	if ((error = xa_collect(a->plat, a->conf->exclude, &a->want,
	    &dropped, &a->collect_logged)) != 0) {
		logit(LOG_ERR, "guest metrics: %s", strerror(error));
		return;
	}
	if (dropped != a->dropped_logged) {
		if (dropped > 0)
			logit(LOG_WARNING, "guest metrics: %zu addresses not "
			    "published: at most %d of each family per vif",
			    dropped, XA_MAXADDRS);
		a->dropped_logged = dropped;
	}
	if (connect_store(a) != 0)
		return;
	/*
	 * A new unique-domain-id is a domain resumed or migrated, whose
	 * store may hold anything: learn it again, as xe-daemon clears its
	 * cache then.
	 */
	error = xs_read_msg(&a->conn, "unique-domain-id", &a->msg);
	if (error != 0 && !refusal(a)) {
		lost(a, "READ", "unique-domain-id", error);
		return;
	}
	if (error != 0)
		a->msg.body[0] = '\0';
	if (strcmp(a->domain, a->msg.body) != 0) {
		memcpy(a->domain, a->msg.body, sizeof(a->domain));
		a->fresh = 1;
	}
	if (a->fresh) {
		if (learn(a) != 0)
			return;
		a->fresh = 0;
	}
	memset(&r, 0, sizeof(r));
	if ((changed = publish(a, &r)) < 0)
		return;
	if (changed > 0 && updated(a, &r) != 0)
		return;
	say_refused(a, &r);
	if (a->trouble)
		logit(LOG_NOTICE, "XenStore: %s: publishing the guest "
		    "metrics", where(a));
	a->trouble = 0;
}

static int
xen_run(const struct agent_conf *conf, struct pvbus *bus, size_t unit,
    int readyfd)
{
	struct timespec wait;
	struct xa *a;
	sigset_t set;
	pid_t other, deferred = 0;
	int error;

	(void)unit;
	agent_block_stop(&set);
	agent_ready(conf, readyfd);
	/* The store's replies are large: the agent's state is not on a stack. */
	if ((a = calloc(1, sizeof(*a))) == NULL) {
		logit(LOG_ERR, "Xen agent: out of memory");
		return (1);
	}
	a->conf = conf;
	a->plat = &bus->plat;
	a->conn.fd = -1;
	a->conn.timeout_ms = bus->store_timeout_ms;
	error = pv_getenv(XA_ENV_PATH, a->env_path, sizeof(a->env_path));
	if (error != 0 && error != ENOENT)
		logit(LOG_WARNING, "$%s: %s: using the default paths",
		    XA_ENV_PATH, strerror(error));

	for (;;) {
		other = proc_find("xe-daemon");
		if (other != 0 && deferred == 0) {
			logit(LOG_NOTICE, "xe-daemon is running (pid %d): the "
			    "guest metrics are left to it", (int)other);
			xs_conn_close(&a->conn);
		} else if (other == 0 && deferred != 0)
			logit(LOG_NOTICE, "xe-daemon has ended: publishing "
			    "the guest metrics");
		deferred = other;
		if (deferred == 0)
			round_once(a);
		wait.tv_sec = conf->interval;
		wait.tv_nsec = 0;
		if (sigtimedwait(&set, NULL, &wait) > 0)
			break;
	}
	xs_conn_close(&a->conn);
	xa_set_free(&a->want);
	xa_set_free(&a->have);
	xa_set_free(&a->added);
	free(a);
	return (0);
}

/*
 * A Xen unit whose interface offers XenStore, reached now or not: one
 * that cannot be reached at start-up is looked for every interval.
 */
static int
xen_wants(const struct pvbus_unit *u)
{
	const char *store = pvbus_unit_store(u);

	if (strcmp(pvbus_unit_type(u), "Xen") != 0)
		return (0);
	return ((store != NULL && strcmp(store, "xenstore") == 0) ||
	    strncmp(pvbus_unit_store_error(u), "xenstore:", 9) == 0);
}

const struct agent_ops xen_agent = {
	.name = "Xen",
	.wants = xen_wants,
	.run = xen_run,
};
