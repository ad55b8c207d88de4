/*
 * What the fuzz targets share: an invariant that breaks aborts under
 * libFuzzer (-DPVBUS_LIBFUZZER), which reports it, and is counted when
 * fuzz/replay.c runs a corpus through the target, which checks the count.
 */
#ifndef PVBUS_FUZZ_H
#define PVBUS_FUZZ_H

#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

#ifdef PVBUS_LIBFUZZER
static void
fuzz_fail(const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant broken\n", file, line);
	abort();
}
#else
/* Invariants broken so far (fuzz/replay.c). */
extern unsigned long fuzz_failures;
/* Print where an invariant broke and count it. */
void	fuzz_fail(const char *file, int line);
#endif

#define FUZZ_ASSERT(c)	do {						\
	if (!(c))							\
		fuzz_fail(__FILE__, __LINE__);				\
} while (0)

/* The target: one input; returns 0. */
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#endif /* PVBUS_FUZZ_H */
