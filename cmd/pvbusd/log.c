/*
 * Messages, in the manner of OpenBSD's ntpd: log_warn() and fatal() append
 * the error of errno, log_warnx() and fatalx() do not.  Messages go to stderr
 * in the foreground.  A daemon logs to syslog and copies its warnings to
 * stderr until it detaches, so that whoever started it sees why it could not
 * start.  The device processes log from several threads: nothing here uses
 * static buffers, and errno is kept for the caller.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pvbusd.h"

/* The longest message; longer ones are cut. */
#define LOG_MAXMSG	1024

/*
 * Set once at start-up, before any thread.  A daemon copies only warnings
 * and errors to stderr, which is /dev/null once it has detached.
 */
static int log_foreground = 1;

void
log_detach(void)
{
	int fd;

	if ((fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

void
log_init(int foreground)
{
	log_foreground = foreground;
	if (!foreground)
		openlog("pvbusd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	int saved = errno;
	va_list aq;

	if (!log_foreground) {
		va_copy(aq, ap);
		vsyslog(pri, fmt, aq);
		va_end(aq);
	}
	if (log_foreground || pri <= LOG_WARNING) {
		flockfile(stderr);
		fputs("pvbusd: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		funlockfile(stderr);
	}
	errno = saved;
}

void
logit(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

/* FMT's message and ": " and the text of ERROR, at PRI. */
static void
vlog_error(int pri, int error, const char *fmt, va_list ap)
{
	char msg[LOG_MAXMSG], ebuf[128];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	logit(pri, "%s: %s", msg, strerror_r(error, ebuf, sizeof(ebuf)));
}

void
log_warn(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_error(LOG_ERR, saved, fmt, ap);
	va_end(ap);
	errno = saved;
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_INFO, fmt, ap);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	vlog_error(LOG_CRIT, saved, fmt, ap);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(LOG_CRIT, fmt, ap);
	va_end(ap);
	exit(1);
}
