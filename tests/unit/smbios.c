/*
 * SMBIOS structures and OEM strings (lib/smbios.c) on hand-made
 * structures.  The fuzz target fuzz/smbios_table.c replays its corpus and
 * mutations of it in build/tests/replay_smbios_table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "smbios.h"

/* type 11, length 5, handle 0x0b00, count, strings. */
#define OEM(count, set)	"\x0b\x05\x00\x0b" count set

static int
oem_parse(const char *buf, size_t len, struct smbios_oem *oem)
{
	size_t bad;

	memset(oem, 0, sizeof(*oem));
	return (smbios_oem_add(oem, buf, len, &bad));
}

static void
test_struct(void)
{
	struct smbios_struct s;
	static const char two[] = OEM("\x02", "a=1\0bc\0\0");
	static const char none[] = OEM("\x00", "\0\0");

	CHECK("struct: type 11 with two strings",
	    smbios_struct_parse(two, sizeof(two) - 1, &s) == 0 &&
	    s.type == 11 && s.length == 5 && s.handle == 0x0b00 &&
	    s.strings_len == 7 && s.size == sizeof(two) - 1);
	CHECK("struct: an empty set is two NULs",
	    smbios_struct_parse(none, sizeof(none) - 1, &s) == 0 &&
	    s.strings_len == 0 && s.size == 7);
	CHECK("struct: header cut short is EIO",
	    smbios_struct_parse(two, 3, &s) == EIO);
	CHECK("struct: formatted area cut short is EIO",
	    smbios_struct_parse(two, 4, &s) == EIO);
	CHECK("struct: a length below the header's is EIO",
	    smbios_struct_parse("\x0b\x03\x00\x00\0\0", 6, &s) == EIO);
	CHECK("struct: a set without its end is EIO",
	    smbios_struct_parse(two, sizeof(two) - 2, &s) == EIO);
	CHECK("struct: a last string without its NUL is EIO",
	    smbios_struct_parse(two, sizeof(two) - 3, &s) == EIO);
}

static void
test_oem(void)
{
	static const char table[] =
	    "\x00\x05\x00\x00\x01" "bios\0\0"
	    OEM("\x02", "io.systemd.credential:hello=world\0plain\0\0")
	    OEM("\x01", "k=v=w\0\0")
	    "\x7f\x04\xff\xfe\0\0"
	    "garbage after the end";
	struct smbios_oem oem;
	size_t bad;

	CHECK("oem: a table's strings, numbered on",
	    oem_parse(table, sizeof(table) - 1, &oem) == 0 && oem.n == 3 &&
	    strcmp(oem.strings[0], "io.systemd.credential:hello=world") == 0 &&
	    strcmp(oem.strings[1], "plain") == 0 &&
	    strcmp(oem.strings[2], "k=v=w") == 0);
	CHECK_STR("oem: a credential by name",
	    smbios_oem_lookup(&oem, "io.systemd.credential:hello"), "world");
	CHECK_STR("oem: the value is after the first =",
	    smbios_oem_lookup(&oem, "k"), "v=w");
	CHECK("oem: a string without = has no name",
	    smbios_oem_lookup(&oem, "plain") == NULL);
	CHECK("oem: a prefix is not a name",
	    smbios_oem_lookup(&oem, "io.systemd") == NULL);
	smbios_oem_free(&oem);

	CHECK("oem: nothing at all", oem_parse("", 0, &oem) == 0 &&
	    oem.n == 0);
	smbios_oem_free(&oem);
	CHECK("oem: a count over the strings is EIO, nothing kept",
	    oem_parse(OEM("\x03", "a\0b\0\0"), 11, &oem) == EIO &&
	    oem.n == 0);
	smbios_oem_free(&oem);
	CHECK("oem: a type 11 without its count is EIO",
	    oem_parse("\x0b\x04\x00\x0b\0\0", 6, &oem) == EIO);
	smbios_oem_free(&oem);
	CHECK("oem: a truncated second structure is EIO at its offset",
	    smbios_oem_add(&oem, table, 20, &bad) == EIO && bad == 11 &&
	    oem.n == 0);
	smbios_oem_free(&oem);
}

int
main(void)
{
	test_struct();
	test_oem();
	return (CHECK_EXIT());
}
