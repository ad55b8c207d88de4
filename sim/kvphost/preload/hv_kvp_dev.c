/*
 * LD_PRELOAD interposer for an unmodified hv_kvp_daemon: its open() of
 * /dev/vmbus/hv_kvp yields a duplicate of the descriptor named by
 * KVPHOST_FD, the daemon's end of a SOCK_SEQPACKET pair whose other end is
 * the host model (build/kvphost).  A seqpacket socket keeps the device's
 * one-message-per-read/write semantics, and poll() works on it unchanged.
 * access() finds the device there, as a daemon that looks before it opens
 * (pvbusd) would find the driver's.  Every other open() and access() goes
 * to libc.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define KVP_DEVICE	"/dev/vmbus/hv_kvp"

typedef int (*open_fn)(const char *, int, ...);

static int
hv_kvp_dev_open(const char *path, int flags)
{
	const char *s = getenv("KVPHOST_FD");
	int fd;

	if (s == NULL) {
		errno = ENOENT;
		return (-1);
	}
	fd = fcntl(atoi(s), (flags & O_CLOEXEC) ? F_DUPFD_CLOEXEC : F_DUPFD,
	    0);
	/*
	 * The inherited end must not leak into the scripts the daemon runs;
	 * it is kept open across exec until the device is opened, so that a
	 * daemon started through a launcher (valgrind) still finds it.
	 */
	(void)fcntl(atoi(s), F_SETFD, FD_CLOEXEC);
	(void)path;
	return (fd);
}

static int
hv_kvp_dev_forward(const char *sym, const char *path, int flags,
    mode_t mode)
{
	open_fn real = (open_fn)dlsym(RTLD_NEXT, sym);

	if (real == NULL) {
		errno = ENOSYS;
		return (-1);
	}
	return (real(path, flags, mode));
}

/* open(2) and open64(2) alike: the device, or the real call named SYM. */
static int
hv_kvp_dev_open_as(const char *sym, const char *path, int flags, va_list ap)
{
	mode_t mode = 0;

	if (flags & (O_CREAT | O_TMPFILE))
		mode = va_arg(ap, int);
	if (strcmp(path, KVP_DEVICE) == 0)
		return (hv_kvp_dev_open(path, flags));
	return (hv_kvp_dev_forward(sym, path, flags, mode));
}

int
open(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = hv_kvp_dev_open_as("open", path, flags, ap);
	va_end(ap);
	return (fd);
}

int
open64(const char *path, int flags, ...)
{
	va_list ap;
	int fd;

	va_start(ap, flags);
	fd = hv_kvp_dev_open_as("open64", path, flags, ap);
	va_end(ap);
	return (fd);
}

int
access(const char *path, int mode)
{
	typedef int (*access_fn)(const char *, int);
	access_fn real;

	if (strcmp(path, KVP_DEVICE) == 0 && getenv("KVPHOST_FD") != NULL)
		return (0);
	if ((real = (access_fn)dlsym(RTLD_NEXT, "access")) == NULL) {
		errno = ENOSYS;
		return (-1);
	}
	return (real(path, mode));
}
