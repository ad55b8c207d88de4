/*
 * Connections: what is queued for a client, the watches it set and the
 * events they fire, the transactions it holds open.
 */
#include <sys/socket.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "xssim.h"

static void
watch_free(struct xss_watch *w)
{
	free(w->node);
	free(w->token);
	free(w);
}

/* A client that leaves this much unread is not reading: drop it. */
#define XSS_OUT_MAX	(4u * 1024 * 1024)

void
xss_send(struct xss_conn *conn, uint32_t type, uint32_t req_id,
    uint32_t tx_id, const void *data, size_t len)
{
	struct xs_hdr hdr = { type, req_id, tx_id, (uint32_t)len };
	unsigned char *out;
	size_t need = conn->outlen + XS_HDR_LEN + len, cap;

	if (conn->dead)
		return;
	if (need > XSS_OUT_MAX) {
		conn->dead = 1;
		return;
	}
	if (need > conn->outcap) {
		for (cap = conn->outcap ? conn->outcap : 8192; cap < need;)
			cap *= 2;
		if ((out = realloc(conn->out, cap)) == NULL) {
			conn->dead = 1;
			return;
		}
		conn->out = out;
		conn->outcap = cap;
	}
	xs_hdr_pack(&hdr, conn->out + conn->outlen);
	if (len > 0)
		memcpy(conn->out + conn->outlen + XS_HDR_LEN, data, len);
	conn->outlen = need;
}

void
xss_send_error(struct xss_conn *conn, const struct xs_hdr *req, int error)
{
	const char *s = xs_error_string(error);

	xss_send(conn, XS_ERROR, req->req_id, req->tx_id, s, strlen(s) + 1);
}

/* The event of watch W for PATH: relative watches see relative paths. */
void
xss_event(struct xss *s, struct xss_conn *conn, const struct xss_watch *w,
    const char *path)
{
	char home[32], buf[XS_PAYLOAD_MAX + 1];
	size_t hl, pl, tl;

	if (w->relative) {
		hl = snprintf(home, sizeof(home), "/local/domain/%" PRIu32,
		    s->domid);
		if (strncmp(path, home, hl) == 0) {
			path += hl;
			if (*path == '/')
				path++;
		}
	}
	pl = strlen(path) + 1;
	tl = strlen(w->token) + 1;
	if (pl + tl > XS_PAYLOAD_MAX)
		return;
	memcpy(buf, path, pl);
	memcpy(buf + pl, w->token, tl);
	xss_send(conn, XS_WATCH_EVENT, 0, 0, buf, pl + tl);
}

/* Is PATH the node WATCHED or below it? */
static int
is_child(const char *path, const char *watched)
{
	size_t len = strlen(watched);

	if (strcmp(watched, "/") == 0)
		return (path[0] == '/');
	return (strncmp(path, watched, len) == 0 &&
	    (path[len] == '/' || path[len] == '\0'));
}

/*
 * Fire the watches on PATH (EXACT: only those on PATH itself).  A domain is
 * told only of nodes it may read, or whose parent it may read, or which it
 * could read before their permissions changed (OLDP).
 */
void
xss_fire(struct xss *s, const char *path, int exact,
    const struct xss_node *node, const struct xss_perm *oldp, size_t noldp)
{
	struct xss_conn *conn;
	struct xss_watch *w;
	int ok = 0;

	if (oldp != NULL &&
	    (xss_perm_for(s, oldp, noldp) & XSS_PERM_READ))
		ok = 1;
	if (node != NULL &&
	    (xss_perm_for(s, node->perms, node->nperms) & XSS_PERM_READ))
		ok = 1;
	if (node != NULL && node->parent != NULL &&
	    (xss_perm_for(s, node->parent->perms, node->parent->nperms) &
	    XSS_PERM_READ))
		ok = 1;
	if (!ok)
		return;
	for (conn = s->conns; conn != NULL; conn = conn->next)
		for (w = conn->watches; w != NULL; w = w->next)
			if (exact ? strcmp(path, w->node) == 0 :
			    is_child(path, w->node))
				xss_event(s, conn, w, path);
}

struct xss_watch *
xss_watch_find(struct xss_conn *conn, const char *node, const char *token)
{
	struct xss_watch *w;

	for (w = conn->watches; w != NULL; w = w->next)
		if (strcmp(w->node, node) == 0 && strcmp(w->token, token) == 0)
			return (w);
	return (NULL);
}

/* Watches are kept in the order they were set: events fire so. */
struct xss_watch *
xss_watch_add(struct xss_conn *conn, const char *node, const char *token,
    int relative)
{
	struct xss_watch *w, **tail;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (NULL);
	w->node = strdup(node);
	w->token = strdup(token);
	if (w->node == NULL || w->token == NULL) {
		watch_free(w);
		return (NULL);
	}
	w->relative = relative;
	for (tail = &conn->watches; *tail != NULL; tail = &(*tail)->next)
		;
	*tail = w;
	conn->nwatches++;
	return (w);
}

void
xss_watch_del(struct xss_conn *conn, struct xss_watch *w)
{
	struct xss_watch **prev;

	for (prev = &conn->watches; *prev != w; prev = &(*prev)->next)
		;
	*prev = w->next;
	conn->nwatches--;
	watch_free(w);
}

/* A transaction on a private copy of the whole store, as xenstored's. */
struct xss_tx *
xss_tx_new(struct xss *s, struct xss_conn *conn)
{
	struct xss_tx *tx;

	if ((tx = calloc(1, sizeof(*tx))) == NULL)
		return (NULL);
	if ((tx->root = xss_tree_copy(s->root, NULL)) == NULL) {
		free(tx);
		return (NULL);
	}
	if (++s->next_tx == 0)
		s->next_tx = 1;
	tx->id = s->next_tx;
	tx->start_gen = s->gen;
	tx->next = conn->txs;
	conn->txs = tx;
	conn->ntxs++;
	return (tx);
}

struct xss_tx *
xss_tx_find(struct xss_conn *conn, uint32_t id)
{
	struct xss_tx *tx;

	for (tx = conn->txs; tx != NULL; tx = tx->next)
		if (tx->id == id)
			break;
	return (tx);
}

void
xss_tx_unlink(struct xss_conn *conn, struct xss_tx *tx)
{
	struct xss_tx **prev;

	for (prev = &conn->txs; *prev != tx; prev = &(*prev)->next)
		;
	*prev = tx->next;
	conn->ntxs--;
}

void
xss_tx_free(struct xss_tx *tx)
{
	size_t i;

	xss_node_free(tx->root);
	for (i = 0; i < tx->nacc; i++)
		free(tx->acc[i].path);
	free(tx->acc);
	for (i = 0; i < tx->nlog; i++) {
		free(tx->log[i].path);
		free(tx->log[i].data);
	}
	free(tx->log);
	free(tx);
}

void
xss_conn_clear(struct xss_conn *conn)
{
	struct xss_watch *w;
	struct xss_tx *tx;

	while ((w = conn->watches) != NULL) {
		conn->watches = w->next;
		watch_free(w);
	}
	conn->nwatches = 0;
	while ((tx = conn->txs) != NULL) {
		conn->txs = tx->next;
		xss_tx_free(tx);
	}
	conn->ntxs = 0;
}

void
xss_conn_free(struct xss_conn *conn)
{
	xss_conn_clear(conn);
	close(conn->fd);
	free(conn->out);
	free(conn);
}

struct xss_conn *
xss_conn_new(struct xss *s, int fd)
{
	struct xss_conn *conn;

	if ((conn = calloc(1, sizeof(*conn))) == NULL)
		return (NULL);
	conn->fd = fd;
	xs_reader_init(&conn->rd);
	conn->next = s->conns;
	s->conns = conn;
	return (conn);
}

/*
 * The pseudo-terminal cannot be closed and opened again at the same name:
 * a dropped connection starts afresh on it instead, with nothing queued
 * either way.  SLAVE is xssim's own descriptor of the slave side.
 */
void
xss_conn_reset(struct xss_conn *conn, int slave)
{
	xss_conn_clear(conn);
	conn->outlen = 0;
	xs_reader_init(&conn->rd);
	tcflush(conn->fd, TCIFLUSH);
	tcflush(slave, TCIFLUSH);
	conn->dead = 0;
}

void
xss_conn_flush(struct xss_conn *conn)
{
	ssize_t n;

	if (conn->tty)
		n = write(conn->fd, conn->out, conn->outlen);
	else
		n = send(conn->fd, conn->out, conn->outlen,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n == -1) {
		if (errno != EINTR && errno != EAGAIN)
			conn->dead = 1;
		return;
	}
	memmove(conn->out, conn->out + n, conn->outlen - n);
	conn->outlen -= n;
}
