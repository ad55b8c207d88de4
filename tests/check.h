/* A minimal harness for the unit tests: one PASS/FAIL line per check. */
#ifndef CHECK_H
#define CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failed;

#define CHECK(name, cond) do {						\
	if (cond)							\
		printf("PASS: %s\n", (name));				\
	else {								\
		printf("FAIL: %s: %s (%s:%d)\n", (name), #cond,		\
		    __FILE__, __LINE__);				\
		check_failed = 1;					\
	}								\
} while (0)

#define CHECK_STR(name, got, want) do {					\
	const char *g_ = (got), *w_ = (want);				\
	if (g_ != NULL && strcmp(g_, w_) == 0)				\
		printf("PASS: %s\n", (name));				\
	else {								\
		printf("FAIL: %s: got \"%s\", want \"%s\" (%s:%d)\n",	\
		    (name), g_ ? g_ : "(null)", w_, __FILE__, __LINE__); \
		check_failed = 1;					\
	}								\
} while (0)

#define CHECK_EXIT()	(check_failed ? 1 : 0)

#endif /* CHECK_H */
