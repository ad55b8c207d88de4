/*
 * Fuzz target for the CPUID dump parser (pv_cpuid_dump_parse): `cpuid -r`
 * text as a user hands it to -C.  Invariants: the parser answers 0, EINVAL
 * or ENOMEM; a refusal says why and names a line within the input; a NUL
 * anywhere is refused; what is accepted prints back as dump lines that parse
 * to the same leaves.
 *
 * `make fuzz` builds it with libFuzzer as build/fuzz/cpuid_dump; run it on
 * fuzz/corpus/cpuid_dump.  The unit lane replays that corpus and mutations
 * of it through build/tests/replay_cpuid_dump (fuzz/replay.c);
 * tests/unit/bus.c checks the parser's verdict and message on each fault.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "pv.h"

#define FUZZ_MAXLEN	(64 * 1024)

/* The line a refusal names, 0 for none; -1 when the message is malformed. */
static long
fuzz_why_line(const char *why)
{
	char *end;
	long n;

	if (strncmp(why, "line ", 5) != 0)
		return (0);
	n = strtol(why + 5, &end, 10);
	return (n > 0 && *end == ':' ? n : -1);
}

/* Print the leaves as `cpuid -r` would and parse them again. */
static void
fuzz_roundtrip(const struct pv_cpuid_leaf *l, size_t n)
{
	struct pv_cpuid_leaf *again = NULL;
	char *text, why[128];
	size_t i, len = 0, n2 = 0;
	int error;

	if ((text = malloc(n * 96 + 1)) == NULL)
		return;
	for (i = 0; i < n; i++)
		len += snprintf(text + len, 96, "   0x%08x 0x%02x: eax=0x%08x "
		    "ebx=0x%08x ecx=0x%08x edx=0x%08x\n", l[i].leaf,
		    l[i].subleaf, l[i].regs[0], l[i].regs[1], l[i].regs[2],
		    l[i].regs[3]);
	error = pv_cpuid_dump_parse(text, len, &again, &n2, why, sizeof(why));
	FUZZ_ASSERT(error == 0 || error == ENOMEM);
	if (error == 0) {
		FUZZ_ASSERT(n2 == n);
		FUZZ_ASSERT(memcmp(again, l, n * sizeof(*l)) == 0);
	}
	free(again);
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pv_cpuid_leaf *l = NULL;
	char why[128];
	size_t n = 0, lines, i;
	long at;
	int error;

	if (size > FUZZ_MAXLEN)
		return (0);
	memset(why, 'x', sizeof(why));
	error = pv_cpuid_dump_parse((const char *)data, size, &l, &n, why,
	    sizeof(why));
	FUZZ_ASSERT(error == 0 || error == EINVAL || error == ENOMEM);
	FUZZ_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
	for (i = 0, lines = 1; i < size; i++)
		lines += data[i] == '\n';
	if (memchr(data, '\0', size) != NULL)
		FUZZ_ASSERT(error == EINVAL);
	if (error == EINVAL) {
		FUZZ_ASSERT(why[0] != '\0');
		at = fuzz_why_line(why);
		FUZZ_ASSERT(at >= 0 && (size_t)at <= lines);
	}
	if (error == 0) {
		FUZZ_ASSERT(n > 0 && l != NULL);
		FUZZ_ASSERT(why[0] == '\0');
		fuzz_roundtrip(l, n);
	}
	free(l);
	return (0);
}
