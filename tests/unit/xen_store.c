/*
 * The XenStore store through the public API: a Xen CPUID dump, xssim as
 * the server ($XENSTORED_PATH), pvbus_open and pvbus_kvop.
 */
#include <sys/stat.h>
#include <sys/wait.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bsd/string.h>

#include "check.h"
#include "pvbus.h"

static const char xen_dump[] =
    "   0x00000000 0x00: eax=0x0000000d ebx=0x756e6547 ecx=0x6c65746e edx=0x49656e69\n"
    "   0x00000001 0x00: eax=0x000306e4 ebx=0x01020800 ecx=0xffba2203 edx=0x178bfbff\n"
    "   0x40000000 0x00: eax=0x40000001 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e\n"
    "   0x40000001 0x00: eax=0x00040011 ebx=0x00000000 ecx=0x00000000 edx=0x00000000\n";

static char dir[] = "/tmp/xen_store.XXXXXX";
static char sock[PATH_MAX], dump[PATH_MAX], xssim[PATH_MAX];
static char root[64], devdir[128], devtype[160];
static pid_t server = -1;
static const char *server_domid = "5";

static int
start_server(void)
{
	struct stat st;
	int i;

	unlink(sock);
	if ((server = fork()) == -1)
		return (-1);
	if (server == 0) {
		execl(xssim, "xssim", "--socket", sock, "--domid", server_domid,
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return (0);
		usleep(50000);
	}
	return (-1);
}

static void
stop_server(void)
{
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	server = -1;
}

/* mkdir -p */
static int
mkdirs(const char *path)
{
	char buf[PATH_MAX], *p;

	strlcpy(buf, path, sizeof(buf));
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) == -1 && errno != EEXIST)
			return (-1);
		*p = '/';
	}
	return (mkdir(buf, 0755) == -1 && errno != EEXIST ? -1 : 0);
}

/* rmdir PATH and its parents up to, not including, TOP. */
static void
rmtree_up(const char *path, const char *top)
{
	char buf[PATH_MAX], *p;

	strlcpy(buf, path, sizeof(buf));
	while (strcmp(buf, top) != 0 && rmdir(buf) == 0 &&
	    (p = strrchr(buf, '/')) != NULL)
		*p = '\0';
}

static int
kv(struct pvbus *bus, enum pvbus_kvop op, const char *key, const char *in,
    char *out, size_t len)
{
	if (in != NULL)
		strlcpy(out, in, len);
	return (pvbus_kvop(bus, 0, op, key, out, len));
}

static int
has_device(const struct pvbus_unit *u, const char *name, const char *id)
{
	const struct pvbus_device *d;
	size_t i;

	for (i = 0; i < pvbus_unit_ndevices(u); i++) {
		d = pvbus_unit_device(u, i);
		if (strcmp(d->name, name) == 0 && strcmp(d->id, id) == 0)
			return (1);
	}
	return (0);
}

static const char *
attr(const struct pvbus_unit *u, const char *name)
{
	size_t i;

	for (i = 0; i < pvbus_unit_nattrs(u); i++)
		if (strcmp(pvbus_unit_attr(u, i)->name, name) == 0)
			return (pvbus_unit_attr(u, i)->value);
	return (NULL);
}

static size_t
count_devices(const struct pvbus_unit *u, const char *prefix)
{
	size_t i, n = 0;

	for (i = 0; i < pvbus_unit_ndevices(u); i++)
		if (strncmp(pvbus_unit_device(u, i)->id, prefix,
		    strlen(prefix)) == 0)
			n++;
	return (n);
}

/*
 * A host with more frontends than a unit lists: TYPES types of PER devices
 * under device/, written through the store itself.  The listing stops at
 * the limit and says so; a bus opened without devices asks for none.
 */
#define TYPES	40
#define PER	40
#define LIMIT	1024	/* PV_MAXDEVICES, as pvbus(4) documents it */

static void
test_many_devices(void)
{
	struct pvbus_options o = { .cpuid_dump = dump };
	const struct pvbus_unit *u;
	struct pvbus *bus, *b2;
	char key[64], v[16];
	int t, d, e;

	/* device/ is the host's: a privileged domain writes the frontends. */
	server_domid = "0";
	if (start_server() != 0 || pvbus_open(&bus, &o) != 0) {
		printf("FAIL: many devices: no server\n");
		check_failed = 1;
		return;
	}
	e = kv(bus, PVBUS_KVWRITE, "data/k", "hello", v, sizeof(v));
	for (t = 0; t < TYPES && e == 0; t++)
		for (d = 0; d < PER && e == 0; d++) {
			snprintf(key, sizeof(key), "device/t%02d/%d", t, d);
			e = kv(bus, PVBUS_KVWRITE, key, "", v, sizeof(v));
		}
	CHECK("many devices written", e == 0);

	CHECK("pvbus_open with many devices", pvbus_open(&b2, &o) == 0);
	u = pvbus_unit(b2, 0);
	CHECK("the listing stops at the limit", u != NULL &&
	    pvbus_unit_ndevices(u) == LIMIT);
	CHECK("the first frontends are listed", u != NULL &&
	    has_device(u, "t00", "t00/0"));
	CHECK_STR("the unit says it stopped", u ? attr(u, "devices_truncated") :
	    NULL, "1024");
	CHECK("no device is listed twice", u != NULL &&
	    count_devices(u, "t00/") == PER);
	pvbus_close(b2);

	o.flags = PVBUS_OPEN_NO_DEVICES;
	CHECK("pvbus_open without devices", pvbus_open(&b2, &o) == 0);
	u = pvbus_unit(b2, 0);
	CHECK("NO_DEVICES: no device listed", u != NULL &&
	    pvbus_unit_ndevices(u) == 0 && attr(u, "devices_truncated") ==
	    NULL);
	CHECK_STR("NO_DEVICES: the store is attached", u ?
	    pvbus_unit_store(u) : NULL, "xenstore");
	CHECK("NO_DEVICES: a key reads", kv(b2, PVBUS_KVREAD, "data/k", NULL,
	    v, sizeof(v)) == 0 && strcmp(v, "hello") == 0);
	pvbus_close(b2);

	o.flags = PVBUS_OPEN_NO_DEVICES | PVBUS_OPEN_NO_STORES;
	CHECK("pvbus_open without devices and stores",
	    pvbus_open(&b2, &o) == 0);
	u = pvbus_unit(b2, 0);
	CHECK("NO_STORES: no store, and no error", u != NULL &&
	    pvbus_unit_store(u) == NULL &&
	    pvbus_unit_store_error(u)[0] == '\0' &&
	    pvbus_unit_ndevices(u) == 0);
	CHECK("NO_STORES: the unit is still Xen", u != NULL &&
	    strcmp(pvbus_unit_type(u), "Xen") == 0);
	CHECK("NO_STORES: kvop is ENXIO", kv(b2, PVBUS_KVREAD, "data/k",
	    NULL, v, sizeof(v)) == ENXIO);
	pvbus_close(b2);
	pvbus_close(bus);
	stop_server();
}

static void
tests(void)
{
	static char v[8192], big[8192];
	struct pvbus_options opts = { .cpuid_dump = dump };
	const struct pvbus_unit *u;
	struct pvbus *bus;
	int e;

	CHECK("pvbus_open", pvbus_open(&bus, &opts) == 0);
	u = pvbus_unit(bus, 0);
	if (u == NULL) {
		printf("FAIL: xen unit: none\n");
		check_failed = 1;
		pvbus_close(bus);
		return;
	}
	CHECK_STR("xen unit type", pvbus_unit_type(u), "Xen");
	CHECK_STR("store name", pvbus_unit_store(u), "xenstore");
	CHECK("store read-write",
	    pvbus_unit_store_access(u) == PVBUS_STORE_RW);
	CHECK_STR("store path is the socket", pvbus_unit_store_path(u), sock);
	CHECK_STR("domid from the store", attr(u, "domid"), "5");
	CHECK_STR("home", attr(u, "home"), "/local/domain/5");
	CHECK("device vif/0", has_device(u, "vif", "vif/0"));
	CHECK("device vbd/51712", has_device(u, "vbd", "vbd/51712"));
	CHECK("device vfb/0", has_device(u, "vfb", "vfb/0"));

	e = kv(bus, PVBUS_KVWRITE, "data/k", "hello", v, sizeof(v));
	CHECK("write", e == 0 && v[0] == '\0');
	e = kv(bus, PVBUS_KVREAD, "data/k", NULL, v, 6);
	CHECK("read into an exact buffer", e == 0 && strcmp(v, "hello") == 0);
	e = kv(bus, PVBUS_KVREAD, "data/k", NULL, v, 5);
	CHECK("read into a short buffer is ERANGE, empty",
	    e == ERANGE && v[0] == '\0');
	e = kv(bus, PVBUS_KVREAD, "/local/domain/5/data/k", NULL, v,
	    sizeof(v));
	CHECK("absolute key", e == 0 && strcmp(v, "hello") == 0);
	kv(bus, PVBUS_KVWRITE, "data/l", "", v, sizeof(v));
	e = kv(bus, PVBUS_KVREAD, "data", NULL, v, sizeof(v));
	CHECK("listing joined by newlines", e == 0 && strcmp(v, "k\nl") == 0);
	e = kv(bus, PVBUS_KVREAD, "data", NULL, v, 3);
	CHECK("listing into a short buffer is ERANGE", e == ERANGE);
	e = kv(bus, PVBUS_KVREAD, "data/l", NULL, v, sizeof(v));
	CHECK("an empty leaf lists nothing", e == 0 && v[0] == '\0');
	e = kv(bus, PVBUS_KVREAD, "data/none", NULL, v, sizeof(v));
	CHECK("missing key is ENOENT", e == ENOENT);
	e = kv(bus, PVBUS_KVWRITE, "/local/domain/0/z", "v", v, sizeof(v));
	CHECK("write outside the home is EACCES", e == EACCES);
	e = kv(bus, PVBUS_KVREAD, "/local/domain/0/name", NULL, v, sizeof(v));
	CHECK("read of dom0's node is EACCES", e == EACCES);
	e = kv(bus, PVBUS_KVWRITE, "data/a b", "v", v, sizeof(v));
	CHECK("space in a key is EINVAL", e == EINVAL);
	e = kv(bus, PVBUS_KVWRITE, "data//x", "v", v, sizeof(v));
	CHECK("double slash is EINVAL", e == EINVAL);
	e = kv(bus, PVBUS_KVWRITE, "data/x/", "v", v, sizeof(v));
	CHECK("trailing slash is EINVAL", e == EINVAL);
	e = kv(bus, PVBUS_KVWRITE, "", "v", v, sizeof(v));
	CHECK("empty key is EINVAL", e == EINVAL);
	memset(big, 'k', 2049);
	big[2049] = '\0';
	e = kv(bus, PVBUS_KVREAD, big, NULL, v, sizeof(v));
	CHECK("relative key of 2049 bytes is ENAMETOOLONG", e == ENAMETOOLONG);

	memset(big, 'b', 2000);
	big[2000] = '\0';
	e = kv(bus, PVBUS_KVWRITE, "data/big", big, v, sizeof(v));
	CHECK("2000-byte value", e == 0);
	e = kv(bus, PVBUS_KVREAD, "data/big", NULL, v, sizeof(v));
	CHECK("2000-byte value read back", e == 0 && strcmp(v, big) == 0);
	memset(big, 'c', 3000);
	big[3000] = '\0';
	e = kv(bus, PVBUS_KVWRITE, "data/big", big, v, sizeof(v));
	CHECK("value past the domain's entry quota is ENOSPC", e == ENOSPC);
	/* key "data/h" and its NUL: 7 bytes; 4089 + 7 = 4096. */
	memset(big, 'h', 4090);
	big[4090] = '\0';
	e = kv(bus, PVBUS_KVWRITE, "data/h", big, v, sizeof(v));
	CHECK("value past the payload limit is E2BIG", e == E2BIG);
	e = kv(bus, PVBUS_KVREAD, "data/h", NULL, v, sizeof(v));
	CHECK("nothing written past the limit", e == ENOENT);

	/* A frontend the kernel lists in sysfs is not listed twice. */
	{
		struct pvbus_options ropts = { .root = root,
		    .cpuid_dump = dump };
		struct pvbus *rbus;
		const struct pvbus_unit *ru;

		CHECK("pvbus_open with a sysfs root",
		    pvbus_open(&rbus, &ropts) == 0);
		ru = pvbus_unit(rbus, 0);
		CHECK("sysfs vif-0 listed", ru != NULL &&
		    has_device(ru, "vif", "vif-0"));
		CHECK("vif/0 from device/ not listed again", ru != NULL &&
		    !has_device(ru, "vif", "vif/0"));
		CHECK("vbd/51712 still listed", ru != NULL &&
		    has_device(ru, "vbd", "vbd/51712"));
		pvbus_close(rbus);
	}

	/* The server goes away and comes back: the store reconnects. */
	stop_server();
	e = kv(bus, PVBUS_KVREAD, "data/k", NULL, v, sizeof(v));
	CHECK("server gone: EIO", e == EIO);
	if (start_server() == 0) {
		e = kv(bus, PVBUS_KVWRITE, "data/again", "yes", v, sizeof(v));
		e = e ? e : kv(bus, PVBUS_KVREAD, "data/again", NULL, v,
		    sizeof(v));
		CHECK("reconnects to a new server", e == 0 &&
		    strcmp(v, "yes") == 0);
	} else
		CHECK("reconnects to a new server", 0);
	pvbus_close(bus);

	/* No server: the unit stays, without a store. */
	stop_server();
	CHECK("pvbus_open without a server", pvbus_open(&bus, &opts) == 0);
	u = pvbus_unit(bus, 0);
	CHECK("no server: no store", u != NULL &&
	    pvbus_unit_store(u) == NULL);
	e = kv(bus, PVBUS_KVREAD, "data/k", NULL, v, sizeof(v));
	CHECK("no server: kvop is ENXIO", e == ENXIO);
	pvbus_close(bus);
}

int
main(int argc, char *argv[])
{
	const char *b = getenv("PVBUS_BUILD");
	FILE *f;

	(void)argc;
	if (b != NULL)
		snprintf(xssim, sizeof(xssim), "%s/xssim", b);
	else
		snprintf(xssim, sizeof(xssim), "%.*s/../xssim",
		    (int)(strrchr(argv[0], '/') ? strrchr(argv[0], '/') -
		    argv[0] : 1), strrchr(argv[0], '/') ? argv[0] : ".");
	if (access(xssim, X_OK) != 0) {
		printf("FAIL: xssim: %s: %s\n", xssim, strerror(errno));
		return (1);
	}
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL) {
		printf("FAIL: mkdtemp: %s\n", strerror(errno));
		return (1);
	}
	snprintf(sock, sizeof(sock), "%s/xs", dir);
	snprintf(dump, sizeof(dump), "%s/xen.cpuid", dir);
	if ((f = fopen(dump, "w")) != NULL) {
		fputs(xen_dump, f);
		fclose(f);
	}
	/* root/sys/bus/xen/devices/vif-0/devtype: "vif" */
	snprintf(root, sizeof(root), "%s/root", dir);
	snprintf(devdir, sizeof(devdir), "%s/sys/bus/xen/devices/vif-0", root);
	snprintf(devtype, sizeof(devtype), "%s/devtype", devdir);
	if (mkdirs(devdir) == 0 && (f = fopen(devtype, "w")) != NULL) {
		fputs("vif\n", f);
		fclose(f);
	}
	setenv("XENSTORED_PATH", sock, 1);
	if (start_server() != 0)
		printf("FAIL: xssim did not start\n");
	else
		tests();
	stop_server();
	test_many_devices();
	unlink(dump);
	unlink(sock);
	unlink(devtype);
	rmtree_up(devdir, dir);
	rmdir(dir);
	return (CHECK_EXIT());
}
