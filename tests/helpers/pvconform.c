/*
 * pvconform: checks a pvbus(4) device against the OpenBSD ioctl contract,
 * using nothing but <dev/pv/pvvar.h>, ioctl(2) and libc, as a program
 * written for OpenBSD would.
 *
 *   pvconform check DEVICE TYPE none|rw [KEYBASE]
 *   pvconform check DEVICE TYPE ro KEY VALUE
 *	every case of the contract; rw writes fresh keys KEYBASE-N, ro
 *	reads KEY, which holds VALUE, and sees a write refused
 *   pvconform refused DEVICE TYPE
 *	the cases that reach no store: the type, and the requests the
 *	checks refuse
 *   pvconform stress DEVICE TYPE CLIENTS OPS KEYBASE
 *	CLIENTS processes doing OPS ioctls each on their own keys
 *   pvconform load DEVICE KEY VALUE N SECONDS
 *	reads KEY, reopening after errors; prints "up" once N reads in a
 *	row gave VALUE, "down" at the first error after that and
 *	"recovered" once N reads in a row gave VALUE again, then stops and
 *	prints "ok N errors N wrong N recovered N"; exits 1 on any wrong
 *	value or when SECONDS pass before it recovers
 *
 * Each check prints PASS: or FAIL: lines.
 */
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <dev/pv/pvvar.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXSIZE		PVBUS_KVOP_MAXSIZE

static int failed;
static int keyseq;
static const char *prefix = "";	/* the device's name, before each case */

static void
result(const char *name, int ok, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
result(const char *name, int ok, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		printf("PASS: %s: %s\n", prefix, name);
		return;
	}
	failed = 1;
	printf("FAIL: %s: %s: ", prefix, name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

/* The ioctl's errno, or 0. */
static int
pvioctl(int fd, unsigned long cmd, char *key, size_t keylen, char *value,
    size_t valuelen)
{
	struct pvbus_req r;

	memset(&r, 0, sizeof(r));
	r.pvr_key = key;
	r.pvr_keylen = keylen;
	r.pvr_value = value;
	r.pvr_valuelen = valuelen;
	return (ioctl(fd, cmd, &r) == -1 ? errno : 0);
}

static void
expect_errno(const char *name, int got, int want)
{
	result(name, got == want, "got %s, wanted %s",
	    got ? strerror(got) : "success", want ? strerror(want) : "success");
}

static int
xopen(const char *dev, int flags)
{
	int fd;

	if ((fd = open(dev, flags)) == -1) {
		printf("FAIL: open %s: %s\n", dev, strerror(errno));
		exit(1);
	}
	return (fd);
}

static void *
xmalloc(size_t n)
{
	void *p;

	if ((p = malloc(n)) == NULL) {
		perror("pvconform: malloc");
		exit(1);
	}
	return (p);
}

static void
check_type(int ro, const char *type)
{
	char key[256];
	size_t n = strlen(type);

	memset(key, 'X', sizeof(key));
	expect_errno("type: 1-byte buffer gives ENOMEM",
	    pvioctl(ro, PVBUSIOC_TYPE, key, 1, NULL, 0), ENOMEM);
	result("type: ENOMEM writes nothing", key[0] == 'X', "key[0] %#x",
	    (unsigned char)key[0]);
	expect_errno("type: strlen-byte buffer gives ENOMEM",
	    pvioctl(ro, PVBUSIOC_TYPE, key, n, NULL, 0), ENOMEM);
	expect_errno("type: exact buffer on a read-only descriptor",
	    pvioctl(ro, PVBUSIOC_TYPE, key, n + 1, NULL, 0), 0);
	result("type: name", memcmp(key, type, n + 1) == 0,
	    "got \"%.*s\", wanted \"%s\"", (int)n, key, type);
	result("type: nothing past the NUL", key[n + 1] == 'X',
	    "key[%zu] %#x", n + 1, (unsigned char)key[n + 1]);
	memset(key, 'X', sizeof(key));
	expect_errno("type: PVBUSIOC_KVTYPE alias",
	    pvioctl(ro, PVBUSIOC_KVTYPE, key, sizeof(key), NULL, 0), 0);
	result("type: alias gives the name", strcmp(key, type) == 0,
	    "got \"%.20s\"", key);
}

static void
check_common(int ro, int rw)
{
	char key[16] = "x", value[16] = "";

	expect_errno("write on a read-only descriptor gives EPERM",
	    pvioctl(ro, PVBUSIOC_KVWRITE, key, 2, value, sizeof(value)),
	    EPERM);
	expect_errno("EPERM comes before the length checks",
	    pvioctl(ro, PVBUSIOC_KVWRITE, key, 0, value, 0), EPERM);
	expect_errno("unknown command gives ENOTTY",
	    pvioctl(rw, _IOWR('V', 4, struct pvbus_req), key, 2, value,
	    sizeof(value)), ENOTTY);
	expect_errno("unknown command without argument gives ENOTTY",
	    ioctl(rw, _IO('V', 99)) == -1 ? errno : 0, ENOTTY);
	expect_errno("terminal ioctl gives ENOTTY",
	    ioctl(rw, TCFLSH, 0) == -1 ? errno : 0, ENOTTY);
	expect_errno("unreadable request gives EFAULT",
	    ioctl(ro, PVBUSIOC_TYPE, (void *)8) == -1 ? errno : 0, EFAULT);
}

static void
check_nostore(int ro, int rw)
{
	char key[16] = "x", value[16] = "";

	expect_errno("read without a store gives ENXIO",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, 2, value, sizeof(value)), ENXIO);
	expect_errno("write without a store gives ENXIO",
	    pvioctl(rw, PVBUSIOC_KVWRITE, key, 2, value, sizeof(value)),
	    ENXIO);
	expect_errno("EPERM comes before ENXIO",
	    pvioctl(ro, PVBUSIOC_KVWRITE, key, 2, value, sizeof(value)),
	    EPERM);
}

static void
check_lengths(int ro)
{
	char key[16] = "x", value[16] = "";

	expect_errno("key length 0 gives EINVAL",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, 0, value, sizeof(value)), EINVAL);
	expect_errno("key length 65537 gives ENAMETOOLONG",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, MAXSIZE + 1, value,
	    sizeof(value)), ENAMETOOLONG);
	expect_errno("value length 0 gives EINVAL",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, 2, value, 0), EINVAL);
	expect_errno("value length 65537 gives ENAMETOOLONG",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, 2, value, MAXSIZE + 1),
	    ENAMETOOLONG);
	expect_errno("key length checked before value length",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, 0, value, MAXSIZE + 1), EINVAL);
	expect_errno("unreadable key gives EFAULT",
	    pvioctl(ro, PVBUSIOC_KVREAD, (char *)16, 4, value, sizeof(value)),
	    EFAULT);
	expect_errno("unreadable key checked before value length",
	    pvioctl(ro, PVBUSIOC_KVREAD, (char *)16, 4, value, 0), EFAULT);
}

static void
freshkey(char *buf, size_t len, const char *base)
{
	snprintf(buf, len, "%s-%d-%d", base, (int)getpid(), ++keyseq);
}

static void
check_rw(int ro, int rw, const char *base)
{
	char key[512], value[64], *bigkey, *bigval;
	const char *want = "conformance value";
	size_t n = strlen(want), klen;
	int e;

	freshkey(key, sizeof(key), base);
	klen = strlen(key);
	snprintf(value, sizeof(value), "%s", want);
	e = pvioctl(rw, PVBUSIOC_KVWRITE, key, klen + 1, value, n + 1);
	expect_errno("write a fresh key", e, 0);
	result("write leaves a terminated value", memchr(value, '\0', n + 1)
	    != NULL, "no NUL in the echo");

	memset(value, 'X', sizeof(value));
	expect_errno("read it back with a large buffer",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, klen + 1, value,
	    sizeof(value)), 0);
	result("the value", strcmp(value, want) == 0, "got \"%.*s\"",
	    (int)sizeof(value) - 1, value);
	result("read copies strlen+1 bytes", value[n + 1] == 'X',
	    "value[%zu] %#x", n + 1, (unsigned char)value[n + 1]);

	memset(value, 'X', sizeof(value));
	expect_errno("exact buffer", pvioctl(ro, PVBUSIOC_KVREAD, key,
	    klen + 1, value, n + 1), 0);
	result("exact buffer value", strcmp(value, want) == 0, "got \"%.*s\"",
	    (int)n, value);
	memset(value, 'X', sizeof(value));
	expect_errno("buffer one byte short gives ERANGE",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, klen + 1, value, n), ERANGE);
	result("ERANGE truncates nothing into the buffer",
	    value[0] == 'X' && value[n - 1] == 'X', "buffer written");
	expect_errno("1-byte value buffer gives ERANGE",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, klen + 1, value, 1), ERANGE);

	/* keylen bytes plus a forced NUL: trailing bytes are not the key. */
	memcpy(value, key, klen);
	memcpy(value + klen, "zzz", 3);
	bigkey = xmalloc(klen + 3);
	memcpy(bigkey, value, klen + 3);
	memset(value, 'X', sizeof(value));
	expect_errno("key taken as keylen bytes, no NUL needed",
	    pvioctl(ro, PVBUSIOC_KVREAD, bigkey, klen, value, sizeof(value)),
	    0);
	result("that key's value", strcmp(value, want) == 0, "got \"%.20s\"",
	    value);
	free(bigkey);

	/* 64 KiB buffers: more than one CUSE request carries. */
	bigkey = xmalloc(MAXSIZE);
	bigval = xmalloc(MAXSIZE);
	memset(bigkey, 'K', MAXSIZE);
	memset(bigval, 'V', MAXSIZE);
	memcpy(bigkey, key, klen + 1);
	expect_errno("read with 64 KiB key and value buffers",
	    pvioctl(ro, PVBUSIOC_KVREAD, bigkey, MAXSIZE, bigval, MAXSIZE), 0);
	result("64 KiB read value", strcmp(bigval, want) == 0 &&
	    bigval[n + 1] == 'V', "got \"%.20s\"", bigval);
	freshkey(key, sizeof(key), base);
	klen = strlen(key);
	memcpy(bigkey, key, klen + 1);
	snprintf(bigval, MAXSIZE, "%s", "large buffers");
	expect_errno("write with 64 KiB key and value buffers",
	    pvioctl(rw, PVBUSIOC_KVWRITE, bigkey, MAXSIZE, bigval, MAXSIZE),
	    0);
	memset(value, 'X', sizeof(value));
	expect_errno("read back the 64 KiB write",
	    pvioctl(ro, PVBUSIOC_KVREAD, key, klen + 1, value, sizeof(value)),
	    0);
	result("64 KiB write value", strcmp(value, "large buffers") == 0,
	    "got \"%.20s\"", value);

	/*
	 * A value filling its 64 KiB buffer behind a short key in another:
	 * the store must answer as it does with exact buffers.
	 */
	memset(bigval, 'V', MAXSIZE - 1);
	bigval[MAXSIZE - 1] = '\0';
	freshkey(key, sizeof(key), base);
	klen = strlen(key);
	e = pvioctl(rw, PVBUSIOC_KVWRITE, key, klen + 1, bigval, MAXSIZE);
	freshkey(key, sizeof(key), base);
	klen = strlen(key);
	memcpy(bigkey, key, klen + 1);
	memset(bigval, 'V', MAXSIZE - 1);
	bigval[MAXSIZE - 1] = '\0';
	expect_errno("65535-byte value, 64 KiB key buffer: as exact buffers",
	    pvioctl(rw, PVBUSIOC_KVWRITE, bigkey, MAXSIZE, bigval, MAXSIZE),
	    e);
	memset(bigkey, 'K', MAXSIZE);
	memset(bigval, 'V', MAXSIZE);
	expect_errno("key and value both 64 KiB strings give E2BIG",
	    pvioctl(rw, PVBUSIOC_KVWRITE, bigkey, MAXSIZE, bigval, MAXSIZE),
	    E2BIG);
	free(bigkey);
	free(bigval);
}

/* A read-only store (fw_cfg, SMBIOS): reads as in check_rw, writes EROFS. */
static void
check_ro(int ro, int rw, const char *key, const char *want)
{
	char value[256];
	size_t klen = strlen(key) + 1, n = strlen(want);

	if (n + 2 > sizeof(value)) {
		result("ro: value fits the checks' buffer", 0, "%zu bytes", n);
		return;
	}
	memset(value, 'X', sizeof(value));
	expect_errno("ro: read with a large buffer",
	    pvioctl(ro, PVBUSIOC_KVREAD, (char *)key, klen, value,
	    sizeof(value)), 0);
	result("ro: the value", strcmp(value, want) == 0, "got \"%.*s\"",
	    (int)sizeof(value) - 1, value);
	result("ro: read copies strlen+1 bytes", value[n + 1] == 'X',
	    "value[%zu] %#x", n + 1, (unsigned char)value[n + 1]);
	memset(value, 'X', sizeof(value));
	expect_errno("ro: exact buffer", pvioctl(ro, PVBUSIOC_KVREAD,
	    (char *)key, klen, value, n + 1), 0);
	memset(value, 'X', sizeof(value));
	expect_errno("ro: buffer one byte short gives ERANGE",
	    pvioctl(ro, PVBUSIOC_KVREAD, (char *)key, klen, value, n), ERANGE);
	result("ro: ERANGE truncates nothing into the buffer",
	    value[0] == 'X', "buffer written");
	snprintf(value, sizeof(value), "%s", "overwritten");
	expect_errno("ro: write gives EROFS", pvioctl(rw, PVBUSIOC_KVWRITE,
	    (char *)key, klen, value, strlen(value) + 1), EROFS);
	memset(value, 'X', sizeof(value));
	expect_errno("ro: read after the refused write",
	    pvioctl(ro, PVBUSIOC_KVREAD, (char *)key, klen, value,
	    sizeof(value)), 0);
	result("ro: the value is kept", strcmp(value, want) == 0,
	    "got \"%.*s\"", (int)sizeof(value) - 1, value);
}

static int
cmd_check(int argc, char *argv[])
{
	int ro, rw;

	if (argc < 4 || (strcmp(argv[3], "rw") == 0 && argc < 5) ||
	    (strcmp(argv[3], "ro") == 0 && argc < 6))
		return (2);
	prefix = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	ro = xopen(argv[1], O_RDONLY);
	rw = xopen(argv[1], O_RDWR);
	check_type(ro, argv[2]);
	check_common(ro, rw);
	if (strcmp(argv[3], "none") == 0)
		check_nostore(ro, rw);
	else if (strcmp(argv[3], "ro") == 0) {
		check_lengths(ro);
		check_ro(ro, rw, argv[4], argv[5]);
	} else {
		check_lengths(ro);
		check_rw(ro, rw, argv[4]);
	}
	close(ro);
	close(rw);
	return (failed);
}

/* One client: its own keys and values, every answer checked. */
static int
stress_client(const char *dev, const char *type, int id, int ops,
    const char *base)
{
	char key[256], want[256], value[256];
	size_t tl = strlen(type), vlen;
	int fd, i, e;

	fd = xopen(dev, O_RDWR);
	want[0] = '\0';
	for (i = 0; i < ops; i++) {
		if (i % 100 == 0) {
			snprintf(key, sizeof(key), "%s-c%d-%d-%d", base, id,
			    (int)getpid(), i);
			snprintf(want, sizeof(want), "client %d op %d", id, i);
			snprintf(value, sizeof(value), "%s", want);
			if ((e = pvioctl(fd, PVBUSIOC_KVWRITE, key,
			    strlen(key) + 1, value, sizeof(value))) != 0) {
				fprintf(stderr, "client %d: write: %s\n", id,
				    strerror(e));
				return (1);
			}
			continue;
		}
		memset(value, 'X', sizeof(value));
		switch (i % 3) {
		case 0:
			e = pvioctl(fd, PVBUSIOC_TYPE, value, tl + 1, NULL, 0);
			if (e != 0 || memcmp(value, type, tl + 1) != 0)
				goto wrong;
			break;
		default:
			/* Buffers of every size around the value's. */
			vlen = strlen(want) + 1 - 1 + (size_t)(i % 5);
			e = pvioctl(fd, PVBUSIOC_KVREAD, key, strlen(key) + 1,
			    value, vlen);
			if (vlen < strlen(want) + 1) {
				if (e != ERANGE || value[0] != 'X')
					goto wrong;
			} else if (e != 0 || strcmp(value, want) != 0)
				goto wrong;
			break;
		}
	}
	close(fd);
	return (0);
 wrong:
	fprintf(stderr, "client %d op %d: %s, \"%.40s\" (wanted \"%s\")\n",
	    id, i, e ? strerror(e) : "success", value,
	    i % 3 == 0 ? type : want);
	return (1);
}

static int
cmd_stress(int argc, char *argv[])
{
	int clients, ops, i, status, bad = 0;
	pid_t pid;

	if (argc != 6)
		return (2);
	clients = atoi(argv[3]);
	ops = atoi(argv[4]);
	for (i = 0; i < clients; i++) {
		if ((pid = fork()) == -1) {
			perror("pvconform: fork");
			return (1);
		}
		if (pid == 0) {
			fflush(stdout);
			_exit(stress_client(argv[1], argv[2], i, ops, argv[5]));
		}
	}
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	prefix = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	printf("%s: %s: %d clients x %d ioctls%s\n", bad ? "FAIL" : "PASS",
	    prefix, clients, ops, bad ? ": failed clients (see stderr)" : "");
	return (bad != 0);
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

static int
cmd_load(int argc, char *argv[])
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	enum { STARTING, UP, DOWN, RECOVERED } state = STARTING;
	long ok = 0, errs = 0, wrong = 0, streak = 0, n;
	char value[256];
	double end;
	int fd = -1, e;

	if (argc != 6 || (n = atol(argv[4])) < 1)
		return (2);
	end = now() + atof(argv[5]);
	while (state != RECOVERED && now() < end) {
		e = 0;
		if (fd == -1 && (fd = open(argv[1], O_RDONLY)) == -1)
			e = errno;
		if (e == 0) {
			memset(value, 'X', sizeof(value));
			e = pvioctl(fd, PVBUSIOC_KVREAD, argv[2],
			    strlen(argv[2]) + 1, value, sizeof(value));
			if (e != 0) {
				close(fd);
				fd = -1;
			}
		}
		if (e != 0) {
			errs++;
			streak = 0;
			if (state == UP) {
				state = DOWN;
				printf("down\n");
			}
			nanosleep(&pause, NULL);
			continue;
		}
		if (strcmp(value, argv[3]) != 0) {
			wrong++;
			streak = 0;
			fprintf(stderr, "wrong value \"%.40s\"\n", value);
			continue;
		}
		ok++;
		if (++streak < n)
			continue;
		if (state == STARTING) {
			state = UP;
			printf("up\n");
		} else if (state == DOWN) {
			state = RECOVERED;
			printf("recovered\n");
		}
	}
	if (fd != -1)
		close(fd);
	if (state != RECOVERED)
		fprintf(stderr, "no recovery within %s s\n", argv[5]);
	printf("ok %ld errors %ld wrong %ld recovered %ld\n", ok, errs, wrong,
	    streak);
	return (wrong != 0 || state != RECOVERED);
}

static int
cmd_refused(int argc, char *argv[])
{
	int ro, rw;

	if (argc != 3)
		return (2);
	prefix = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	ro = xopen(argv[1], O_RDONLY);
	rw = xopen(argv[1], O_RDWR);
	check_type(ro, argv[2]);
	check_common(ro, rw);
	close(ro);
	close(rw);
	return (failed);
}

int
main(int argc, char *argv[])
{
	int rc = 2;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		rc = cmd_check(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "refused") == 0)
		rc = cmd_refused(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "stress") == 0)
		rc = cmd_stress(argc - 1, argv + 1);
	else if (argc >= 2 && strcmp(argv[1], "load") == 0)
		rc = cmd_load(argc - 1, argv + 1);
	if (rc == 2)
		fprintf(stderr, "usage: pvconform check DEVICE TYPE none|rw "
		    "[KEYBASE]\n"
		    "       pvconform check DEVICE TYPE ro KEY VALUE\n"
		    "       pvconform refused DEVICE TYPE\n"
		    "       pvconform stress DEVICE TYPE CLIENTS OPS KEYBASE\n"
		    "       pvconform load DEVICE KEY VALUE N SECONDS\n");
	return (rc);
}
