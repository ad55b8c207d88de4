/*
 * Messages go to stderr in the foreground.  A daemon logs to syslog and
 * copies its warnings to stderr until it detaches, so that whoever started it
 * sees why it could not start.
 */
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

#include "pvbusd.h"

/*
 * Set once at start-up, before any thread.  A daemon copies only warnings
 * and errors to stderr, which is /dev/null once it has detached.
 */
static int log_foreground = 1;

void
pvbusd_log_init(int foreground)
{
	log_foreground = foreground;
	if (!foreground)
		openlog("pvbusd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
pvbusd_vlog(int prio, const char *fmt, va_list ap)
{
	va_list aq;

	if (!log_foreground) {
		va_copy(aq, ap);
		vsyslog(prio, fmt, aq);
		va_end(aq);
	}
	if (!log_foreground && prio > LOG_WARNING)
		return;
	flockfile(stderr);
	fputs("pvbusd: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	funlockfile(stderr);
}

void
pvbusd_log(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pvbusd_vlog(prio, fmt, ap);
	va_end(ap);
}
