/*
 * A XenStore client connection over the transports Linux offers, tried in
 * libxenstore's order: $XENSTORED_PATH, the xenstored socket, then the
 * xenbus devices.  One request at a time; replies are read whole and matched
 * to their request.
 */
#ifndef XS_CLIENT_H
#define XS_CLIENT_H

#include <limits.h>
#include <stdint.h>
#include <sys/uio.h>
#include <time.h>

#include "pv.h"
#include "xs_wire.h"

#define XS_SOCKET_PATH		"/var/run/xenstored/socket"
#define XS_XENBUS_DEV		"/dev/xen/xenbus"
#define XS_XENBUS_PROC		"/proc/xen/xenbus"

/* How long a reply may take before the connection is given up. */
#define XS_REPLY_TIMEOUT_MS	10000

struct xs_conn {
	int		fd;		/* -1 when closed */
	int		is_socket;
	int		timeout_ms;	/* per reply; 0: XS_REPLY_TIMEOUT_MS */
	uint32_t	next_req_id;	/* random at the first open */
	char		path[PATH_MAX];	/* the transport in use */
};

/*
 * Connect.  ENV_PATH (the value of $XENSTORED_PATH, or NULL) is the user's
 * own path, used as given; the default socket and devices are looked up
 * under the platform's root.  A path that is a socket is connected to, a
 * character device is opened read-write, anything else is ENODEV.  Returns
 * 0, or the first error other than ENOENT among the transports tried
 * (ENOENT when none exists).
 */
int	xs_conn_open(struct xs_conn *, const struct pv_platform *,
	    const char *env_path);
void	xs_conn_close(struct xs_conn *);

/*
 * The largest payload a message may carry on C: 4096 bytes on a socket,
 * 16 fewer on the xenbus device, whose buffer holds the header too.
 */
size_t	xs_payload_max(const struct xs_conn *c);

/*
 * Send one request of TYPE in transaction TX whose payload is the IOV
 * parts, and read its reply into REPLY.  Returns 0, the errno of an ERROR
 * reply, E2BIG for a payload over xs_payload_max() (nothing sent), EIO for a
 * transport failure or a malformed or unmatched reply, ETIMEDOUT.  Transport
 * and protocol failures close the connection.
 */
int	xs_talk(struct xs_conn *, uint32_t type, uint32_t tx,
	    const struct iovec *iov, int iovcnt, struct xs_msg *reply);

/* READ PATH into REPLY (body, hdr.len bytes). */
int	xs_read_msg(struct xs_conn *, const char *path, struct xs_msg *reply);
/* WRITE PATH VALUE (VALUE without its NUL, as the protocol wants). */
int	xs_write_str(struct xs_conn *, const char *path, const char *value);
/* DIRECTORY PATH into REPLY (NUL-terminated names). */
int	xs_directory_msg(struct xs_conn *, const char *path,
	    struct xs_msg *reply);

/*
 * The children of PATH as DIRECTORY gives them (names, each with its NUL),
 * whatever their size: DIRECTORY first, then, when the server says E2BIG,
 * DIRECTORY_PART from offset 0 on, starting afresh when the node's
 * generation changes between parts (XS_DIRPART_RETRIES times at most, then
 * EAGAIN).  *NAMES is allocated (free(3) it) and holds *LEN bytes and a NUL
 * more.  ERANGE as soon as the names pass MAX bytes; E2BIG when the server
 * has no DIRECTORY_PART; ENOMEM; or the errors of xs_talk().
 */
#define XS_DIRPART_RETRIES	8
int	xs_directory_list(struct xs_conn *, const char *path, size_t max,
	    char **names, size_t *len);

/*
 * Watches, on a connection that carries nothing else: their events would
 * put xs_talk()'s replies out of step.  xs_watch_set() sends WATCH PATH
 * TOKEN and reads its reply, then the event a server fires at once when a
 * watch is set (waiting XS_REPLY_TIMEOUT_MS at most for either); 0, the
 * errno of an ERROR reply, E2BIG, EIO, ETIMEDOUT.  xs_watch_next() waits
 * for the next event until DEADLINE (CLOCK_MONOTONIC; NULL: none) and
 * leaves it in EV: 0, ETIMEDOUT, or EIO when the server has gone.  EIO
 * closes the connection.
 */
int	xs_watch_set(struct xs_conn *, const char *path, const char *token);
int	xs_watch_next(struct xs_conn *, const struct timespec *deadline,
	    struct xs_msg *ev);

#endif /* XS_CLIENT_H */
