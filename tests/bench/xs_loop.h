/*
 * The loop both XenStore benchmark programs run, so that libpvbus and
 * libxenstore are timed doing exactly the same: COUNT reads (each checked
 * for the length written) or writes of one SIZE-byte value at a key of the
 * domain's home, one library call each.
 *
 *   xs_pvbus | xs_libxen  read|write SIZE COUNT [CPUID_DUMP]
 *
 * They print the operations per second of the loop alone (the connection
 * is made before it) and exit 0, or say what failed and exit 1.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define XS_LOOP_MAX	4096

/*
 * What each program gives: open the connection (1 on success), read KEY into
 * BUF of LEN bytes returning the value's length or -1, write VALUE of LEN
 * bytes to KEY (0 or -1).
 */
static int	loop_open(const char *cpuid_dump);
static long	loop_read(const char *key, char *buf, size_t len);
static int	loop_write(const char *key, const char *value, size_t len);

int
main(int argc, char *argv[])
{
	static char value[XS_LOOP_MAX + 1], buf[XS_LOOP_MAX + 1];
	struct timespec t0, t1;
	unsigned long size, count, i;
	char key[32];
	int reading;
	double s;

	if (argc < 4 || argc > 5 ||
	    (strcmp(argv[1], "read") != 0 && strcmp(argv[1], "write") != 0))
		errx(2, "usage: %s read|write SIZE COUNT [CPUID_DUMP]",
		    argv[0]);
	reading = strcmp(argv[1], "read") == 0;
	size = strtoul(argv[2], NULL, 10);
	count = strtoul(argv[3], NULL, 10);
	if (size == 0 || size > XS_LOOP_MAX || count == 0)
		errx(2, "SIZE from 1 to %d, COUNT at least 1", XS_LOOP_MAX);
	memset(value, 'x', size);
	snprintf(key, sizeof(key), "data/bench%lu", size);

	if (!loop_open(argc == 5 ? argv[4] : NULL))
		errx(1, "cannot connect to the store");
	/* The key exists before the loop, so every read finds it. */
	if (loop_write(key, value, size) == -1)
		errx(1, "write %s failed", key);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < count; i++) {
		if (reading) {
			if (loop_read(key, buf, sizeof(buf)) != (long)size)
				errx(1, "read %s: not the %lu bytes written",
				    key, size);
		} else if (loop_write(key, value, size) == -1)
			errx(1, "write %s failed", key);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%.0f\n", count / s);
	return (0);
}
