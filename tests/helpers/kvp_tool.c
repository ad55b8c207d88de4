/*
 * kvp_tool: reads and writes KVP pool files the way hv_kvp_daemon does,
 * without libpvbus, so the tests check the store against an independent
 * implementation of the format and the locking.
 *
 *   kvp_tool set FILE KEY VALUE      add or modify as the daemon does: lock,
 *                                    read all, rewrite the whole file
 *   kvp_tool get FILE KEY            print the value of the first match;
 *                                    exit 1, printing nothing, if none
 *   kvp_tool dump FILE               print KEY=VALUE per record
 *   kvp_tool check FILE [N]          whole records, keys terminated and
 *                                    unique; with N, exactly N records
 *   kvp_tool lock FILE SECS READY [RELEASED]
 *                                    hold the write lock SECS seconds
 *                                    (fractions allowed), creating READY
 *                                    once it is held and RELEASED just
 *                                    before it is let go
 *   kvp_tool corrupt FILE KIND       append a bad record: nokeynul,
 *                                    novaluenul, emptykey, partial
 *   kvp_tool padding A B             compare two pools: "same" when they
 *                                    are byte for byte, "padding N" when
 *                                    only bytes after the NUL of N fields
 *                                    of A differ and B pads with NULs;
 *                                    else exit 1, saying where
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define KEYSIZE		512
#define VALUESIZE	2048

struct record {
	char	key[KEYSIZE];
	char	value[VALUESIZE];
};

static void
lockf_whole(int fd, short type)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET };

	while (fcntl(fd, F_SETLKW, &fl) == -1)
		if (errno != EINTR) {
			perror("fcntl");
			exit(2);
		}
}

/* The records of FILE, read under the lock the caller holds on FD. */
static struct record *
load(int fd, size_t *nrec, size_t *size)
{
	struct record *recs;
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) == -1) {
		perror("fstat");
		exit(2);
	}
	*size = st.st_size;
	*nrec = st.st_size / sizeof(struct record);
	if ((recs = calloc(*nrec + 1, sizeof(*recs))) == NULL)
		exit(2);
	n = pread(fd, recs, *nrec * sizeof(*recs), 0);
	if (n != (ssize_t)(*nrec * sizeof(*recs))) {
		perror("pread");
		exit(2);
	}
	return (recs);
}

static int
open_locked(const char *file, int flags)
{
	int fd;

	if ((fd = open(file, flags, 0644)) == -1) {
		perror(file);
		exit(2);
	}
	lockf_whole(fd, F_WRLCK);
	return (fd);
}

static int
cmd_set(const char *file, const char *key, const char *value)
{
	struct record *recs;
	size_t n, size, i, ks = strlen(key) + 1, vs = strlen(value) + 1;
	int fd;

	if (ks > KEYSIZE || vs > VALUESIZE) {
		fprintf(stderr, "too long\n");
		return (2);
	}
	fd = open_locked(file, O_RDWR | O_CREAT);
	recs = load(fd, &n, &size);
	for (i = 0; i < n; i++)
		if (memcmp(recs[i].key, key, ks) == 0)
			break;
	if (i == n) {
		memset(&recs[n], 0, sizeof(recs[n]));
		memcpy(recs[n].key, key, ks);
		n++;
	}
	memset(recs[i].value, 0, VALUESIZE);
	memcpy(recs[i].value, value, vs);
	/* As the daemon: truncate, then write every record. */
	if (ftruncate(fd, 0) == -1 ||
	    pwrite(fd, recs, n * sizeof(*recs), 0) !=
	    (ssize_t)(n * sizeof(*recs))) {
		perror("write");
		return (2);
	}
	close(fd);
	free(recs);
	return (0);
}

static int
cmd_get(const char *file, const char *key)
{
	struct record *recs;
	size_t n, size, i, ks = strlen(key) + 1;
	int fd;

	fd = open_locked(file, O_RDWR);
	recs = load(fd, &n, &size);
	close(fd);
	for (i = 0; i < n; i++)
		if (ks <= KEYSIZE && memcmp(recs[i].key, key, ks) == 0) {
			printf("%.*s\n", VALUESIZE, recs[i].value);
			return (0);
		}
	return (1);
}

static int
cmd_dump(const char *file)
{
	struct record *recs;
	size_t n, size, i;
	int fd;

	fd = open_locked(file, O_RDWR);
	recs = load(fd, &n, &size);
	close(fd);
	for (i = 0; i < n; i++)
		printf("%.*s=%.*s\n", KEYSIZE, recs[i].key, VALUESIZE,
		    recs[i].value);
	return (0);
}

static int
cmd_check(const char *file, const char *want)
{
	struct record *recs;
	size_t n, size, i, j;
	int fd, bad = 0;

	fd = open_locked(file, O_RDWR);
	recs = load(fd, &n, &size);
	close(fd);
	if (size % sizeof(struct record) != 0) {
		printf("torn: size %zu is not whole records\n", size);
		bad = 1;
	}
	for (i = 0; i < n; i++) {
		if (memchr(recs[i].key, '\0', KEYSIZE) == NULL ||
		    memchr(recs[i].value, '\0', VALUESIZE) == NULL) {
			printf("torn: record %zu unterminated\n", i);
			bad = 1;
			continue;
		}
		for (j = 0; j < i; j++)
			if (strcmp(recs[i].key, recs[j].key) == 0) {
				printf("duplicate: %s\n", recs[i].key);
				bad = 1;
			}
	}
	if (want != NULL && n != strtoul(want, NULL, 10)) {
		printf("count: %zu records, wanted %s\n", n, want);
		bad = 1;
	}
	if (!bad)
		printf("%zu records\n", n);
	return (bad);
}

static int
touch(const char *path)
{
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT, 0644)) == -1) {
		perror(path);
		return (-1);
	}
	close(fd);
	return (0);
}

static int
cmd_lock(const char *file, const char *secs, const char *ready,
    const char *released)
{
	struct timespec ts;
	char *end;
	double d;
	int fd;

	d = strtod(secs, &end);
	if (end == secs || *end != '\0' || d < 0 || d > 3600) {
		fprintf(stderr, "bad seconds %s\n", secs);
		return (2);
	}
	ts.tv_sec = (time_t)d;
	ts.tv_nsec = (long)((d - ts.tv_sec) * 1e9);
	fd = open_locked(file, O_RDWR);
	if (touch(ready) == -1)
		return (2);
	while (nanosleep(&ts, &ts) == -1)
		if (errno != EINTR) {
			perror("nanosleep");
			return (2);
		}
	if (released != NULL && touch(released) == -1)
		return (2);
	close(fd);	/* releases the lock */
	return (0);
}

static int
cmd_corrupt(const char *file, const char *kind)
{
	struct record rec;
	size_t len = sizeof(rec);
	struct stat st;
	int fd;

	memset(&rec, 0, sizeof(rec));
	strcpy(rec.key, "Corrupt");
	strcpy(rec.value, "value");
	if (strcmp(kind, "nokeynul") == 0)
		memset(rec.key, 'k', KEYSIZE);
	else if (strcmp(kind, "novaluenul") == 0)
		memset(rec.value, 'v', VALUESIZE);
	else if (strcmp(kind, "emptykey") == 0)
		rec.key[0] = '\0';
	else if (strcmp(kind, "partial") == 0)
		len = KEYSIZE + 100;
	else {
		fprintf(stderr, "unknown kind %s\n", kind);
		return (2);
	}
	fd = open_locked(file, O_RDWR | O_CREAT);
	if (fstat(fd, &st) == -1 ||
	    pwrite(fd, &rec, len, st.st_size) != (ssize_t)len) {
		perror("write");
		return (2);
	}
	close(fd);
	return (0);
}

/* Whether field F of LEN bytes has anything but NULs after its first. */
static int
residue(const char *f, size_t len)
{
	const char *nul = memchr(f, '\0', len);
	size_t i;

	if (nul == NULL)
		return (1);
	for (i = nul - f; i < len; i++)
		if (f[i] != '\0')
			return (1);
	return (0);
}

static int
cmd_padding(const char *a, const char *b)
{
	struct record *ra, *rb;
	size_t na, nb, sa, sb, i, n = 0;
	int fa, fb;

	fa = open_locked(a, O_RDWR);
	fb = open_locked(b, O_RDWR);
	ra = load(fa, &na, &sa);
	rb = load(fb, &nb, &sb);
	close(fa);
	close(fb);
	if (sa != sb || na != nb) {
		printf("differ: %zu and %zu bytes\n", sa, sb);
		return (1);
	}
	if (memcmp(ra, rb, na * sizeof(*ra)) == 0) {
		printf("same\n");
		return (0);
	}
	for (i = 0; i < na; i++) {
		if (strncmp(ra[i].key, rb[i].key, KEYSIZE) != 0 ||
		    strncmp(ra[i].value, rb[i].value, VALUESIZE) != 0) {
			printf("differ: record %zu\n", i);
			return (1);
		}
		if (residue(rb[i].key, KEYSIZE) ||
		    residue(rb[i].value, VALUESIZE)) {
			printf("differ: record %zu of %s is not NUL padded\n",
			    i, b);
			return (1);
		}
		n += residue(ra[i].key, KEYSIZE) +
		    residue(ra[i].value, VALUESIZE);
	}
	printf("padding %zu\n", n);
	free(ra);
	free(rb);
	return (0);
}

int
main(int argc, char *argv[])
{
	if (argc == 5 && strcmp(argv[1], "set") == 0)
		return (cmd_set(argv[2], argv[3], argv[4]));
	if (argc == 4 && strcmp(argv[1], "get") == 0)
		return (cmd_get(argv[2], argv[3]));
	if (argc == 3 && strcmp(argv[1], "dump") == 0)
		return (cmd_dump(argv[2]));
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "check") == 0)
		return (cmd_check(argv[2], argc == 4 ? argv[3] : NULL));
	if ((argc == 5 || argc == 6) && strcmp(argv[1], "lock") == 0)
		return (cmd_lock(argv[2], argv[3], argv[4],
		    argc == 6 ? argv[5] : NULL));
	if (argc == 4 && strcmp(argv[1], "corrupt") == 0)
		return (cmd_corrupt(argv[2], argv[3]));
	if (argc == 4 && strcmp(argv[1], "padding") == 0)
		return (cmd_padding(argv[2], argv[3]));
	fprintf(stderr, "usage: kvp_tool set|get|dump|check|lock|corrupt|padding "
	    "FILE ...\n");
	return (2);
}
