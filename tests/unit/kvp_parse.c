/*
 * The KVP pool-file parser and name rules (lib/kvp_pool.h).  The fuzz
 * target fuzz/kvp_image.c replays its corpus in the unit lane.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "kvp_pool.h"

/* Records in the daemon's layout, built independently of the parser. */
static void
put(char *image, size_t i, const char *key, const char *value)
{
	char *r = image + i * (512 + 2048);

	memset(r, 0, 512 + 2048);
	memcpy(r, key, strlen(key));
	memcpy(r + 512, value, strlen(value));
}

static void
test_records(void)
{
	char image[4 * 2560 + 100], list[256];
	struct kvp_rec rec;
	size_t idx = 99;

	CHECK("nrecords empty", kvp_pool_nrecords(0) == 0);
	CHECK("nrecords partial", kvp_pool_nrecords(2559) == 0);
	CHECK("nrecords whole", kvp_pool_nrecords(2560 * 3) == 3);
	CHECK("nrecords partial tail ignored",
	    kvp_pool_nrecords(2560 * 3 + 700) == 3);

	memset(image, 0, sizeof(image));
	put(image, 0, "A", "one");
	put(image, 1, "B", "two");
	put(image, 2, "A", "shadowed");
	put(image, 3, "C", "three");
	memset(image + 4 * 2560, 'x', 100);	/* partial record */

	kvp_pool_record(image, sizeof(image), 1, &rec);
	CHECK("record ok", rec.state == KVP_REC_OK);
	CHECK_STR("record key", rec.key, "B");
	CHECK_STR("record value", rec.value, "two");
	CHECK("find first match", kvp_pool_find(image, sizeof(image), "A",
	    &idx) == 0 && idx == 0);
	CHECK("find last", kvp_pool_find(image, sizeof(image), "C",
	    &idx) == 0 && idx == 3);
	CHECK("find missing", kvp_pool_find(image, sizeof(image), "D",
	    &idx) == ENOENT);
	CHECK("find prefix is no match", kvp_pool_find(image, sizeof(image),
	    "", &idx) == ENOENT);
	CHECK("list", kvp_pool_list(image, sizeof(image), list,
	    sizeof(list)) == 0);
	CHECK_STR("list names once, in order", list, "A\nB\nC");
	CHECK("list exact fit", kvp_pool_list(image, sizeof(image), list,
	    6) == 0 && strcmp(list, "A\nB\nC") == 0);
	CHECK("list ERANGE", kvp_pool_list(image, sizeof(image), list,
	    5) == ERANGE && list[0] == '\0');
	CHECK("list empty pool", kvp_pool_list(NULL, 0, list,
	    sizeof(list)) == 0 && list[0] == '\0');

	/* Corrupt records: skipped, never matched, never overrun. */
	memset(image, 'k', 512);		/* record 0: key without NUL */
	put(image, 1, "", "orphan");		/* record 1: empty key */
	memset(image + 2 * 2560 + 512, 'v', 2048); /* record 2: value */
	kvp_pool_record(image, sizeof(image), 0, &rec);
	CHECK("key without NUL", rec.state == KVP_REC_BAD_KEY);
	kvp_pool_record(image, sizeof(image), 1, &rec);
	CHECK("empty key", rec.state == KVP_REC_EMPTY_KEY);
	kvp_pool_record(image, sizeof(image), 2, &rec);
	CHECK("value without NUL", rec.state == KVP_REC_BAD_VALUE);
	CHECK("bad-value record still named", kvp_pool_find(image,
	    sizeof(image), "A", &idx) == 0 && idx == 2);
	CHECK("list skips bad keys", kvp_pool_list(image, sizeof(image), list,
	    sizeof(list)) == 0 && strcmp(list, "A\nC") == 0);
}

static int
skip_odd(const char *key)
{
	return ((key[strlen(key) - 1] - '0') % 2 == 1);
}

/*
 * Listing in pieces (kvp_lister_*) gives what a listing of the whole image
 * gives, across pieces and past the table's first size, and every name of a
 * large pool is listed once, where it first appears.
 */
static void
test_lister(void)
{
	enum { N = 400 };
	static char image[N * 2560], whole[8192], pieces[8192], want[8192];
	struct kvp_lister ls;
	struct pv_listing l;
	size_t i, at, step;
	char key[16];
	int error, ok;

	/* 0..249 named N000..N249; then 250..399 repeat 100..249. */
	want[0] = '\0';
	for (i = 0; i < N; i++) {
		snprintf(key, sizeof(key), "N%03zu", i < 250 ? i : i - 150);
		put(image, i, key, i < 250 ? "first" : "shadowed");
		if (i < 250) {
			if (i > 0)
				strcat(want, "\n");
			strcat(want, key);
		}
	}
	CHECK("large list", kvp_pool_list(image, sizeof(image), whole,
	    sizeof(whole)) == 0);
	CHECK_STR("large list: each name once, in order", whole, want);
	ok = 1;
	for (step = 1; step <= 70; step += 23) {
		pv_listing_init(&l, pieces, sizeof(pieces));
		kvp_lister_init(&ls, &l, NULL);
		error = 0;
		for (at = 0; at < N && error == 0; at += step)
			error = kvp_lister_add(&ls, image + at * 2560,
			    (at + step > N ? N - at : step) * 2560);
		kvp_lister_fini(&ls);
		if (error != 0 || strcmp(pieces, whole) != 0)
			ok = 0;
	}
	CHECK("lister: pieces of 1, 24, 47, 70 records list as the whole", ok);

	/* A name shadowed by a record in an earlier piece, then a skip. */
	pv_listing_init(&l, pieces, sizeof(pieces));
	pv_listing_add(&l, "pre", 3);
	kvp_lister_init(&ls, &l, skip_odd);
	error = kvp_lister_add(&ls, image, 4 * 2560);
	if (error == 0)
		error = kvp_lister_add(&ls, image + 252 * 2560, 4 * 2560);
	kvp_lister_fini(&ls);
	CHECK("lister: after names there, skipping", error == 0 &&
	    strcmp(pieces, "pre\nN000\nN002\nN102\nN104") == 0);

	/* ERANGE in the second piece: the listing is "". */
	pv_listing_init(&l, pieces, 30);
	kvp_lister_init(&ls, &l, NULL);
	error = kvp_lister_add(&ls, image, 4 * 2560);
	if (error == 0)
		error = kvp_lister_add(&ls, image + 4 * 2560, 4 * 2560);
	kvp_lister_fini(&ls);
	CHECK("lister: ERANGE in a later piece empties the listing",
	    error == ERANGE && pieces[0] == '\0');

	/* find: the whole key with its NUL, a key as long as the field. */
	memset(key, 0, sizeof(key));
	CHECK("find a prefix of a name is no match", kvp_pool_find(image,
	    sizeof(image), "N00", &i) == ENOENT);
	CHECK("find N120 first, not its repeat", kvp_pool_find(image,
	    sizeof(image), "N120", &i) == 0 && i == 120);
	memset(whole, 'k', 600);
	whole[512] = '\0';
	memcpy(image, whole, 512);
	CHECK("find a key of the field's whole length never matches",
	    kvp_pool_find(image, sizeof(image), whole, &i) == ENOENT);
	whole[511] = '\0';
	CHECK("find a key of 511 bytes", kvp_pool_find(image,
	    sizeof(image), whole, &i) == ENOENT);
	image[511] = '\0';
	CHECK("find a key of 511 bytes, terminated", kvp_pool_find(image,
	    sizeof(image), whole, &i) == 0 && i == 0);
}

static void
test_names(void)
{
	static const struct {
		const char	*name;
		int		 error;
		enum kvp_pool	 pool;
		const char	*key;
	} cases[] = {
		{ "External/K", 0, KVP_POOL_EXTERNAL, "K" },
		{ "External/", 0, KVP_POOL_EXTERNAL, "" },
		{ "Guest/K2", 0, KVP_POOL_GUEST, "K2" },
		{ "Auto/OSName", 0, KVP_POOL_AUTO, "OSName" },
		{ "Guest/Parameters/HostName", 0, KVP_POOL_AUTO_EXTERNAL,
		    "HostName" },
		{ "Guest/Parameters/", 0, KVP_POOL_AUTO_EXTERNAL, "" },
		{ "Guest/Parameters", 0, KVP_POOL_GUEST, "Parameters" },
		{ "Auto/Internal/X", 0, KVP_POOL_AUTO_INTERNAL, "X" },
		{ "Guest/a/b", EINVAL, 0, NULL },
		{ "guest/K", EINVAL, 0, NULL },
		{ "Nope/K", EINVAL, 0, NULL },
		{ "K", EINVAL, 0, NULL },
		{ "", EINVAL, 0, NULL },
		{ "/K", EINVAL, 0, NULL },
	};
	enum kvp_pool pool;
	const char *key;
	char name[80];
	size_t i;
	int error;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "name \"%s\"", cases[i].name);
		key = NULL;
		error = kvp_name_parse(cases[i].name, &pool, &key);
		if (cases[i].error != 0)
			CHECK(name, error == cases[i].error);
		else
			CHECK(name, error == 0 && pool == cases[i].pool &&
			    strcmp(key, cases[i].key) == 0);
	}
	CHECK_STR("pool 4 name", kvp_pool_name(KVP_POOL_AUTO_INTERNAL),
	    "Auto/Internal");
	CHECK("pool name out of range", kvp_pool_name(KVP_POOL_COUNT) == NULL);
}

static void
test_limits(void)
{
	char buf[4096];

	CHECK("utf16 ascii", kvp_utf16_units("abc") == 3);
	CHECK("utf16 2-byte", kvp_utf16_units("\xc3\xa9") == 1);
	CHECK("utf16 3-byte", kvp_utf16_units("\xe2\x82\xac") == 1);
	CHECK("utf16 4-byte is a pair", kvp_utf16_units("\xf0\x9f\x98\x80")
	    == 2);
	CHECK("utf16 overlong", kvp_utf16_units("\xc0\xaf") == -1);
	CHECK("utf16 surrogate", kvp_utf16_units("\xed\xa0\x80") == -1);
	CHECK("utf16 past U+10FFFF", kvp_utf16_units("\xf4\x90\x80\x80")
	    == -1);
	CHECK("utf16 truncated", kvp_utf16_units("a\xe2\x82") == -1);
	CHECK("utf16 stray continuation", kvp_utf16_units("\x80") == -1);

	CHECK("key empty", kvp_check_key("") == EINVAL);
	CHECK("key slash", kvp_check_key("a/b") == EINVAL);
	CHECK("key bad utf8", kvp_check_key("a\xff") == EINVAL);
	CHECK("key newline", kvp_check_key("a\nb") == EINVAL);
	CHECK("key carriage return", kvp_check_key("a\r") == EINVAL);
	CHECK("key tab", kvp_check_key("\tb") == EINVAL);
	CHECK("key escape", kvp_check_key("a\033[2J") == EINVAL);
	CHECK("key DEL", kvp_check_key("a\x7f") == EINVAL);
	CHECK("key C1 NEL", kvp_check_key("a\xc2\x85") == EINVAL);
	CHECK("key U+00A0 is no control", kvp_check_key("a\xc2\xa0") == 0);
	memset(buf, 'k', 254);
	buf[254] = '\0';
	CHECK("key 254 ok", kvp_check_key(buf) == 0);
	buf[254] = 'k';
	buf[255] = '\0';
	CHECK("key 255 too long", kvp_check_key(buf) == ENAMETOOLONG);
	/* 170 three-byte characters: 510 bytes, 170 units: fits both. */
	buf[0] = '\0';
	while (strlen(buf) < 510)
		strcat(buf, "\xe2\x82\xac");
	CHECK("key 510 bytes of euro", kvp_check_key(buf) == 0);
	strcat(buf, "x");
	CHECK("key 511 bytes ok", kvp_check_key(buf) == 0);
	strcat(buf, "x");
	CHECK("key 512 bytes too long", kvp_check_key(buf) == ENAMETOOLONG);

	memset(buf, 'v', 1022);
	buf[1022] = '\0';
	CHECK("value 1022 ok", kvp_check_value(buf) == 0);
	buf[1022] = 'v';
	buf[1023] = '\0';
	CHECK("value 1023 too big", kvp_check_value(buf) == E2BIG);
	CHECK("value empty ok", kvp_check_value("") == 0);
	CHECK("value bad utf8", kvp_check_value("\xfe") == EINVAL);
	/* 512 pairs: 2048 bytes but 1024 units: over both limits. */
	buf[0] = '\0';
	while (strlen(buf) < 2048)
		strcat(buf, "\xf0\x9f\x98\x80");
	CHECK("value of pairs too big", kvp_check_value(buf) == E2BIG);
}

int
main(void)
{
	test_records();
	test_lister();
	test_names();
	test_limits();
	return (CHECK_EXIT());
}
