/*
 * Identification through the library's interface: the evidence callback and
 * its context, the open flags, and the verdicts of pvbus_cvm(),
 * pvbus_container(), pvbus_vm() and the units' role from dumps and trees.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "check.h"
#include "pvbus.h"

static char dir[] = "/tmp/pvbus-ident-XXXXXX";

struct lines {
	char	buf[16384];
	size_t	n, len;
};

static void
collect(void *ctx, const char *line)
{
	struct lines *l = ctx;
	int n;

	n = snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s\n", line);
	if (n > 0 && (size_t)n < sizeof(l->buf) - l->len)
		l->len += n;
	l->n++;
}

static const char *
file(const char *name, const char *text)
{
	static char path[256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((fp = fopen(path, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	return (path);
}

#define AMD_SNP \
	"   0x00000000 0x00: eax=0x00000010 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n" \
	"   0x00000001 0x00: eax=0x00a00f11 ebx=0x00000800 ecx=0xfeda3203 edx=0x178bfbff\n" \
	"   0x40000000 0x00: eax=0x40000001 ebx=0x4b4d564b ecx=0x564b4d56 edx=0x0000004d\n" \
	"   0x40000001 0x00: eax=0x01007efb ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n" \
	"   0x80000000 0x00: eax=0x80000021 ebx=0x68747541 ecx=0x444d4163 edx=0x69746e65\n" \
	"   0x8000001f 0x00: eax=0x0000001a ebx=0x00000073 ecx=0x00000000 edx=0x00000000\n"

#define HV_ROOT \
	"   0x00000001 0x00: eax=0x000606a6 ebx=0x00400800 ecx=0xfeda3223 edx=0x1f8bfbff\n" \
	"   0x40000000 0x00: eax=0x40000005 ebx=0x7263694d ecx=0x666f736f edx=0x76482074\n" \
	"   0x40000001 0x00: eax=0x31237648 ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n" \
	"   0x40000003 0x00: eax=0x00002fff ebx=0x003b9fff ecx=0x00000002 edx=0x000ed7b2\n"

/* A root whose /dev/cpu/0/msr holds VALUE at SEV_STATUS. */
static const char *
msr_root(const char *name, unsigned char value)
{
	static char root[256];
	char path[300];
	unsigned char v[8] = { value };
	int fd;

	snprintf(root, sizeof(root), "%s/%s", dir, name);
	snprintf(path, sizeof(path), "%s/dev", root);
	mkdir(root, 0755);
	mkdir(path, 0755);
	strlcat(path, "/cpu", sizeof(path));
	mkdir(path, 0755);
	strlcat(path, "/0", sizeof(path));
	mkdir(path, 0755);
	strlcat(path, "/msr", sizeof(path));
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    pwrite(fd, v, sizeof(v), 0xc0010131) != sizeof(v))
		abort();
	close(fd);
	return (root);
}

static void
test_cvm(void)
{
	struct pvbus_options o = { 0 };
	struct lines l = { .n = 0 };
	struct pvbus *bus;

	o.cpuid_dump = file("snp.txt", AMD_SNP);
	o.root = msr_root("snp", 7);
	o.evidence = collect;
	o.evidence_ctx = &l;
	CHECK("cvm: open", pvbus_open(&bus, &o) == 0);
	CHECK("cvm: identification is evidence already", l.n > 0);
	CHECK_STR("cvm: SEV_STATUS 7 is sev-snp", pvbus_cvm(bus), "sev-snp");
	CHECK("cvm: host-controlled", pvbus_host_controlled(bus) == 1);
	CHECK("cvm: no paravisor outside Azure",
	    pvbus_cvm_paravisor(bus) == 0);
	CHECK("cvm: the deciding evidence reached the context",
	    strstr(l.buf, "cvm = sev-snp: SEV_STATUS bit 2") != NULL);
	pvbus_close(bus);

	o.root = msr_root("es", 3);
	CHECK("cvm: open es", pvbus_open(&bus, &o) == 0);
	CHECK_STR("cvm: SEV_STATUS 3 is sev-es", pvbus_cvm(bus), "sev-es");
	pvbus_close(bus);

	/* Without a root, the live machine's MSR would be another's. */
	o.root = NULL;
	o.evidence = NULL;
	CHECK("cvm: open without root", pvbus_open(&bus, &o) == 0);
	CHECK_STR("cvm: dump without a root is unknown", pvbus_cvm(bus),
	    "unknown");
	CHECK("cvm: unknown is host-controlled",
	    pvbus_host_controlled(bus) == 1);
	pvbus_close(bus);
}

static void
test_flags_roles(void)
{
	struct pvbus_options o = { 0 };
	struct pvbus *bus;
	const struct pvbus_unit *u;

	o.cpuid_dump = file("root.txt", HV_ROOT);
	o.root = dir;
	CHECK("roles: open", pvbus_open(&bus, &o) == 0 &&
	    pvbus_nunits(bus) == 1);
	u = pvbus_unit(bus, 0);
	CHECK_STR("roles: create_partitions is the root partition",
	    pvbus_unit_role(u), "root");
	CHECK("roles: native", pvbus_unit_native(u) == 1);
	CHECK("roles: decoded", pvbus_unit_nattrs(u) > 0);
	CHECK_STR("roles: vm", pvbus_vm(bus), "microsoft");
	pvbus_close(bus);

	o.flags = PVBUS_OPEN_NO_PROBE | PVBUS_OPEN_NO_DEVICES |
	    PVBUS_OPEN_NO_STORES;
	CHECK("flags: open", pvbus_open(&bus, &o) == 0 &&
	    pvbus_nunits(bus) == 1);
	u = pvbus_unit(bus, 0);
	CHECK("flags: no capabilities", pvbus_unit_nattrs(u) == 0);
	CHECK("flags: no store, no error", pvbus_unit_store(u) == NULL &&
	    pvbus_unit_store_error(u)[0] == '\0');
	CHECK_STR("flags: the type all the same", pvbus_unit_type(u),
	    "Hyper-V");
	CHECK_STR("flags: the role all the same", pvbus_unit_role(u), "root");
	pvbus_close(bus);
}

static void
test_container(void)
{
	struct pvbus_options o = { 0 };
	struct pvbus *bus;
	char path[300];

	o.cpuid_dump = file("kvm.txt", AMD_SNP);
	o.root = dir;
	snprintf(path, sizeof(path), "%s/.dockerenv", dir);
	CHECK("container: open", pvbus_open(&bus, &o) == 0);
	CHECK_STR("container: none", pvbus_container(bus), "none");
	pvbus_close(bus);
	close(open(path, O_WRONLY | O_CREAT, 0644));
	CHECK("container: open docker", pvbus_open(&bus, &o) == 0);
	CHECK_STR("container: docker", pvbus_container(bus), "docker");
	pvbus_close(bus);
	unlink(path);
}

int
main(void)
{
	char cmd[64];

	if (mkdtemp(dir) == NULL)
		return (1);
	test_cvm();
	test_flags_roles();
	test_container();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		return (1);
	return (CHECK_EXIT());
}
