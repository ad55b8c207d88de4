/*
 * pvbusd: /dev/pvbusN as CUSE character devices.
 *
 * One process per unit serves one device; a supervisor starts them, waits
 * until every device exists and stops them on SIGTERM.
 */
#ifndef PVBUSD_H
#define PVBUSD_H

#include <sys/types.h>
#include <sys/uio.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <pvbus.h>

/*
 * The most a CUSE ioctl can move in each direction: the kernel caps the in
 * and the out data of one request at fc->max_pages pages, and CUSE never
 * raises that from FUSE_DEFAULT_MAX_PAGES_PER_REQ (32).  A retry asking for
 * more fails in the kernel with ENOMEM before pvbusd hears of it again.
 */
#define PVBUSD_XFER_PAGES	32

/* Regions of the caller's memory one request can need. */
#define PVBUSD_MAXREGIONS	4

/* What to answer the kernel for one ioctl round. */
enum pvbusd_answer_kind {
	PVBUSD_ANSWER_ERROR,	/* fail with error */
	PVBUSD_ANSWER_DONE,	/* result 0, out[0 .. outlen) copied out */
	PVBUSD_ANSWER_RETRY	/* fetch in_iov / out_iov and ask again */
};

struct pvbusd_answer {
	enum pvbusd_answer_kind	 kind;
	int			 error;
	char			*out;		/* malloc'd; the caller frees */
	size_t			 outlen;
	struct iovec		 in_iov[1 + PVBUSD_MAXREGIONS];
	size_t			 nin;
	struct iovec		 out_iov[PVBUSD_MAXREGIONS];
	size_t			 nout;
};

/* A region of the caller's memory one request reads or writes. */
struct pvbusd_region {
	uintptr_t	 uaddr;
	size_t		 len;		/* as pvbus_ioctl announced it */
	size_t		 have;		/* bytes fetched: len or a prefix */
	size_t		 off;		/* in the fetched data (in), the reply (out) */
};

/* A request between its checks (pvbusd_xfer_begin) and its end. */
struct pvbusd_xfer {
	struct pvbus_req	 req;
	unsigned long		 cmd;
	int			 writable;
	const void		*arg;
	size_t			 hdr;		/* bytes of the structure */
	size_t			 limit;
	size_t			 stage;
	struct pvbusd_region	 in[PVBUSD_MAXREGIONS];
	struct pvbusd_region	 out[PVBUSD_MAXREGIONS];
	size_t			 nin, nout;
	int			 planning;	/* only record the regions */
	int			 short_prefix;	/* a prefix lacked its NUL */
	const char		*in_buf;	/* the fetched data */
	size_t			 in_bufsz;
	char			*reply;
	size_t			 replysz, replylen;
};

/*
 * One round of an unrestricted CUSE ioctl on UNIT: ARG is the caller's
 * argument, IN_BUF/IN_BUFSZ the data the kernel fetched for the iovecs of
 * the previous retry (none on the first round), OUT_BUFSZ the room of its
 * out iovecs.  LIMIT is the per-direction cap (PVBUSD_XFER_PAGES pages).
 * The checks and copies are pvbus_ioctl()'s; this only moves memory.
 *
 * pvbusd_xfer_begin() makes the part of the round that reaches no store:
 * the checks and the reckoning of the memory.  It returns 0 with ANS the
 * answer, or 1 when every byte is at hand and what is left is the request
 * itself: pvbusd_xfer_finish() makes it, given the same fetched data at
 * IN_BUF (the caller may have copied it meanwhile; X keeps only offsets),
 * and it calls the store when pvbusd_xfer_needs_store(cmd).  pvbusd_xfer()
 * is the two in one.  Calls that reach no store only read what
 * pvbus_open() set; the caller keeps store calls on one bus to one at a
 * time.
 */
int	pvbusd_xfer_begin(struct pvbusd_xfer *x, struct pvbus *bus,
	    size_t unit, unsigned long cmd, int writable, const void *arg,
	    const void *in_buf, size_t in_bufsz, size_t out_bufsz,
	    size_t limit, struct pvbusd_answer *ans);
void	pvbusd_xfer_finish(struct pvbusd_xfer *x, struct pvbus *bus,
	    size_t unit, const void *in_buf, struct pvbusd_answer *ans);
int	pvbusd_xfer_needs_store(unsigned long cmd);
void	pvbusd_xfer(struct pvbus *bus, size_t unit, unsigned long cmd,
	    int writable, const void *arg, const void *in_buf,
	    size_t in_bufsz, size_t out_bufsz, size_t limit,
	    struct pvbusd_answer *ans);

struct pvbusd_job;

/* One device: a unit served by one CUSE session. */
struct pvbusd_dev {
	struct pvbus	*bus;
	size_t		 unit;
	char		 name[16];	/* "pvbus0" */
	mode_t		 mode;
	gid_t		 gid;		/* (gid_t)-1: leave the group alone */
	int		 readyfd;	/* written once the node exists */
	int		 daemon;	/* detach stdio once ready */
	int		 made_node;	/* pvbusd created /dev/NAME itself */
	int		 failed;
	size_t		 limit;
	void		*session;
	/* The store thread and its queue (store.c), under qlock. */
	pthread_mutex_t	 qlock;
	pthread_cond_t	 qcond;
	pthread_t	 store_thread;
	struct pvbusd_job *jobs;	/* every request with a store call */
	int		 stopping;
};

/* Serve DEV until SIGTERM; returns the exit status. */
int	pvbusd_serve(struct pvbusd_dev *dev);
/* Answer REQ (a fuse_req_t) with ANS, freeing its reply. */
void	pvbusd_reply(void *req, struct pvbusd_answer *ans);

/*
 * The store thread of DEV (store.c): it makes the store calls of the
 * device's requests one at a time, in order, so that no CUSE thread waits
 * on a store.  pvbusd_store_start() starts it (0 or an errno),
 * pvbusd_store_stop() answers what is queued with ENXIO, waits for the call
 * under way and ends it.  pvbusd_store_submit() takes over REQ (a
 * fuse_req_t) for which pvbusd_xfer_begin() returned 1 with X, copying
 * IN_BUF; an interrupted request is answered EINTR at once unless it is a
 * write under way, which is answered when it ends.
 */
int	pvbusd_store_start(struct pvbusd_dev *dev);
void	pvbusd_store_stop(struct pvbusd_dev *dev);
void	pvbusd_store_submit(struct pvbusd_dev *dev, void *req,
	    const struct pvbusd_xfer *x, const void *in_buf);

/*
 * The capabilities (a mask of 1 << CAP_*) that serving UNIT's store needs
 * (caps.c), and the call that keeps only KEEP of the calling thread's (0 or
 * an errno).
 */
uint64_t pvbusd_caps_needed(const struct pvbus_unit *unit);
int	pvbusd_caps_limit(uint64_t keep);

/*
 * Logging (log.c), after OpenBSD's ntpd: stderr in the foreground, syslog as
 * a daemon.  log_warn() and fatal() append ": " and strerror(errno);
 * log_warnx() and fatalx() print the message alone.  fatal() and fatalx()
 * exit with status 1; they are for a process's start-up, before it serves.
 * None of them changes errno.
 */
void	log_init(int foreground);
/*
 * A daemon's standard streams to /dev/null, once it has started: whoever
 * started it waits for the end of that output only until then.
 */
void	log_detach(void);
void	log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *fmt, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
/* A message at syslog priority PRI. */
void	logit(int pri, const char *fmt, ...)
	    __attribute__((format(printf, 2, 3)));
void	vlog(int pri, const char *fmt, va_list ap)
	    __attribute__((format(printf, 2, 0)));

#endif /* PVBUSD_H */
