/*
 * The bus: the CPUID dump parser, identification order, and the checks of
 * the ioctl contract that need no store (stores test the rest).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pv.h"

static char dumpdir[] = "/tmp/pvbus-unit-XXXXXX";

/* A dump of leaf 1 with ECX and interfaces given as base, signature, max. */
static const char *
dump(const char *name, uint32_t ecx, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dumpdir, name);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fprintf(fp, "   0x00000001 0x00: eax=0x000306f2 ebx=0x00040800 "
	    "ecx=0x%08x edx=0x1fabfbff\n%s", ecx, text);
	fclose(fp);
	return (path);
}

#define KVM_LEAF "   0x40000000 0x00: eax=0x40000001 ebx=0x4b4d564b " \
	"ecx=0x564b4d56 edx=0x0000004d\n"
#define HV_LEAF "   0x40000000 0x00: eax=0x40000005 ebx=0x7263694d " \
	"ecx=0x666f736f edx=0x76482074\n"
#define KVM_AT_100 "   0x40000100 0x00: eax=0x40000101 ebx=0x4b4d564b " \
	"ecx=0x564b4d56 edx=0x0000004d\n"

/* Parse a dump given as a C string; WHY gets the parser's message. */
static int
parse(const char *text, size_t len, struct pv_cpuid_leaf **l, size_t *n,
    char *why, size_t whylen)
{
	*l = NULL;
	return (pv_cpuid_dump_parse(text, len, l, n, why, whylen));
}

#define P(text, l, n)	parse((text), strlen(text), (l), (n), why, sizeof(why))
#define LEAF1(a)	"   0x1 0x00: eax=" a " ebx=0x2 ecx=0x3 edx=0x4\n"

static void
test_parser(void)
{
	static const char nul[] = "# x\n   0x1 0x00: eax=0x1 ebx=0x2\0"
	    " ecx=0x3 edx=0x4\n";
	struct pv_cpuid_leaf *l;
	char why[128];
	size_t n;

	CHECK("parse: cpuid -r lines", P(
	    "# comment\n\n   0x40000000 0x00: eax=0x40000001 ebx=0x4b4d564b "
	    "ecx=0x564b4d56 edx=0x0000004d\n", &l, &n) == 0 && n == 1 &&
	    l[0].leaf == 0x40000000 && l[0].regs[1] == 0x4b4d564b);
	free(l);
	CHECK("parse: first CPU only", P(
	    "CPU 0:\n   0x1 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n"
	    "CPU 1:\n   0x1 0x00: eax=0x5 ebx=0x6 ecx=0x7 edx=0x8\n",
	    &l, &n) == 0 && n == 1 && l[0].regs[0] == 1);
	free(l);
	CHECK("parse: garbage is EINVAL", P("hello\n", &l, &n) == EINVAL);
	CHECK("parse: trailing garbage is EINVAL", P(
	    "   0x1 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4 x\n", &l, &n) ==
	    EINVAL);
	CHECK("parse: empty dump is EINVAL", P("# nothing\n", &l, &n) ==
	    EINVAL);

	CHECK("parse: leading zeros are fine", P(LEAF1("0x0000000000000001"),
	    &l, &n) == 0 && n == 1 && l[0].regs[0] == 1);
	free(l);
	CHECK("parse: an embedded NUL is EINVAL", parse(nul, sizeof(nul) - 1,
	    &l, &n, why, sizeof(why)) == EINVAL);
	CHECK_STR("parse: the NUL's line is named", why, "line 2: a NUL byte");
	CHECK("parse: a leaf wider than 32 bits is EINVAL", P(
	    "\n   0x140000000 0x00: eax=0x1 ebx=0x2 ecx=0x3 edx=0x4\n", &l,
	    &n) == EINVAL);
	CHECK_STR("parse: the wide leaf's line is named", why,
	    "line 2: 0x140000000 is wider than 32 bits");
	CHECK("parse: a register wider than 32 bits is EINVAL",
	    P(LEAF1("0x100000000"), &l, &n) == EINVAL);
	CHECK_STR("parse: the wide register's line is named", why,
	    "line 1: 0x100000000 is wider than 32 bits");
	CHECK("parse: a sign after 0x is EINVAL", P("# a\n# b\n" LEAF1("0x-1"),
	    &l, &n) == EINVAL);
	CHECK_STR("parse: the sign's line is named", why,
	    "line 3: a sign in 0x-1");
	CHECK("parse: a sign before 0x is EINVAL", P(LEAF1("-0x1"), &l, &n) ==
	    EINVAL);
	CHECK_STR("parse: the leading sign's line is named", why,
	    "line 1: a sign before a number");
	CHECK("parse: a plus sign is EINVAL", P(LEAF1("0x+1"), &l, &n) ==
	    EINVAL);
}

static void
test_contract(void)
{
	struct pvbus_options o = { 0 };
	struct pvbus *bus;
	struct pvbus_req r;
	char key[64], value[64];

	memset(&r, 0, sizeof(r));
	r.pvr_key = key;
	r.pvr_keylen = sizeof(key);
	r.pvr_value = value;
	r.pvr_valuelen = sizeof(value);

	o.cpuid_dump = dump("none", 0, KVM_LEAF);
	CHECK("no hypervisor bit: no units", pvbus_open(&bus, &o) == 0 &&
	    pvbus_nunits(bus) == 0);
	CHECK("no units: ENODEV", pvbus_ioctl(bus, 0, PVBUSIOC_TYPE, 0, &r,
	    NULL) == ENODEV);
	pvbus_close(bus);

	o.cpuid_dump = dump("kvmhv", 1u << 31, HV_LEAF KVM_AT_100);
	o.root = dumpdir;	/* no sysfs, no stores */
	if (pvbus_open(&bus, &o) != 0)
		abort();
	CHECK("two interfaces: two units", pvbus_nunits(bus) == 2);
	CHECK_STR("native first: pvbus0 is KVM",
	    pvbus_unit_type(pvbus_unit(bus, 0)), "KVM");
	CHECK_STR("pvbus1 is Hyper-V", pvbus_unit_type(pvbus_unit(bus, 1)),
	    "Hyper-V");
	CHECK("pvbus0 base", pvbus_unit_base(pvbus_unit(bus, 0)) ==
	    0x40000100);
	CHECK("unit out of range: ENXIO", pvbus_ioctl(bus, 2, PVBUSIOC_TYPE,
	    0, &r, NULL) == ENXIO);
	CHECK("unknown command: ENOTTY", pvbus_ioctl(bus, 0, _IOWR('V', 9,
	    struct pvbus_req), 1, &r, NULL) == ENOTTY);
	CHECK("KVWRITE read-only: EPERM before ENXIO", pvbus_ioctl(bus, 0,
	    PVBUSIOC_KVWRITE, 0, &r, NULL) == EPERM);
	CHECK("KVWRITE without a store: ENXIO", pvbus_ioctl(bus, 0,
	    PVBUSIOC_KVWRITE, 1, &r, NULL) == ENXIO);
	CHECK("KVREAD without a store: ENXIO", pvbus_ioctl(bus, 0,
	    PVBUSIOC_KVREAD, 0, &r, NULL) == ENXIO);
	r.pvr_keylen = 0;
	CHECK("no store comes before lengths", pvbus_ioctl(bus, 0,
	    PVBUSIOC_KVREAD, 0, &r, NULL) == ENXIO);
	r.pvr_keylen = 3;
	CHECK("TYPE: short key buffer is ENOMEM", pvbus_ioctl(bus, 0,
	    PVBUSIOC_TYPE, 0, &r, NULL) == ENOMEM);
	r.pvr_keylen = 4;
	memset(key, 'x', sizeof(key));
	CHECK("TYPE: name and NUL fit exactly", pvbus_ioctl(bus, 0,
	    PVBUSIOC_TYPE, 0, &r, NULL) == 0 && memcmp(key, "KVM\0x", 5) == 0);
	r.pvr_keylen = sizeof(key);
	CHECK("PVBUSIOC_KVTYPE is PVBUSIOC_TYPE", pvbus_ioctl(bus, 1,
	    PVBUSIOC_KVTYPE, 0, &r, NULL) == 0 && strcmp(key, "Hyper-V") == 0);
	CHECK("ioctl numbers are OpenBSD/amd64's",
	    PVBUSIOC_KVREAD == 0xc0205601 && PVBUSIOC_KVWRITE == 0xc0205602 &&
	    PVBUSIOC_TYPE == 0xc0205603);
	CHECK("kvop without a store: ENXIO", pvbus_kvop(bus, 0, PVBUS_KVREAD,
	    "k", value, sizeof(value)) == ENXIO);
	pvbus_close(bus);
	unlink(dump("none", 0, ""));
	unlink(dump("kvmhv", 0, ""));
}

int
main(void)
{
	if (mkdtemp(dumpdir) == NULL)
		return (1);
	test_parser();
	test_contract();
	rmdir(dumpdir);
	return (CHECK_EXIT());
}
