/*
 * The Hyper-V KVP store through pvbus_kvop, over pool files written here in
 * the daemon's layout under a private root, with a Hyper-V CPUID dump.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "check.h"
#include "pvbus.h"

#define RECSIZE		(512 + 2048)
#define NWRITERS	8
#define NKEYS		25

/* Leaves 1 and 0x40000000.. of a Hyper-V guest (Azure). */
static const char hyperv_dump[] =
    "   0x00000000 0x00: eax=0x00000015 ebx=0x756e6547 ecx=0x6c65746e "
    "edx=0x49656e69\n"
    "   0x00000001 0x00: eax=0x000606a6 ebx=0x00400800 ecx=0xfeda3223 "
    "edx=0x1f8bfbff\n"
    "   0x40000000 0x00: eax=0x4000000a ebx=0x7263694d ecx=0x666f736f "
    "edx=0x76482074\n"
    "   0x40000001 0x00: eax=0x31237648 ebx=0x00000000 ecx=0x00000000 "
    "edx=0x00000000\n";

static const char os_release[] =
    "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\n"
    "NAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\n# NAME=no\n";

static char root[64], dump[128];

static void
writefile(const char *rel, const void *data, size_t len)
{
	char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1 ||
	    write(fd, data, len) != (ssize_t)len) {
		perror(path);
		exit(1);
	}
	close(fd);
}

static void
mkdirs(const char *rel)
{
	char path[256], *p;

	snprintf(path, sizeof(path), "%s%s", root, rel);
	for (p = path + strlen(root) + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	mkdir(path, 0755);
}

static char *
pool_path(int pool)
{
	static char path[256];

	snprintf(path, sizeof(path), "%s/var/lib/hyperv/.kvp_pool_%d", root,
	    pool);
	return (path);
}

/* Append a record the way another program would. */
static void
pool_append(int pool, const char *key, const char *value)
{
	char rec[RECSIZE];
	int fd;

	memset(rec, 0, sizeof(rec));
	memcpy(rec, key, strlen(key));
	memcpy(rec + 512, value, strlen(value));
	if ((fd = open(pool_path(pool), O_WRONLY | O_APPEND)) == -1 ||
	    write(fd, rec, sizeof(rec)) != sizeof(rec)) {
		perror("append");
		exit(1);
	}
	close(fd);
}

static off_t
pool_size(int pool)
{
	struct stat st;

	return (stat(pool_path(pool), &st) == 0 ? st.st_size : -1);
}

/* The value of KEY by a plain scan of the file, or NULL; count in *n. */
static const char *
pool_lookup(int pool, const char *key, int *n)
{
	static char value[2048];
	char rec[RECSIZE];
	const char *found = NULL;
	int fd;

	*n = 0;
	if ((fd = open(pool_path(pool), O_RDONLY)) == -1)
		return (NULL);
	while (read(fd, rec, sizeof(rec)) == sizeof(rec))
		if (strncmp(rec, key, 512) == 0) {
			if (found == NULL) {
				memcpy(value, rec + 512, sizeof(value));
				found = value;
			}
			(*n)++;
		}
	close(fd);
	return (found);
}

static struct pvbus *
bus_open(void)
{
	struct pvbus_options o = { .root = root, .cpuid_dump = dump };
	struct pvbus *bus;

	if (pvbus_open(&bus, &o) != 0) {
		printf("FAIL: pvbus_open\n");
		exit(1);
	}
	return (bus);
}

static int
kv(struct pvbus *bus, enum pvbus_kvop op, const char *key, const char *in,
    char *out, size_t outlen)
{
	if (in != NULL)
		strlcpy(out, in, outlen);
	return (pvbus_kvop(bus, 0, op, key, out, outlen));
}

static void
setup(void)
{
	int i;

	strcpy(root, "/tmp/kvp_store.XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(dump, sizeof(dump), "%s/cpuid.txt", root);
	writefile("/cpuid.txt", hyperv_dump, strlen(hyperv_dump));
	mkdirs("/var/lib/hyperv");
	mkdirs("/proc/sys/kernel");
	mkdirs("/etc");
	for (i = 0; i < 5; i++) {
		char rel[64];

		snprintf(rel, sizeof(rel), "/var/lib/hyperv/.kvp_pool_%d", i);
		writefile(rel, "", 0);
	}
	pool_append(0, "K", "set by the host");
	pool_append(0, "HostOnly", "x");
	pool_append(3, "HostName", "hyperv-host-7");
	pool_append(2, "FromFile", "auto file record");
	writefile("/proc/sys/kernel/osrelease", "6.1.0-13-amd64\n", 15);
	writefile("/proc/sys/kernel/ostype", "Linux\n", 6);
	writefile("/proc/sys/kernel/arch", "x86_64\n", 7);
	writefile("/etc/os-release", os_release, strlen(os_release));
}

static void
test_attach(struct pvbus *bus)
{
	const struct pvbus_unit *u = pvbus_unit(bus, 0);

	CHECK("unit is Hyper-V", u != NULL &&
	    strcmp(pvbus_unit_type(u), "Hyper-V") == 0);
	if (u == NULL)
		exit(1);
	CHECK_STR("store name", pvbus_unit_store(u), "kvp");
	CHECK("store writable", pvbus_unit_store_access(u) == PVBUS_STORE_RW);
	CHECK_STR("store path", pvbus_unit_store_path(u), "/var/lib/hyperv");
}

static void
test_read(struct pvbus *bus)
{
	char v[4096];

	CHECK("read External/K", kv(bus, PVBUS_KVREAD, "External/K", NULL, v,
	    sizeof(v)) == 0 && strcmp(v, "set by the host") == 0);
	CHECK("list External/", kv(bus, PVBUS_KVREAD, "External/", NULL, v,
	    sizeof(v)) == 0 && strcmp(v, "K\nHostOnly") == 0);
	CHECK("read Guest/Parameters/HostName", kv(bus, PVBUS_KVREAD,
	    "Guest/Parameters/HostName", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "hyperv-host-7") == 0);
	CHECK("read missing key", kv(bus, PVBUS_KVREAD, "External/none", NULL,
	    v, sizeof(v)) == ENOENT && v[0] == '\0');
	CHECK("list empty pool", kv(bus, PVBUS_KVREAD, "Auto/Internal/", NULL,
	    v, sizeof(v)) == 0 && v[0] == '\0');
	CHECK("read ERANGE", kv(bus, PVBUS_KVREAD, "External/K", NULL, v,
	    15) == ERANGE && v[0] == '\0');
	CHECK("read exact fit", kv(bus, PVBUS_KVREAD, "External/K", NULL, v,
	    16) == 0 && strcmp(v, "set by the host") == 0);
	CHECK("read unknown pool", kv(bus, PVBUS_KVREAD, "Nope/K", NULL, v,
	    sizeof(v)) == EINVAL);
	CHECK("read without pool", kv(bus, PVBUS_KVREAD, "K", NULL, v,
	    sizeof(v)) == EINVAL);
	CHECK("read key with slash", kv(bus, PVBUS_KVREAD, "External/a/K",
	    NULL, v, sizeof(v)) == EINVAL);
}

static void
test_auto(struct pvbus *bus)
{
	char v[4096];

	CHECK("Auto/OSName from os-release", kv(bus, PVBUS_KVREAD,
	    "Auto/OSName", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "Debian GNU/Linux") == 0);
	CHECK("Auto/OSMajorVersion", kv(bus, PVBUS_KVREAD,
	    "Auto/OSMajorVersion", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "12") == 0);
	CHECK("Auto/OSVersion cut at '-'", kv(bus, PVBUS_KVREAD,
	    "Auto/OSVersion", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "6.1.0") == 0);
	CHECK("Auto/OSBuildNumber", kv(bus, PVBUS_KVREAD,
	    "Auto/OSBuildNumber", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "6.1.0-13-amd64") == 0);
	CHECK("Auto/ProcessorArchitecture", kv(bus, PVBUS_KVREAD,
	    "Auto/ProcessorArchitecture", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "x86_64") == 0);
	CHECK("Auto/ file record", kv(bus, PVBUS_KVREAD, "Auto/FromFile",
	    NULL, v, sizeof(v)) == 0 && strcmp(v, "auto file record") == 0);
	CHECK("list Auto/", kv(bus, PVBUS_KVREAD, "Auto/", NULL, v,
	    sizeof(v)) == 0 && strcmp(v, "OSName\nOSMajorVersion\n"
	    "OSMinorVersion\nOSBuildNumber\nOSVersion\nProcessorArchitecture\n"
	    "FromFile") == 0);
}

static void
test_write(struct pvbus *bus)
{
	char v[4096], big[2100];
	off_t size0 = pool_size(0), size1;
	const char *got;
	int n;

	CHECK("write Guest/K2", kv(bus, PVBUS_KVWRITE, "Guest/K2", "v", v,
	    sizeof(v)) == 0);
	got = pool_lookup(1, "K2", &n);
	CHECK("K2 in the pool file", got != NULL && strcmp(got, "v") == 0 &&
	    n == 1);
	CHECK("pool file whole records", pool_size(1) == RECSIZE);
	CHECK("read Guest/K2 back", kv(bus, PVBUS_KVREAD, "Guest/K2", NULL, v,
	    sizeof(v)) == 0 && strcmp(v, "v") == 0);
	CHECK("update Guest/K2", kv(bus, PVBUS_KVWRITE, "Guest/K2", "w2", v,
	    sizeof(v)) == 0);
	got = pool_lookup(1, "K2", &n);
	CHECK("update in place", got != NULL && strcmp(got, "w2") == 0 &&
	    n == 1 && pool_size(1) == RECSIZE);
	CHECK("write second key", kv(bus, PVBUS_KVWRITE, "Guest/K3", "", v,
	    sizeof(v)) == 0 && pool_size(1) == 2 * RECSIZE);
	CHECK("list Guest/", kv(bus, PVBUS_KVREAD, "Guest/", NULL, v,
	    sizeof(v)) == 0 && strcmp(v, "K2\nK3") == 0);

	size1 = pool_size(1);
	CHECK("write External/ refused", kv(bus, PVBUS_KVWRITE, "External/K",
	    "x", v, sizeof(v)) == EROFS && pool_size(0) == size0);
	CHECK("write Auto/ refused", kv(bus, PVBUS_KVWRITE, "Auto/X", "x", v,
	    sizeof(v)) == EROFS && pool_size(2) == RECSIZE);
	CHECK("write Guest/Parameters/ refused", kv(bus, PVBUS_KVWRITE,
	    "Guest/Parameters/X", "x", v, sizeof(v)) == EROFS);
	CHECK("write Auto/Internal/ refused", kv(bus, PVBUS_KVWRITE,
	    "Auto/Internal/X", "x", v, sizeof(v)) == EROFS &&
	    pool_size(4) == 0);
	CHECK("write empty key", kv(bus, PVBUS_KVWRITE, "Guest/", "x", v,
	    sizeof(v)) == EINVAL);
	CHECK("write key with slash", kv(bus, PVBUS_KVWRITE, "Guest/a/b", "x",
	    v, sizeof(v)) == EINVAL);
	CHECK("write unknown pool", kv(bus, PVBUS_KVWRITE, "Other/K", "x", v,
	    sizeof(v)) == EINVAL);
	CHECK("write bad UTF-8", kv(bus, PVBUS_KVWRITE, "Guest/K\xff", "x", v,
	    sizeof(v)) == EINVAL);
	size1 = pool_size(1);
	CHECK("write key with a newline", kv(bus, PVBUS_KVWRITE, "Guest/a\nb",
	    "x", v, sizeof(v)) == EINVAL);
	CHECK("write key with an escape", kv(bus, PVBUS_KVWRITE,
	    "Guest/\033]0;x\007", "x", v, sizeof(v)) == EINVAL);
	CHECK("control keys: nothing written", pool_size(1) == size1 &&
	    kv(bus, PVBUS_KVREAD, "Guest/", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "K2\nK3") == 0);
	memset(big, 'k', 6 + 255);
	memcpy(big, "Guest/", 6);
	big[6 + 255] = '\0';
	CHECK("write key past 254", kv(bus, PVBUS_KVWRITE, big, "x", v,
	    sizeof(v)) == ENAMETOOLONG);
	big[6 + 254] = '\0';
	CHECK("write key of 254", kv(bus, PVBUS_KVWRITE, big, "x", v,
	    sizeof(v)) == 0);
	size1 = pool_size(1);
	memset(big, 'v', 1023);
	big[1023] = '\0';
	CHECK("write value past 1022", kv(bus, PVBUS_KVWRITE, "Guest/Big",
	    big, v, sizeof(v)) == E2BIG);
	CHECK("nothing written", pool_size(1) == size1 &&
	    pool_lookup(1, "Big", &n) == NULL);
	big[1022] = '\0';
	CHECK("write value of 1022", kv(bus, PVBUS_KVWRITE, "Guest/Big", big,
	    v, sizeof(v)) == 0 && (got = pool_lookup(1, "Big", &n)) != NULL &&
	    strlen(got) == 1022);
}

static void
test_corrupt(struct pvbus *bus)
{
	char v[4096], rec[RECSIZE];
	const char *got;
	off_t size;
	int fd, n;

	/* A partial record at the end: ignored, then cut by a new write. */
	size = pool_size(1);
	fd = open(pool_path(1), O_WRONLY | O_APPEND);
	memset(rec, 0, sizeof(rec));
	strcpy(rec, "Partial");
	CHECK("append partial", write(fd, rec, 700) == 700);
	close(fd);
	CHECK("partial not listed", kv(bus, PVBUS_KVREAD, "Guest/Partial",
	    NULL, v, sizeof(v)) == ENOENT);
	CHECK("write after partial", kv(bus, PVBUS_KVWRITE, "Guest/After",
	    "ok", v, sizeof(v)) == 0);
	CHECK("file whole again", pool_size(1) == size + RECSIZE);
	got = pool_lookup(1, "After", &n);
	CHECK("new record intact", got != NULL && strcmp(got, "ok") == 0);
	got = pool_lookup(1, "K2", &n);
	CHECK("old records intact", got != NULL && strcmp(got, "w2") == 0);

	/* Key without NUL, value without NUL, empty key in External. */
	memset(rec, 'k', 512);
	memset(rec + 512, 0, 2048);
	fd = open(pool_path(0), O_WRONLY | O_APPEND);
	CHECK("append unterminated key", write(fd, rec, RECSIZE) == RECSIZE);
	memset(rec, 0, 512);
	strcpy(rec, "NoNulValue");
	memset(rec + 512, 'v', 2048);
	CHECK("append unterminated value", write(fd, rec, RECSIZE) == RECSIZE);
	memset(rec, 0, RECSIZE);
	strcpy(rec + 512, "orphan");
	CHECK("append empty key", write(fd, rec, RECSIZE) == RECSIZE);
	close(fd);
	CHECK("list skips bad keys", kv(bus, PVBUS_KVREAD, "External/", NULL,
	    v, sizeof(v)) == 0 && strcmp(v, "K\nHostOnly\nNoNulValue") == 0);
	CHECK("unterminated value is EIO", kv(bus, PVBUS_KVREAD,
	    "External/NoNulValue", NULL, v, sizeof(v)) == EIO);
	CHECK("good key still read", kv(bus, PVBUS_KVREAD, "External/K", NULL,
	    v, sizeof(v)) == 0 && strcmp(v, "set by the host") == 0);
}

/*
 * Pools of more records than the store reads at once (it reads the file in
 * pieces): the last record, a name repeated in a later piece, a bad value
 * past the first piece, a listing of every name once, an update in place
 * far into the file.
 */
static void
test_large(struct pvbus *bus)
{
	static char v[PVBUS_KVOP_MAXSIZE], want[PVBUS_KVOP_MAXSIZE];
	char key[32], val[32], rec[RECSIZE];
	const char *got;
	off_t size;
	int fd, i, n;

	want[0] = '\0';
	for (i = 0; i < 300; i++) {
		snprintf(key, sizeof(key), "I%03d", i);
		snprintf(val, sizeof(val), "v%d", i);
		pool_append(4, key, val);
		if (i > 0)
			strlcat(want, "\n", sizeof(want));
		strlcat(want, key, sizeof(want));
	}
	pool_append(4, "I005", "shadowed");
	memset(rec, 0, sizeof(rec));
	strcpy(rec, "Unterminated");
	memset(rec + 512, 'v', 2048);
	fd = open(pool_path(4), O_WRONLY | O_APPEND);
	CHECK("large: append unterminated value", write(fd, rec, RECSIZE) ==
	    RECSIZE);
	close(fd);
	strlcat(want, "\nUnterminated", sizeof(want));
	CHECK("large: read the last of 300", kv(bus, PVBUS_KVREAD,
	    "Auto/Internal/I299", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "v299") == 0);
	CHECK("large: read one of the second piece", kv(bus, PVBUS_KVREAD,
	    "Auto/Internal/I100", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "v100") == 0);
	CHECK("large: the first of a name repeated", kv(bus, PVBUS_KVREAD,
	    "Auto/Internal/I005", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "v5") == 0);
	CHECK("large: unterminated value at the end is EIO", kv(bus,
	    PVBUS_KVREAD, "Auto/Internal/Unterminated", NULL, v,
	    sizeof(v)) == EIO);
	CHECK("large: missing key", kv(bus, PVBUS_KVREAD, "Auto/Internal/I300",
	    NULL, v, sizeof(v)) == ENOENT);
	CHECK("large: list every name once, in order", kv(bus, PVBUS_KVREAD,
	    "Auto/Internal/", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, want) == 0);

	for (i = 0; i < 150; i++) {
		snprintf(key, sizeof(key), "G%03d", i);
		pool_append(1, key, "before");
	}
	size = pool_size(1);
	CHECK("large: update past the first piece", kv(bus, PVBUS_KVWRITE,
	    "Guest/G140", "after", v, sizeof(v)) == 0 &&
	    pool_size(1) == size && (got = pool_lookup(1, "G140", &n)) !=
	    NULL && strcmp(got, "after") == 0 && n == 1);
	got = pool_lookup(1, "G139", &n);
	CHECK("large: the record before it intact", got != NULL &&
	    strcmp(got, "before") == 0);
	CHECK("large: a new key after 150", kv(bus, PVBUS_KVWRITE, "Guest/G150",
	    "new", v, sizeof(v)) == 0 && pool_size(1) == size + RECSIZE &&
	    (got = pool_lookup(1, "G150", &n)) != NULL &&
	    strcmp(got, "new") == 0);
}

/*
 * A write waits while another process holds the fcntl lock: the holder says
 * "L" once it holds the lock and "R" just before it lets go, and the write
 * may return only once "R" is there to read.
 */
static void
test_lock_wait(struct pvbus *bus)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char v[64], c;
	int p[2], fd, status, n, released;
	pid_t pid;

	if (pipe(p) == -1)
		exit(1);
	if ((pid = fork()) == -1)
		exit(1);
	if (pid == 0) {
		int rc = 1;

		/* The holder needs none of the parent's bus. */
		pvbus_close(bus);
		close(p[0]);
		fd = open(pool_path(1), O_RDWR);
		if (fd != -1 && fcntl(fd, F_SETLKW, &fl) != -1 &&
		    write(p[1], "L", 1) == 1) {
			usleep(500000);
			if (write(p[1], "R", 1) == 1)
				rc = 0;
		}
		_exit(rc);	/* releases the lock */
	}
	close(p[1]);
	CHECK("lock holder ready", read(p[0], &c, 1) == 1 && c == 'L');
	if (fcntl(p[0], F_SETFL, O_NONBLOCK) == -1)
		exit(1);
	CHECK("lock still held as the write begins", read(p[0], &c, 1) == -1 &&
	    errno == EAGAIN);
	CHECK("write under a held lock succeeds", kv(bus, PVBUS_KVWRITE,
	    "Guest/Waited", "yes", v, sizeof(v)) == 0);
	released = read(p[0], &c, 1) == 1 && c == 'R';
	CHECK("write returned only after the lock was let go", released);
	close(p[0]);
	waitpid(pid, &status, 0);
	CHECK("lock holder ends cleanly", WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK("record after the wait", pool_lookup(1, "Waited", &n) != NULL &&
	    n == 1);
}

/*
 * A lock held past the store timeout: the write gives up with EBUSY and
 * names the pool, the read likewise, and nothing is written.  The holder
 * keeps the lock until the pipe closes, so only the bound ends the wait.
 */
static void
test_lock_timeout(void)
{
	struct pvbus_options o = { .root = root, .cpuid_dump = dump,
	    .store_timeout_ms = 100 };
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	const struct pvbus_unit *u;
	struct pvbus *bus;
	char v[64], c, want[512];
	int p[2], q[2], fd, status, n;
	off_t before = pool_size(1);
	pid_t pid;

	if (pipe(p) == -1 || pipe(q) == -1 || pvbus_open(&bus, &o) != 0)
		exit(1);
	if ((pid = fork()) == -1)
		exit(1);
	if (pid == 0) {
		pvbus_close(bus);
		close(p[0]);
		close(q[1]);
		fd = open(pool_path(1), O_RDWR);
		if (fd == -1 || fcntl(fd, F_SETLKW, &fl) == -1 ||
		    write(p[1], "L", 1) != 1)
			_exit(1);
		/* Until the parent is done, however long that takes. */
		while (read(q[0], &c, 1) == -1 && errno == EINTR)
			;
		_exit(0);
	}
	close(p[1]);
	close(q[0]);
	u = pvbus_unit(bus, 0);
	snprintf(want, sizeof(want), "kvp: /var/lib/hyperv/.kvp_pool_1: "
	    "locked by another process for 100 ms");
	CHECK("timeout: lock holder ready", read(p[0], &c, 1) == 1 && c == 'L');
	CHECK("timeout: write gives up with EBUSY", kv(bus, PVBUS_KVWRITE,
	    "Guest/Stuck", "no", v, sizeof(v)) == EBUSY);
	CHECK_STR("timeout: the error names the lock",
	    pvbus_unit_store_error(u), want);
	CHECK("timeout: nothing written", pool_size(1) == before &&
	    pool_lookup(1, "Stuck", &n) == NULL);
	CHECK("timeout: read gives up with EBUSY", kv(bus, PVBUS_KVREAD,
	    "Guest/Waited", NULL, v, sizeof(v)) == EBUSY && v[0] == '\0');
	close(q[1]);
	close(p[0]);
	waitpid(pid, &status, 0);
	CHECK("timeout: lock holder ends cleanly", WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0);
	CHECK("timeout: the next read succeeds, error cleared", kv(bus,
	    PVBUS_KVREAD, "Guest/Waited", NULL, v, sizeof(v)) == 0 &&
	    strcmp(v, "yes") == 0 && pvbus_unit_store_error(u)[0] == '\0');
	pvbus_close(bus);
}

/*
 * A listing larger than any value: ERANGE, and the store error says why
 * (300 more names of 250 bytes, 75 KiB joined).
 */
static void
test_list_too_big(void)
{
	static char v[PVBUS_KVOP_MAXSIZE];
	char key[256], want[256];
	struct pvbus *bus;
	int i;

	for (i = 0; i < 300; i++) {
		memset(key, 'k', 250);
		snprintf(key + 240, sizeof(key) - 240, "%010d", i);
		pool_append(3, key, "v");
	}
	bus = bus_open();
	snprintf(want, sizeof(want), "kvp: Guest/Parameters/: the names of "
	    "the pool's %d records do not fit %d bytes",
	    (int)(pool_size(3) / RECSIZE), PVBUS_KVOP_MAXSIZE);
	CHECK("big listing: ERANGE", kv(bus, PVBUS_KVREAD, "Guest/Parameters/",
	    NULL, v, sizeof(v)) == ERANGE && v[0] == '\0');
	CHECK_STR("big listing: the error says why",
	    pvbus_unit_store_error(pvbus_unit(bus, 0)), want);
	CHECK("big listing: a key still reads", kv(bus, PVBUS_KVREAD,
	    "Guest/Parameters/HostName", NULL, v, sizeof(v)) == 0 &&
	    pvbus_unit_store_error(pvbus_unit(bus, 0))[0] == '\0');
	pvbus_close(bus);
}

/* A negative bound is refused; 0 is the default. */
static void
test_timeout_option(void)
{
	struct pvbus_options o = { .root = root, .cpuid_dump = dump,
	    .store_timeout_ms = -1 };
	struct pvbus *bus = NULL;

	CHECK("timeout: negative is EINVAL", pvbus_open(&bus, &o) == EINVAL &&
	    bus == NULL);
}

/* Writers in parallel with a daemon-like rewriter of another pool. */
static void
test_concurrency(void)
{
	char key[64], val[64], v[64];
	const char *got;
	pid_t pids[NWRITERS + 1];
	int i, j, n, status, ok = 1, fails = 0;
	off_t before = pool_size(1);

	for (i = 0; i < NWRITERS; i++) {
		if ((pids[i] = fork()) != 0)
			continue;
		struct pvbus *b = bus_open();

		for (j = 0; j < NKEYS; j++) {
			snprintf(key, sizeof(key), "Guest/w%d_%d", i, j);
			snprintf(val, sizeof(val), "value %d %d", i, j);
			if (kv(b, PVBUS_KVWRITE, key, val, v, sizeof(v)) != 0 ||
			    kv(b, PVBUS_KVWRITE, "Guest/shared", val, v,
			    sizeof(v)) != 0)
				_exit(1);
		}
		pvbus_close(b);
		_exit(0);
	}
	/* Reads External and Guest under the lock, as the daemon would. */
	if ((pids[NWRITERS] = fork()) == 0) {
		struct pvbus *b = bus_open();
		char buf[16384];

		for (j = 0; j < 200; j++)
			if (kv(b, PVBUS_KVREAD, "Guest/", NULL, buf,
			    sizeof(buf)) != 0)
				_exit(1);
		pvbus_close(b);
		_exit(0);
	}
	for (i = 0; i <= NWRITERS; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			fails++;
	}
	CHECK("parallel writers succeed", fails == 0);
	for (i = 0; i < NWRITERS; i++)
		for (j = 0; j < NKEYS; j++) {
			snprintf(key, sizeof(key), "w%d_%d", i, j);
			snprintf(val, sizeof(val), "value %d %d", i, j);
			got = pool_lookup(1, key, &n);
			if (got == NULL || strcmp(got, val) != 0 || n != 1)
				ok = 0;
		}
	CHECK("no record lost, duplicated or torn", ok);
	got = pool_lookup(1, "shared", &n);
	CHECK("shared key once", got != NULL && n == 1 &&
	    strncmp(got, "value ", 6) == 0);
	CHECK("pool size exact", pool_size(1) ==
	    before + (NWRITERS * NKEYS + 1) * RECSIZE);
}

static void
test_absent(void)
{
	char v[64], cmd[128];
	struct pvbus *bus;

	snprintf(cmd, sizeof(cmd), "rm -rf %s/var/lib/hyperv", root);
	if (system(cmd) != 0)
		exit(1);
	bus = bus_open();
	CHECK("no pools, no store", pvbus_unit_store(pvbus_unit(bus, 0)) ==
	    NULL);
	CHECK("no pools, ENXIO", kv(bus, PVBUS_KVREAD, "External/K", NULL, v,
	    sizeof(v)) == ENXIO);
	pvbus_close(bus);
}

int
main(void)
{
	struct pvbus *bus;
	char cmd[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	setup();
	bus = bus_open();
	test_attach(bus);
	test_read(bus);
	test_auto(bus);
	test_write(bus);
	test_corrupt(bus);
	test_large(bus);
	test_lock_wait(bus);
	pvbus_close(bus);
	test_lock_timeout();
	test_timeout_option();
	test_list_too_big();
	test_concurrency();
	test_absent();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	(void)system(cmd);
	return (CHECK_EXIT());
}
