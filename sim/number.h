/*
 * Numbers on the lab programs' command lines (hvsim, xssim, kvphost):
 * decimal digits only, within bounds.  strtoul() alone takes "-1" as
 * ULONG_MAX and accepts a sign or leading blanks.
 */
#ifndef SIM_NUMBER_H
#define SIM_NUMBER_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * *V = ARG; 0, or -1 with errno EINVAL (not only decimal digits) or
 * ERANGE (outside MIN to MAX).
 */
static inline int
sim_number(const char *arg, unsigned long min, unsigned long max,
    unsigned long *v)
{
	const char *p;
	unsigned long n;

	for (p = arg; *p >= '0' && *p <= '9'; p++)
		;
	if (p == arg || *p != '\0') {
		errno = EINVAL;
		return (-1);
	}
	errno = 0;
	n = strtoul(arg, NULL, 10);
	if (errno == ERANGE || n < min || n > max) {
		errno = ERANGE;
		return (-1);
	}
	*v = n;
	return (0);
}

/*
 * "PROG: WHAT: ARG is negative (want MIN to MAX)" and the like on the
 * standard error, for an ARG sim_number() refused.
 */
static inline void
sim_number_error(const char *prog, const char *what, const char *arg,
    unsigned long min, unsigned long max)
{
	const char *why;

	if (arg[0] == '-' && arg[1] != '\0')
		why = "is negative";
	else if (errno == ERANGE)
		why = "is out of range";
	else
		why = "is not a whole number";
	fprintf(stderr, "%s: %s: %s %s (want %lu to %lu)\n", prog, what, arg,
	    why, min, max);
}

#endif /* SIM_NUMBER_H */
