/*
 * Fuzz target for the KVP pool-file parser (lib/kvp_pool.h).  The input is
 * a pool image; its first bytes double as a store name and a key.
 *
 * `make fuzz` builds it with libFuzzer as build/fuzz/kvp_image; run it on
 * fuzz/corpus/kvp_image.  The unit lane replays that corpus and mutations
 * of it through build/tests/replay_kvp_image (fuzz/replay.c).
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kvp_pool.h"


/* Checks what the parser promises. */
static void
kvp_fuzz_image(const uint8_t *data, size_t size)
{
	struct kvp_rec rec;
	char list[4096], small[16], key[KVP_POOL_KEYSIZE];
	size_t i, n = kvp_pool_nrecords(size), idx;
	const char *p, *nl;

	if (n * KVP_POOL_RECSIZE > size) {
		fuzz_fail(__FILE__, __LINE__);
		return;
	}
	for (i = 0; i < n; i++) {
		kvp_pool_record(data, size, i, &rec);
		if (rec.state != KVP_REC_OK)
			continue;
		FUZZ_ASSERT(strlen(rec.key) < KVP_POOL_KEYSIZE &&
		    strlen(rec.value) < KVP_POOL_VALUESIZE);
		/* A record is found at or before its own index. */
		FUZZ_ASSERT(kvp_pool_find(data, size, rec.key, &idx) == 0 &&
		    idx <= i);
	}
	if (kvp_pool_list(data, size, small, sizeof(small)) != 0)
		FUZZ_ASSERT(small[0] == '\0');
	if (kvp_pool_list(data, size, list, sizeof(list)) != 0) {
		FUZZ_ASSERT(list[0] == '\0');
		return;
	}
	/*
	 * Every name listed is found, and none is empty, unless a name holds
	 * a newline: the listing cannot tell those apart, by its format.
	 */
	for (i = 0; i < n; i++) {
		kvp_pool_record(data, size, i, &rec);
		if (rec.state != KVP_REC_BAD_KEY && strchr(rec.key, '\n'))
			return;
	}
	for (p = list; *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = p + strcspn(p, "\n");
		if (nl == p || (size_t)(nl - p) >= sizeof(key)) {
			fuzz_fail(__FILE__, __LINE__);
			return;
		}
		memcpy(key, p, nl - p);
		key[nl - p] = '\0';
		FUZZ_ASSERT(kvp_pool_find(data, size, key, &idx) == 0);
	}
}

static void
kvp_fuzz_name(const uint8_t *data, size_t size)
{
	char name[600];
	enum kvp_pool pool;
	const char *key;
	size_t len = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	long units;

	memcpy(name, data, len);
	name[len] = '\0';
	if (kvp_name_parse(name, &pool, &key) == 0) {
		if (kvp_pool_name(pool) == NULL) {
			fuzz_fail(__FILE__, __LINE__);
			return;
		}
		FUZZ_ASSERT(strchr(key, '/') == NULL);
		FUZZ_ASSERT(strncmp(name, kvp_pool_name(pool),
		    key - 1 - name) == 0);
	}
	units = kvp_utf16_units(name);
	FUZZ_ASSERT(units <= (long)strlen(name));
	if (kvp_check_key(name) == 0)
		FUZZ_ASSERT(units >= 1 && units <= KVP_HOST_KEYMAX &&
		    strchr(name, '/') == NULL);
	if (kvp_check_value(name) == 0)
		FUZZ_ASSERT(units >= 0 && units <= KVP_HOST_VALUEMAX);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	kvp_fuzz_image(data, size);
	kvp_fuzz_name(data, size);
	return (0);
}
