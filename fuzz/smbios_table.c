/*
 * Fuzz target for SMBIOS tables: the structure walk and the OEM strings of
 * type 11, as the SMBIOS store reads /sys/firmware/dmi/tables/DMI or an
 * entries/11-N/raw file.
 *
 * Input: the table.
 *
 * `make fuzz` builds it with libFuzzer as build/fuzz/smbios_table; run it on
 * fuzz/corpus/smbios_table.  The unit lane replays that corpus and
 * mutations of it through build/tests/replay_smbios_table (fuzz/replay.c).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "smbios.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smbios_oem oem = { NULL, 0 };
	struct smbios_struct s;
	size_t bad, i, off = 0;
	int error;

	/* The walk: each structure lies inside what is left of the input. */
	while (off < size && smbios_struct_parse(data + off, size - off,
	    &s) == 0) {
		FUZZ_ASSERT(s.length >= SMBIOS_HDR_LEN);
		FUZZ_ASSERT(s.size >= (size_t)s.length + 2);
		FUZZ_ASSERT(s.size <= size - off);
		FUZZ_ASSERT(s.strings_len == 0 ||
		    s.strings[s.strings_len - 1] == '\0');
		off += s.size;
	}
	error = smbios_oem_add(&oem, data, size, &bad);
	FUZZ_ASSERT(error == 0 || error == EIO || error == ENOMEM);
	if (error != 0)
		FUZZ_ASSERT(oem.n == 0 && bad < size);
	for (i = 0; i < oem.n; i++)
		FUZZ_ASSERT(strlen(oem.strings[i]) < size);
	smbios_oem_free(&oem);
	return (0);
}
