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

/*
 * One round of an unrestricted CUSE ioctl on UNIT: ARG is the caller's
 * argument, IN_BUF/IN_BUFSZ the data the kernel fetched for the iovecs of
 * the previous retry (none on the first round), OUT_BUFSZ the room of its
 * out iovecs.  LIMIT is the per-direction cap (PVBUSD_XFER_PAGES pages).
 * The checks and copies are pvbus_ioctl()'s; this only moves memory.
 * The caller serializes calls on one bus.
 */
void	pvbusd_xfer(struct pvbus *bus, size_t unit, unsigned long cmd,
	    int fwrite, const void *arg, const void *in_buf, size_t in_bufsz,
	    size_t out_bufsz, size_t limit, struct pvbusd_answer *ans);

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
	pthread_mutex_t	 lock;		/* the bus is not thread-safe */
};

/* Serve DEV until SIGTERM; returns the exit status. */
int	pvbusd_serve(struct pvbusd_dev *dev);

/*
 * Logging (log.c), after OpenBSD's ntpd: stderr in the foreground, syslog as
 * a daemon.  log_warn() and fatal() append ": " and strerror(errno);
 * log_warnx() and fatalx() print the message alone.  fatal() and fatalx()
 * exit with status 1; they are for a process's start-up, before it serves.
 * None of them changes errno.
 */
void	log_init(int foreground);
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
