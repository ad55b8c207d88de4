/*
 * What the fuzz targets share: an invariant that breaks aborts under
 * libFuzzer (-DPVBUS_LIBFUZZER), which reports it, and is counted when a unit
 * test replays a corpus through the target, which checks the count.
 */
#ifndef PVBUS_FUZZ_H
#define PVBUS_FUZZ_H

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

static unsigned long fuzz_failures;

static void
fuzz_fail(const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant broken\n", file, line);
#ifdef PVBUS_LIBFUZZER
	abort();
#else
	fuzz_failures++;
#endif
}

#define FUZZ_ASSERT(c)	do {						\
	if (!(c))							\
		fuzz_fail(__FILE__, __LINE__);				\
} while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif /* PVBUS_FUZZ_H */
