/*
 * The requests xssim answers, as xenstored answers them: one handler per
 * message type, node operations shared by direct requests and the replay of
 * a committed transaction.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/string.h>

#include "xssim.h"

#define PATHMAX		(XS_ABS_PATH_MAX + 64)

struct xss_req {
	struct xss_ctx		 c;
	const struct xs_msg	*m;
};

static int
unprivileged(const struct xss_ctx *c)
{
	return (c->s->domid != 0);
}

/* A transaction remembers what it saw, to find conflicts at commit. */
static void
note(struct xss_ctx *c, const char *path, int exists)
{
	struct xss_access *a;
	size_t i;

	if (c->tx == NULL)
		return;
	for (i = 0; i < c->tx->nacc; i++)
		if (strcmp(c->tx->acc[i].path, path) == 0)
			return;
	a = reallocarray(c->tx->acc, c->tx->nacc + 1, sizeof(*a));
	if (a == NULL)
		return;
	c->tx->acc = a;
	if ((a[c->tx->nacc].path = strdup(path)) == NULL)
		return;
	a[c->tx->nacc++].existed = exists;
}

static struct xss_node *
get(struct xss_ctx *c, const char *path)
{
	struct xss_node *n = xss_lookup(c->root, path);

	note(c, path, n != NULL);
	return (n);
}

static void
note_subtree(struct xss_ctx *c, const struct xss_node *n, char *path,
    size_t len)
{
	size_t i, l;

	note(c, path, 1);
	for (i = 0; i < n->nchildren; i++) {
		l = strlen(n->children[i]->name);
		if (len + 1 + l >= PATHMAX)
			continue;
		snprintf(path + len, PATHMAX - len, "%s%s",
		    len == 1 ? "" : "/", n->children[i]->name);
		note_subtree(c, n->children[i],
		    path, len + (len == 1 ? 0 : 1) + l);
		path[len] = '\0';
	}
}

static unsigned int
perm(const struct xss_ctx *c, const struct xss_node *n)
{
	return (xss_perm_for(c->s, n->perms, n->nperms));
}

/* PATH's parent into BUF, which may be PATH itself. */
static void
parent_of(const char *path, char *buf, size_t len)
{
	size_t n = strrchr(path, '/') - path;

	if (n == 0)
		n = 1;
	if (n >= len)
		n = len - 1;
	memmove(buf, path, n);
	buf[n] = '\0';
}

/*
 * The node if the domain has WANT on it.  Otherwise ENOENT or EACCES, and
 * EACCES too when the nearest existing ancestor does not grant WANT: a
 * domain learns nothing of nodes it may not see.
 */
static struct xss_node *
get_node(struct xss_ctx *c, const char *path, unsigned int want, int *errp)
{
	char up[PATHMAX];
	struct xss_node *n, *a = NULL;

	if ((n = get(c, path)) != NULL) {
		if ((perm(c, n) & want) == want)
			return (n);
		*errp = EACCES;
	} else
		*errp = ENOENT;
	strlcpy(up, path, sizeof(up));
	while (strcmp(up, "/") != 0 && a == NULL) {
		parent_of(up, up, sizeof(up));
		a = get(c, up);
	}
	if (a == NULL || (perm(c, a) & want) == 0)
		*errp = EACCES;
	return (NULL);
}

int
xss_canonical(const struct xss *s, const char *in, char *out, size_t outlen)
{
	int n;

	if (in == NULL || in[0] == '@')
		return (EINVAL);
	if (in[0] == '/')
		n = snprintf(out, outlen, "%s", in);
	else
		n = snprintf(out, outlen, "/local/domain/%" PRIu32 "/%s",
		    s->domid, in);
	if (n < 0 || (size_t)n >= outlen)
		return (EINVAL);
	return (xs_path_check(out, 0));
}

static void
changed(struct xss_ctx *c, struct xss_node *n)
{
	n->gen = ++c->s->gen;
}

static void
log_change(struct xss_ctx *c, uint32_t type, const char *path,
    const char *data, size_t len)
{
	struct xss_change *l;
	struct xss_tx *tx = c->tx;

	if (tx == NULL)
		return;
	if ((l = reallocarray(tx->log, tx->nlog + 1, sizeof(*l))) == NULL)
		return;
	tx->log = l;
	l = &tx->log[tx->nlog];
	l->type = type;
	l->path = strdup(path);
	l->data = malloc(len + 1);
	if (l->path == NULL || l->data == NULL) {
		free(l->path);
		free(l->data);
		return;
	}
	if (len > 0)
		memcpy(l->data, data, len);
	l->len = len;
	tx->nlog++;
}

static void
fire(struct xss_ctx *c, const char *path, int exact,
    const struct xss_node *n, const struct xss_perm *oldp, size_t noldp)
{
	/* Inside a transaction, watches fire when it commits. */
	if (c->tx == NULL)
		xss_fire(c->s, path, exact, n, oldp, noldp);
}

/* Create PATH below its nearest existing ancestor, quotas checked first. */
static int
create(struct xss_ctx *c, const char *path, const char *data, size_t len)
{
	char up[PATHMAX];
	struct xss_node *a = NULL, *n;
	const char *p, *e, *q;
	size_t k = 0, nperms, firstlen;
	unsigned int owned;

	strlcpy(up, path, sizeof(up));
	while (a == NULL) {
		parent_of(up, up, sizeof(up));
		a = get(c, up);
		k++;
	}
	/* The components below A: the first one joins A's children. */
	p = path + strlen(up) + (strcmp(up, "/") != 0);
	firstlen = strchrnul(p, '/') - p;
	nperms = a->nperms;
	if (unprivileged(c)) {
		owned = xss_owned(c->root, c->s->domid);
		if (owned + k > c->s->quota.entries)
			return (ENOSPC);
		if (xss_node_size(a) + firstlen + 1 >= c->s->quota.entry_size)
			return (ENOSPC);
		/* Each new node holds one child's name, the last the value. */
		for (e = p;; e = q + 1) {
			if (*(q = strchrnul(e, '/')) == '\0') {
				if (24 + 8 * nperms + len >=
				    c->s->quota.entry_size)
					return (ENOSPC);
				break;
			}
			if (24 + 8 * nperms + (strchrnul(q + 1, '/') - q) >=
			    c->s->quota.entry_size)
				return (ENOSPC);
		}
	}
	changed(c, a);
	n = a;
	while (*p != '\0') {
		char comp[XS_ABS_PATH_MAX + 1];
		struct xss_node *child;

		e = strchrnul(p, '/');
		snprintf(comp, sizeof(comp), "%.*s", (int)(e - p), p);
		if ((child = xss_node_new(n, comp)) == NULL)
			return (ENOMEM);
		child->perms = calloc(n->nperms, sizeof(*child->perms));
		if (child->perms == NULL)
			return (ENOMEM);
		memcpy(child->perms, n->perms,
		    n->nperms * sizeof(*child->perms));
		child->nperms = n->nperms;
		/* Unprivileged domains own what they create. */
		if (unprivileged(c))
			child->perms[0].id = c->s->domid;
		if (xss_set_value(child, "", 0) != 0)
			return (ENOMEM);
		changed(c, child);
		n = child;
		p = *e == '/' ? e + 1 : e;
	}
	if (xss_set_value(n, data, len) != 0)
		return (ENOMEM);
	fire(c, path, 0, n, NULL, 0);
	return (0);
}

static int
op_write(struct xss_ctx *c, const char *path, const char *data, size_t len,
    int mkdir)
{
	struct xss_node *n;
	int error;

	if ((n = get_node(c, path, XSS_PERM_WRITE, &error)) == NULL) {
		if (error != ENOENT)
			return (error);
		if ((error = create(c, path, data, len)) == 0)
			log_change(c, mkdir ? XS_MKDIR : XS_WRITE, path, data,
			    len);
		return (error);
	}
	if (mkdir)
		return (0);
	if (unprivileged(c) &&
	    xss_node_size(n) - n->vlen + len >= c->s->quota.entry_size)
		return (ENOSPC);
	if (xss_set_value(n, data, len) != 0)
		return (ENOMEM);
	changed(c, n);
	log_change(c, XS_WRITE, path, data, len);
	fire(c, path, 0, n, NULL, 0);
	return (0);
}

static void
fire_subtree(struct xss_ctx *c, const struct xss_node *n, char *path,
    size_t len)
{
	size_t i, l;

	for (i = 0; i < n->nchildren; i++) {
		l = strlen(n->children[i]->name);
		if (len + 1 + l >= PATHMAX)
			continue;
		snprintf(path + len, PATHMAX - len, "%s%s",
		    len == 1 ? "" : "/", n->children[i]->name);
		fire_subtree(c, n->children[i], path,
		    len + (len == 1 ? 0 : 1) + l);
		fire(c, path, 1, n->children[i], NULL, 0);
		path[len] = '\0';
	}
}

static int
op_rm(struct xss_ctx *c, const char *path)
{
	char buf[PATHMAX];
	struct xss_node *n;
	int error;

	if ((n = get_node(c, path, XSS_PERM_WRITE, &error)) == NULL) {
		/* Removing what is not there is fine if the parent is. */
		if (error != ENOENT)
			return (error);
		parent_of(path, buf, sizeof(buf));
		return (get(c, buf) != NULL ? 0 : ENOENT);
	}
	if (strcmp(path, "/") == 0)
		return (EINVAL);
	strlcpy(buf, path, sizeof(buf));
	note_subtree(c, n, buf, strlen(buf));
	/* Watchers may still see the nodes' permissions now. */
	fire(c, path, 0, n, NULL, 0);
	fire_subtree(c, n, buf, strlen(buf));
	changed(c, n->parent);
	xss_node_unlink(n);
	xss_node_free(n);
	log_change(c, XS_RM, path, "", 0);
	return (0);
}

static int
op_set_perms(struct xss_ctx *c, const char *path, const char *strings,
    size_t len)
{
	struct xss_perm *p, *old;
	struct xss_node *n;
	size_t np, nold;
	int error;

	if ((error = xss_perms_parse(strings, len, &p, &np)) != 0)
		return (error);
	n = get_node(c, path, XSS_PERM_WRITE | XSS_PERM_OWNER, &error);
	if (n == NULL)
		goto fail;
	error = EPERM;
	if (unprivileged(c) && p[0].id != n->perms[0].id)
		goto fail;
	error = ENOSPC;
	if (unprivileged(c) && 24 + 8 * np + n->vlen + xss_childlen(n) >=
	    c->s->quota.entry_size)
		goto fail;
	old = n->perms;
	nold = n->nperms;
	n->perms = p;
	n->nperms = np;
	changed(c, n);
	log_change(c, XS_SET_PERMS, path, strings, len);
	fire(c, path, 0, n, old, nold);
	free(old);
	return (0);
 fail:
	free(p);
	return (error);
}

/* Payload helpers, as xenstored's onearg and get_strings. */
static const char *
onearg(const struct xs_msg *m)
{
	if (m->hdr.len == 0 || strlen(m->body) + 1 != m->hdr.len)
		return (NULL);
	return (m->body);
}

static size_t
nstrings(const struct xs_msg *m)
{
	size_t i, n = 0;

	for (i = 0; i < m->hdr.len; i++)
		n += m->body[i] == '\0';
	return (n);
}

static void
reply(struct xss_req *r, const void *data, size_t len)
{
	if (r->c.conn == NULL)
		return;
	if (len > XS_PAYLOAD_MAX) {
		xss_send_error(r->c.conn, &r->m->hdr, E2BIG);
		return;
	}
	xss_send(r->c.conn, r->m->hdr.type, r->m->hdr.req_id, r->m->hdr.tx_id,
	    data, len);
}

static void
ack(struct xss_req *r)
{
	reply(r, "OK", 3);
}

/* The request's one argument as a canonical path, in PATH[PATHMAX]. */
static int
req_path(struct xss_req *r, char *path)
{
	return (xss_canonical(r->c.s, onearg(r->m), path, PATHMAX));
}

static int
req_node(struct xss_req *r, unsigned int want, struct xss_node **np)
{
	char path[PATHMAX];
	int error;

	if ((error = req_path(r, path)) != 0)
		return (error);
	*np = get_node(&r->c, path, want, &error);
	return (*np == NULL ? error : 0);
}

static int
children(const struct xss_node *n, char **out, size_t *len)
{
	size_t i, off = 0, l;
	char *buf;

	if ((buf = malloc(xss_childlen(n) + 1)) == NULL)
		return (ENOMEM);
	for (i = 0; i < n->nchildren; i++) {
		l = strlen(n->children[i]->name) + 1;
		memcpy(buf + off, n->children[i]->name, l);
		off += l;
	}
	*out = buf;
	*len = off;
	return (0);
}

static int
do_read(struct xss_req *r)
{
	struct xss_node *n;
	int error;

	if ((error = req_node(r, XSS_PERM_READ, &n)) != 0)
		return (error);
	reply(r, n->value, n->vlen);
	return (0);
}

static int
do_directory(struct xss_req *r)
{
	struct xss_node *n;
	char *list;
	size_t len;
	int error;

	if ((error = req_node(r, XSS_PERM_READ, &n)) != 0)
		return (error);
	if ((error = children(n, &list, &len)) != 0)
		return (error);
	reply(r, list, len);
	free(list);
	return (0);
}

/* "path\0offset\0": the generation, names from OFFSET, "" at the end. */
static int
do_directory_part(struct xss_req *r)
{
	char path[PATHMAX], gen[24], *list, *out;
	struct xss_node *n;
	size_t len, off, genlen, take, l;
	int error;

	if (nstrings(r->m) != 2)
		return (EINVAL);
	if ((error = xss_canonical(r->c.s, r->m->body, path,
	    sizeof(path))) != 0)
		return (error);
	if ((n = get_node(&r->c, path, XSS_PERM_READ, &error)) == NULL)
		return (error);
	off = strtoul(r->m->body + strlen(r->m->body) + 1, NULL, 10);
	genlen = snprintf(gen, sizeof(gen), "%" PRIu64, n->gen) + 1;
	if ((error = children(n, &list, &len)) != 0)
		return (error);
	if ((out = malloc(genlen + len + 1)) == NULL) {
		free(list);
		return (ENOMEM);
	}
	memcpy(out, gen, genlen);
	take = 0;
	if (off < len) {
		while (off + take < len) {
			l = strlen(list + off + take) + 1;
			if (genlen + take + l + 1 > XS_PAYLOAD_MAX)
				break;
			take += l;
		}
		memcpy(out + genlen, list + off, take);
	}
	if (off + take >= len)
		out[genlen + take++] = '\0';
	reply(r, out, genlen + take);
	free(out);
	free(list);
	return (0);
}

static int
do_get_perms(struct xss_req *r)
{
	char buf[XS_PAYLOAD_MAX + 32];
	struct xss_node *n;
	size_t i, off = 0;
	int error;

	if ((error = req_node(r, XSS_PERM_READ, &n)) != 0)
		return (error);
	for (i = 0; i < n->nperms && off < XS_PAYLOAD_MAX; i++)
		off += snprintf(buf + off, sizeof(buf) - off, "%c%" PRIu32,
		    n->perms[i].mode, n->perms[i].id) + 1;
	reply(r, buf, off);
	return (0);
}

static int
do_write(struct xss_req *r)
{
	char path[PATHMAX];
	size_t off;
	int error;

	if (nstrings(r->m) < 1)
		return (EINVAL);
	if ((error = xss_canonical(r->c.s, r->m->body, path,
	    sizeof(path))) != 0)
		return (error);
	off = strlen(r->m->body) + 1;
	if ((error = op_write(&r->c, path, r->m->body + off,
	    r->m->hdr.len - off, 0)) != 0)
		return (error);
	ack(r);
	return (0);
}

static int
do_mkdir(struct xss_req *r)
{
	char path[PATHMAX];
	int error;

	if ((error = req_path(r, path)) != 0 ||
	    (error = op_write(&r->c, path, "", 0, 1)) != 0)
		return (error);
	ack(r);
	return (0);
}

static int
do_rm(struct xss_req *r)
{
	char path[PATHMAX];
	int error;

	if ((error = req_path(r, path)) != 0 ||
	    (error = op_rm(&r->c, path)) != 0)
		return (error);
	ack(r);
	return (0);
}

static int
do_set_perms(struct xss_req *r)
{
	char path[PATHMAX];
	size_t n, off, end;
	int error;

	if ((n = nstrings(r->m)) < 2)
		return (EINVAL);
	if (unprivileged(&r->c) && n - 1 > r->c.s->quota.perms)
		return (ENOSPC);
	off = strlen(r->m->body) + 1;
	/* Bytes after the last NUL are not a permission. */
	for (end = r->m->hdr.len; end > 0 && r->m->body[end - 1] != '\0';)
		end--;
	if (r->m->body[0] == '@') {
		if (unprivileged(&r->c))
			return (EACCES);
		ack(r);
		return (0);
	}
	if ((error = xss_canonical(r->c.s, r->m->body, path,
	    sizeof(path))) != 0)
		return (error);
	if ((error = op_set_perms(&r->c, path, r->m->body + off,
	    end - off)) != 0)
		return (error);
	ack(r);
	return (0);
}

static int
watch_args(struct xss_req *r, char *path, size_t len, int *relative)
{
	const char *node = r->m->body;

	if (nstrings(r->m) != 2)
		return (EINVAL);
	*relative = 0;
	if (node[0] == '@') {
		if (strlen(node) > XS_REL_PATH_MAX)
			return (EINVAL);
		strlcpy(path, node, len);
		return (0);
	}
	*relative = node[0] != '/';
	return (xss_canonical(r->c.s, node, path, len));
}

static int
do_watch(struct xss_req *r)
{
	char path[PATHMAX];
	const char *token;
	struct xss_conn *conn = r->c.conn;
	struct xss_watch *w;
	int error, relative;

	if ((error = watch_args(r, path, sizeof(path), &relative)) != 0)
		return (error);
	token = r->m->body + strlen(r->m->body) + 1;
	if (xss_watch_find(conn, path, token) != NULL)
		return (EEXIST);
	if (unprivileged(&r->c) && conn->nwatches > r->c.s->quota.watches)
		return (E2BIG);
	if ((w = xss_watch_add(conn, path, token, relative)) == NULL)
		return (ENOMEM);
	ack(r);
	/* Fired once at once, so that clients need not read first. */
	xss_event(r->c.s, conn, w, path);
	return (0);
}

static int
do_unwatch(struct xss_req *r)
{
	char path[PATHMAX];
	const char *token;
	struct xss_watch *w;
	int error, relative;

	if ((error = watch_args(r, path, sizeof(path), &relative)) != 0)
		return (error);
	token = r->m->body + strlen(r->m->body) + 1;
	if ((w = xss_watch_find(r->c.conn, path, token)) == NULL)
		return (ENOENT);
	xss_watch_del(r->c.conn, w);
	ack(r);
	return (0);
}

static int
do_transaction_start(struct xss_req *r)
{
	struct xss_conn *conn = r->c.conn;
	struct xss_tx *tx;
	char id[16];

	if (r->c.tx != NULL)
		return (EBUSY);
	if (unprivileged(&r->c) && conn->ntxs >= r->c.s->quota.transactions)
		return (ENOSPC);
	if ((tx = xss_tx_new(r->c.s, conn)) == NULL)
		return (ENOMEM);
	snprintf(id, sizeof(id), "%" PRIu32, tx->id);
	reply(r, id, strlen(id) + 1);
	return (0);
}

/* Whether what the transaction saw is still what the store holds. */
static int
tx_conflicts(const struct xss *s, const struct xss_tx *tx)
{
	const struct xss_node *n;
	size_t i;

	for (i = 0; i < tx->nacc; i++) {
		n = xss_lookup(s->root, tx->acc[i].path);
		if (n != NULL ? n->gen > tx->start_gen || !tx->acc[i].existed :
		    tx->acc[i].existed)
			return (1);
	}
	return (0);
}

static void
tx_replay(struct xss *s, const struct xss_tx *tx)
{
	struct xss_ctx c = { s, NULL, NULL, s->root };
	const struct xss_change *l;
	size_t i;

	for (i = 0; i < tx->nlog; i++) {
		l = &tx->log[i];
		switch (l->type) {
		case XS_WRITE:
		case XS_MKDIR:
			op_write(&c, l->path, l->data, l->len,
			    l->type == XS_MKDIR);
			break;
		case XS_RM:
			op_rm(&c, l->path);
			break;
		case XS_SET_PERMS:
			op_set_perms(&c, l->path, l->data, l->len);
			break;
		}
	}
}

static int
do_transaction_end(struct xss_req *r)
{
	const char *arg = onearg(r->m);
	struct xss_conn *conn = r->c.conn;
	struct xss_tx *tx = r->c.tx;
	int error = 0;

	if (arg == NULL || (strcmp(arg, "T") != 0 && strcmp(arg, "F") != 0))
		return (EINVAL);
	if (tx == NULL)
		return (ENOENT);
	xss_tx_unlink(conn, tx);
	if (arg[0] == 'T') {
		if (tx_conflicts(r->c.s, tx))
			error = EAGAIN;
		else
			tx_replay(r->c.s, tx);
	}
	xss_tx_free(tx);
	if (error == 0)
		ack(r);
	return (error);
}

static int
do_get_domain_path(struct xss_req *r)
{
	const char *arg = onearg(r->m);
	char path[64];
	unsigned long id;
	char *end;

	if (arg == NULL || arg[0] < '0' || arg[0] > '9')
		return (EINVAL);
	errno = 0;
	id = strtoul(arg, &end, 10);
	if (errno != 0 || *end != '\0' || id > 0xffff)
		return (EINVAL);
	snprintf(path, sizeof(path), "/local/domain/%lu", id);
	reply(r, path, strlen(path) + 1);
	return (0);
}

static int
do_is_domain_introduced(struct xss_req *r)
{
	const char *arg = onearg(r->m);
	char *end;
	unsigned long id;

	if (arg == NULL)
		return (EINVAL);
	id = strtoul(arg, &end, 10);
	if (*end != '\0')
		return (EINVAL);
	reply(r, id == 0 || id == r->c.s->domid ? "T" : "F", 2);
	return (0);
}

static int
do_reset_watches(struct xss_req *r)
{
	xss_conn_clear(r->c.conn);
	ack(r);
	return (0);
}

/* Domain management needs a hypervisor; the simulator has none. */
static int
do_nosys(struct xss_req *r)
{
	(void)r;
	return (ENOSYS);
}

#define F_NOTID	1u	/* the transaction id is ignored */
#define F_PRIV	2u	/* dom0 only: EACCES for others */

static const struct {
	int		(*fn)(struct xss_req *);
	unsigned int	flags;
} xss_ops[XS_TYPE_COUNT] = {
	[XS_CONTROL] = { do_nosys, F_PRIV },
	[XS_DIRECTORY] = { do_directory, 0 },
	[XS_READ] = { do_read, 0 },
	[XS_GET_PERMS] = { do_get_perms, 0 },
	[XS_WATCH] = { do_watch, F_NOTID },
	[XS_UNWATCH] = { do_unwatch, F_NOTID },
	[XS_TRANSACTION_START] = { do_transaction_start, 0 },
	[XS_TRANSACTION_END] = { do_transaction_end, 0 },
	[XS_INTRODUCE] = { do_nosys, F_PRIV },
	[XS_RELEASE] = { do_nosys, F_PRIV },
	[XS_GET_DOMAIN_PATH] = { do_get_domain_path, 0 },
	[XS_WRITE] = { do_write, 0 },
	[XS_MKDIR] = { do_mkdir, 0 },
	[XS_RM] = { do_rm, 0 },
	[XS_SET_PERMS] = { do_set_perms, 0 },
	[XS_IS_DOMAIN_INTRODUCED] = { do_is_domain_introduced, F_PRIV },
	[XS_RESUME] = { do_nosys, F_PRIV },
	[XS_SET_TARGET] = { do_nosys, F_PRIV },
	[XS_RESET_WATCHES] = { do_reset_watches, 0 },
	[XS_DIRECTORY_PART] = { do_directory_part, 0 },
};

void
xss_dispatch(struct xss *s, struct xss_conn *conn, const struct xs_msg *m)
{
	struct xss_req r;
	struct xss_tx *tx = NULL;
	uint32_t type = m->hdr.type;
	int error;

	if (type >= XS_TYPE_COUNT || xss_ops[type].fn == NULL) {
		xss_send_error(conn, &m->hdr, ENOSYS);
		return;
	}
	if ((xss_ops[type].flags & F_PRIV) && s->domid != 0) {
		xss_send_error(conn, &m->hdr, EACCES);
		return;
	}
	if (!(xss_ops[type].flags & F_NOTID) && m->hdr.tx_id != 0) {
		if ((tx = xss_tx_find(conn, m->hdr.tx_id)) == NULL) {
			xss_send_error(conn, &m->hdr, ENOENT);
			return;
		}
	}
	r.c.s = s;
	r.c.conn = conn;
	r.c.tx = tx;
	r.c.root = tx != NULL ? tx->root : s->root;
	r.m = m;
	if ((error = xss_ops[type].fn(&r)) != 0)
		xss_send_error(conn, &m->hdr, error);
}
