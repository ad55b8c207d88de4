/*
 * The fw_cfg store through the qemu_fw_cfg sysfs tree, on saved trees:
 * tests/fixtures/fwcfg-qemu (a tree as the kernel makes it) and a tree made
 * here with large files.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "pvbus.h"
#include "check.h"

#define FIXTURE		"tests/fixtures/fwcfg-qemu"
#define FW		"/sys/firmware/qemu_fw_cfg"
#define OPT_LIST	"dir\nk\none\nraw\ntext"

static char top[4096];

static struct pvbus *
open_bus(const char *root, const char *dump)
{
	struct pvbus_options o = { 0 };
	struct pvbus *bus = NULL;
	char r[8192], d[8192];
	int error;

	snprintf(r, sizeof(r), "%s/%s", top, root);
	snprintf(d, sizeof(d), "%s/%s/%s", top, FIXTURE, dump);
	o.root = root[0] == '/' ? root : r;
	o.cpuid_dump = d;
	if ((error = pvbus_open(&bus, &o)) != 0) {
		printf("FAIL: open %s %s: %s\n", root, dump, strerror(error));
		exit(1);
	}
	return (bus);
}

/* A read of KEY with a buffer of LEN; the value is left in out. */
static char out[PVBUS_KVOP_MAXSIZE];

static int
rd(struct pvbus *bus, const char *key, size_t len)
{
	memset(out, 'X', sizeof(out));
	return (pvbus_kvop(bus, 0, PVBUS_KVREAD, key, out, len));
}

static const struct {
	const char	*name, *key, *value;
	int		 error;
} reads[] = {
	{ "string", "opt/org.example/k", "v1", 0 },
	{ "one byte", "opt/org.example/one", "x", 0 },
	{ "text kept as is", "opt/org.example/text",
	  "line one\nline two\n", 0 },
	{ "empty file", "bootorder", "", 0 },
	{ "nested", "opt/org.example/dir/a", "alpha", 0 },
	{ "file named raw", "opt/org.example/raw", "named raw", 0 },
	{ "name missing from by_name", "opt/clash", "only in by_key", 0 },
	{ "list", "opt/org.example", OPT_LIST, 0 },
	{ "list trailing slash", "opt/org.example/", OPT_LIST, 0 },
	{ "list nested", "opt/org.example/dir", "a", 0 },
	{ "list opt", "opt", "clash\norg.example\norg.other", 0 },
	{ "list top", "", "bootorder\netc\nopt", 0 },
	{ "list top slash", "/", "bootorder\netc\nopt", 0 },
	{ "list etc", "etc/", "acpi\ne820", 0 },
	{ "missing", "opt/org.example/nope", "", ENOENT },
	{ "missing prefix", "nope/", "", ENOENT },
	{ "file as directory", "opt/org.example/k/", "", ENOENT },
	{ "prefix of a name", "opt/org.ex", "", ENOENT },
	{ "dot dot", "opt/../etc/e820", "", EINVAL },
	{ "escape", "../../../../etc/passwd", "", EINVAL },
	{ "dot", "./opt/org.example/k", "", EINVAL },
	{ "empty component", "opt//org.example/k", "", EINVAL },
	{ "leading slash", "/opt/org.example/k", "", EINVAL },
	{ "too long",
	  "opt/org.example/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
	  "", ENOENT },
};

static void
check_reads(struct pvbus *bus, const char *what)
{
	char name[256];
	size_t i;
	int error;

	for (i = 0; i < sizeof(reads) / sizeof(reads[0]); i++) {
		snprintf(name, sizeof(name), "%s: %s", what, reads[i].name);
		error = rd(bus, reads[i].key, 4096);
		if (error != reads[i].error) {
			printf("FAIL: %s: error %d (%s), want %d\n", name,
			    error, strerror(error), reads[i].error);
			check_failed = 1;
			continue;
		}
		CHECK_STR(name, out, reads[i].value);
	}
}

static void
check_unit(const char *dump, const char *type)
{
	const struct pvbus_unit *u;
	struct pvbus_req req;
	struct pvbus *bus;
	char name[128], key[64], value[64];
	int error;

	bus = open_bus(FIXTURE, dump);
	u = pvbus_unit(bus, 0);
	snprintf(name, sizeof(name), "%s: type", type);
	CHECK_STR(name, u ? pvbus_unit_type(u) : NULL, type);
	if (u == NULL) {
		pvbus_close(bus);
		return;
	}
	snprintf(name, sizeof(name), "%s: store", type);
	CHECK_STR(name, pvbus_unit_store(u), "fw_cfg");
	snprintf(name, sizeof(name), "%s: read-only", type);
	CHECK(name, pvbus_unit_store_access(u) == PVBUS_STORE_RO);
	snprintf(name, sizeof(name), "%s: path", type);
	CHECK_STR(name, pvbus_unit_store_path(u), FW);
	check_reads(bus, type);

	/* ERANGE: the value and its NUL must fit, nothing truncated. */
	snprintf(name, sizeof(name), "%s: short buffer", type);
	error = rd(bus, "opt/org.example/k", 2);
	CHECK(name, error == ERANGE && out[0] == '\0');
	snprintf(name, sizeof(name), "%s: exact buffer", type);
	error = rd(bus, "opt/org.example/k", 3);
	CHECK(name, error == 0 && strcmp(out, "v1") == 0);
	snprintf(name, sizeof(name), "%s: short buffer for a list", type);
	error = rd(bus, "opt/org.example", strlen(OPT_LIST));
	CHECK(name, error == ERANGE && out[0] == '\0');
	snprintf(name, sizeof(name), "%s: exact buffer for a list", type);
	error = rd(bus, "opt/org.example", strlen(OPT_LIST) + 1);
	CHECK(name, error == 0 && strcmp(out, OPT_LIST) == 0);

	/* Writes: a read-only store. */
	snprintf(name, sizeof(name), "%s: write refused", type);
	strlcpy(value, "v2", sizeof(value));
	error = pvbus_kvop(bus, 0, PVBUS_KVWRITE, "opt/org.example/k", value,
	    sizeof(value));
	CHECK(name, error == EROFS);
	snprintf(name, sizeof(name), "%s: value kept after write", type);
	error = rd(bus, "opt/org.example/k", 64);
	CHECK(name, error == 0 && strcmp(out, "v1") == 0);

	/* The same through the ioctl contract. */
	strlcpy(key, "opt/org.example/k", sizeof(key));
	memset(value, 'X', sizeof(value));
	req = (struct pvbus_req){ strlen(key) + 1, key, sizeof(value), value };
	error = pvbus_ioctl(bus, 0, PVBUSIOC_KVREAD, 0, &req, NULL);
	snprintf(name, sizeof(name), "%s: ioctl read", type);
	CHECK(name, error == 0 && strcmp(value, "v1") == 0);
	strlcpy(value, "v2", sizeof(value));
	req = (struct pvbus_req){ strlen(key) + 1, key, 3, value };
	error = pvbus_ioctl(bus, 0, PVBUSIOC_KVWRITE, 1, &req, NULL);
	snprintf(name, sizeof(name), "%s: ioctl write", type);
	CHECK(name, error == EROFS);
	pvbus_close(bus);
}

/* A tree with files of the sizes that matter. */
static const struct {
	const char	*name;
	size_t		 size;
	int		 nul_at;	/* -1 for none */
} bigs[] = {
	{ "opt/size/4k", 4096, -1 },
	{ "opt/size/60k", 60 * 1024, -1 },
	{ "opt/size/max", PVBUS_KVOP_MAXSIZE - 1, -1 },
	{ "opt/size/over", PVBUS_KVOP_MAXSIZE, -1 },
	{ "opt/size/nul", 100, 10 },
};

static int
write_file(const char *path, const void *data, size_t len)
{
	int fd, ok;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return (-1);
	ok = write(fd, data, len) == (ssize_t)len;
	close(fd);
	return (ok ? 0 : -1);
}

static int
make_tree(const char *root)
{
	char path[4096], text[128], *data;
	size_t i, j;

	if ((data = malloc(PVBUS_KVOP_MAXSIZE)) == NULL)
		return (-1);
	snprintf(path, sizeof(path), "%s" FW "/by_name/opt/size", root);
	for (j = 0; path[j] != '\0'; j++)
		if (j > 0 && path[j] == '/') {
			path[j] = '\0';
			mkdir(path, 0755);
			path[j] = '/';
		}
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s" FW "/by_key", root);
	mkdir(path, 0755);
	for (i = 0; i < sizeof(bigs) / sizeof(bigs[0]); i++) {
		for (j = 0; j < bigs[i].size; j++)
			data[j] = 'a' + (j * 7 + i) % 26;
		if (bigs[i].nul_at >= 0)
			data[bigs[i].nul_at] = '\0';
		snprintf(path, sizeof(path), "%s" FW "/by_key/%zu", root,
		    50 + i);
		mkdir(path, 0755);
		snprintf(path, sizeof(path), "%s" FW "/by_key/%zu/raw", root,
		    50 + i);
		if (write_file(path, data, bigs[i].size) == -1)
			goto bad;
		snprintf(path, sizeof(path), "%s" FW "/by_key/%zu/name", root,
		    50 + i);
		snprintf(text, sizeof(text), "%s\n", bigs[i].name);
		if (write_file(path, text, strlen(text)) == -1)
			goto bad;
		snprintf(path, sizeof(path), "%s" FW "/by_name/%s", root,
		    bigs[i].name);
		snprintf(text, sizeof(text), "../../../by_key/%zu", 50 + i);
		if (symlink(text, path) == -1)
			goto bad;
	}
	/* A binary file, as QEMU's e820 table: it starts with NULs. */
	snprintf(path, sizeof(path), "%s" FW "/by_key/80", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s" FW "/by_key/80/raw", root);
	if (write_file(path, "\0\0\0\0\0\0\0\0\0\374\11\0", 12) == -1)
		goto bad;
	snprintf(path, sizeof(path), "%s" FW "/by_key/80/name", root);
	if (write_file(path, "etc/e820\n", 9) == -1)
		goto bad;
	snprintf(path, sizeof(path), "%s" FW "/by_name/etc", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s" FW "/by_name/etc/e820", root);
	if (symlink("../../by_key/80", path) == -1)
		goto bad;
	free(data);
	return (0);
 bad:
	free(data);
	return (-1);
}

static void
check_sizes(void)
{
	char tmpl[] = "/tmp/fwcfg_sysfs.XXXXXX", cmd[128], name[128];
	struct pvbus *bus;
	size_t i, j, len;
	int error, ok;

	if (mkdtemp(tmpl) == NULL || make_tree(tmpl) == -1) {
		printf("FAIL: sizes: cannot make a tree in %s\n", tmpl);
		check_failed = 1;
		return;
	}
	bus = open_bus(tmpl, "cpuid-tcg.txt");
	for (i = 0; i < sizeof(bigs) / sizeof(bigs[0]); i++) {
		error = rd(bus, bigs[i].name, PVBUS_KVOP_MAXSIZE);
		snprintf(name, sizeof(name), "size %s", bigs[i].name);
		len = bigs[i].nul_at >= 0 ? (size_t)bigs[i].nul_at :
		    bigs[i].size;
		if (bigs[i].size >= PVBUS_KVOP_MAXSIZE) {
			CHECK(name, error == ERANGE && out[0] == '\0');
			continue;
		}
		ok = error == 0 && strlen(out) == len;
		for (j = 0; ok && j < len; j++)
			ok = out[j] == 'a' + (char)((j * 7 + i) % 26);
		CHECK(name, ok);
	}
	error = rd(bus, "etc/e820", PVBUS_KVOP_MAXSIZE);
	CHECK("binary file: EOPNOTSUPP", error == EOPNOTSUPP && out[0] == '\0');
	CHECK_STR("binary file: the error says so",
	    pvbus_unit_store_error(pvbus_unit(bus, 0)),
	    "fw_cfg: etc/e820: binary, not text");
	error = rd(bus, "opt/size/60k", 4096);
	CHECK("size 60k in 4k", error == ERANGE && out[0] == '\0');
	error = rd(bus, "opt/size/4k", 4096);
	CHECK("size 4k in 4k", error == ERANGE);
	error = rd(bus, "opt/size/4k", 4097);
	CHECK("size 4k in 4k+1", error == 0 && strlen(out) == 4096);
	error = rd(bus, "opt/size", 4096);
	CHECK_STR("size list", error == 0 ? out : strerror(error),
	    "4k\n60k\nmax\nnul\nover");
	pvbus_close(bus);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpl);
	if (system(cmd) != 0)
		printf("FAIL: cleanup: %s\n", cmd);
}

int
main(void)
{
	struct pvbus *bus;
	char empty[] = "/tmp/fwcfg_empty.XXXXXX", value[16];
	const char *t;

	/* Run from anywhere: the fixture is found from the source tree. */
	t = getenv("PVBUS_TOP");
	strlcpy(top, t ? t : ".", sizeof(top));

	check_unit("cpuid-tcg.txt", "TCG");
	check_unit("cpuid-kvm.txt", "KVM");
	check_sizes();

	/* No qemu_fw_cfg tree (this kind of machine): no store, ENXIO. */
	if (mkdtemp(empty) == NULL) {
		printf("FAIL: mkdtemp\n");
		return (1);
	}
	bus = open_bus(empty, "cpuid-kvm.txt");
	CHECK("absent: no store", pvbus_unit_store(pvbus_unit(bus, 0)) == NULL);
	CHECK("absent: read ENXIO", pvbus_kvop(bus, 0, PVBUS_KVREAD,
	    "opt/org.example/k", value, sizeof(value)) == ENXIO);
	pvbus_close(bus);
	rmdir(empty);

	/* Other hypervisors never take fw_cfg, even with the tree there. */
	bus = open_bus(FIXTURE, "cpuid-bhyve.txt");
	CHECK("bhyve: no fw_cfg",
	    pvbus_unit_store(pvbus_unit(bus, 0)) == NULL);
	pvbus_close(bus);
	return (CHECK_EXIT());
}
