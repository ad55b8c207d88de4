/* A minimal harness for the unit tests: one PASS/FAIL line per check. */
#ifndef CHECK_H
#define CHECK_H

#include <limits.h>
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

/* Up to LEN bytes of the file DIR/NAME (a corpus entry); 0 if unreadable. */
static inline size_t
check_load(const char *dir, const char *name, unsigned char *buf, size_t len)
{
	char path[PATH_MAX];
	FILE *f;
	size_t n;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	    (int)sizeof(path) || (f = fopen(path, "rb")) == NULL)
		return (0);
	n = fread(buf, 1, len, f);
	fclose(f);
	return (n);
}

#define CHECK_EXIT()	(check_failed ? 1 : 0)

#endif /* CHECK_H */
