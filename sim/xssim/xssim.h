/*
 * xssim: a XenStore server for tests.  Every connection, on its socket or
 * its pseudo-terminal, is domain N; the tree, permissions, transactions,
 * watches and quotas behave as xenstored's (tools/xenstore in Xen) do for
 * that domain.
 */
#ifndef XSSIM_H
#define XSSIM_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xs_wire.h"

#define XSS_PERM_READ	1u
#define XSS_PERM_WRITE	2u
#define XSS_PERM_OWNER	4u

struct xss_perm {
	uint32_t	id;
	char		mode;		/* 'n', 'r', 'w', 'b' */
};

struct xss_node {
	char			*name;		/* last component; "" for / */
	char			*value;
	size_t			 vlen;
	struct xss_perm		*perms;		/* perms[0]: owner, default */
	size_t			 nperms;
	struct xss_node		*parent;
	struct xss_node		**children;	/* in creation order */
	size_t			 nchildren;
	uint64_t		 gen;		/* last change */
};

/* xenstored's quotas for unprivileged domains and their defaults. */
struct xss_quota {
	unsigned int	entries;	/* nodes a domain owns: 1000 */
	unsigned int	entry_size;	/* bytes of a stored node: 2048 */
	unsigned int	watches;	/* per connection: 128 */
	unsigned int	transactions;	/* open per connection: 10 */
	unsigned int	perms;		/* entries of a permission list: 5 */
};

struct xss_access {
	char		*path;
	int		 existed;
};

/* A logged change of a transaction, replayed on the store at commit. */
struct xss_change {
	uint32_t	 type;		/* XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS */
	char		*path;		/* canonical */
	char		*data;
	size_t		 len;
};

struct xss_tx {
	uint32_t		 id;
	struct xss_node		*root;		/* private copy of the store */
	uint64_t		 start_gen;
	struct xss_access	*acc;
	size_t			 nacc;
	struct xss_change	*log;
	size_t			 nlog;
	struct xss_tx		*next;
};

struct xss_watch {
	char			*node;		/* canonical or "@..." */
	char			*token;
	int			 relative;
	struct xss_watch	*next;
};

struct xss_conn {
	int			 fd;
	struct xs_reader	 rd;
	unsigned char		*out;
	size_t			 outlen, outcap;
	struct xss_watch	*watches;
	size_t			 nwatches;
	struct xss_tx		*txs;
	size_t			 ntxs;
	int			 dead;
	int			 tty;		/* a pty master: write(2) */
	struct xss_conn		*next;
};

struct xss {
	struct xss_node		*root;
	uint64_t		 gen;
	uint32_t		 domid;
	uint32_t		 next_tx;
	struct xss_quota	 quota;
	struct xss_conn		*conns;
	FILE			*log;		/* --log: one line a request */
};

/* What an operation works on: the store, or a transaction's copy. */
struct xss_ctx {
	struct xss		*s;
	struct xss_conn		*conn;		/* NULL when replaying */
	struct xss_tx		*tx;
	struct xss_node		*root;
};

/* nodes.c: the node tree */
struct xss_node *xss_node_new(struct xss_node *parent, const char *name);
void	xss_node_free(struct xss_node *);
struct xss_node *xss_tree_copy(const struct xss_node *, struct xss_node *parent);
struct xss_node *xss_lookup(struct xss_node *root, const char *path);
struct xss_node *xss_child(const struct xss_node *, const char *name, size_t len);
void	xss_node_unlink(struct xss_node *);
size_t	xss_childlen(const struct xss_node *);
size_t	xss_node_size(const struct xss_node *);
unsigned int xss_owned(const struct xss_node *, uint32_t domid);
unsigned int xss_perm_for(const struct xss *, const struct xss_perm *,
	    size_t nperms);
int	xss_perms_parse(const char *strings, size_t len, struct xss_perm **,
	    size_t *n);
int	xss_set_value(struct xss_node *, const char *data, size_t len);

/* seed.c: the tree at start-up, for s->domid; 0 or an errno. */
int	xss_seed_tree(struct xss *);

/* conn.c: connections, their watches and transactions */
struct xss_conn *xss_conn_new(struct xss *, int fd);
void	xss_conn_free(struct xss_conn *);
/* Write what is queued, as much as the peer takes now. */
void	xss_conn_flush(struct xss_conn *);
/* A dropped pseudo-terminal client: start afresh; SLAVE: our slave fd. */
void	xss_conn_reset(struct xss_conn *, int slave);
/* Forget the watches and transactions of a connection (RESET_WATCHES, close). */
void	xss_conn_clear(struct xss_conn *);
void	xss_send(struct xss_conn *, uint32_t type, uint32_t req_id,
	    uint32_t tx_id, const void *data, size_t len);
void	xss_send_error(struct xss_conn *, const struct xs_hdr *, int error);
struct xss_watch *xss_watch_find(struct xss_conn *, const char *node,
	    const char *token);
/* A new watch, last of the connection's; NULL: out of memory. */
struct xss_watch *xss_watch_add(struct xss_conn *, const char *node,
	    const char *token, int relative);
void	xss_watch_del(struct xss_conn *, struct xss_watch *);
void	xss_fire(struct xss *, const char *path, int exact,
	    const struct xss_node *node, const struct xss_perm *oldp,
	    size_t noldp);
void	xss_event(struct xss *, struct xss_conn *, const struct xss_watch *,
	    const char *path);
/* A transaction of CONN on a copy of the store; NULL: out of memory. */
struct xss_tx *xss_tx_new(struct xss *, struct xss_conn *);
struct xss_tx *xss_tx_find(struct xss_conn *, uint32_t id);
/* Take TX off CONN's list (it is freed by xss_tx_free). */
void	xss_tx_unlink(struct xss_conn *, struct xss_tx *);
void	xss_tx_free(struct xss_tx *);

/* ops.c: the requests */
void	xss_dispatch(struct xss *, struct xss_conn *, const struct xs_msg *);
int	xss_canonical(const struct xss *, const char *in, char *out,
	    size_t outlen);

#endif /* XSSIM_H */
