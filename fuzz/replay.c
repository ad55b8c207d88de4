/*
 * Runs a fuzz target without libFuzzer: every file of the corpus
 * directories given, then mutations of them from a fixed seed, through
 * the same LLVMFuzzerTestOneInput() libFuzzer calls.  Linked with each
 * target as build/tests/replay_TARGET; tests/run gives it
 * fuzz/corpus/TARGET.  The sanitizer build (make SAN=1) and valgrind catch
 * memory errors on the way; the target counts broken invariants.
 *
 *	replay_TARGET [-m mutations] [-n minfiles] DIR...
 *
 * One line a case: each corpus file, that the corpus is there (at least
 * minfiles files, 10 by default), that the mutations keep every invariant.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

/* Larger than any target takes (a 64 KiB value and its framing). */
#define MAXINPUT	(64 * 1024 + 64)
#define MAXSEEDS	256
/* Systematic edits reach this far into each seed: the headers. */
#define HEADLEN		64

struct seed {
	unsigned char	*data;
	size_t		 len;
};

unsigned long fuzz_failures;

void
fuzz_fail(const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant broken\n", file, line);
	fuzz_failures++;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static int
bysname(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

/* A whole file; 0 or -1 with a message printed. */
static int
load(const char *path, struct seed *s)
{
	FILE *f;
	unsigned char *buf;
	size_t n;

	if ((f = fopen(path, "rb")) == NULL) {
		printf("FAIL: corpus %s: %s\n", path, strerror(errno));
		return (-1);
	}
	if ((buf = malloc(MAXINPUT + 1)) == NULL) {
		fclose(f);
		printf("FAIL: corpus %s: %s\n", path, strerror(ENOMEM));
		return (-1);
	}
	n = fread(buf, 1, MAXINPUT + 1, f);
	if (ferror(f) || n > MAXINPUT) {
		printf("FAIL: corpus %s: %s\n", path, ferror(f) ?
		    "read error" : "larger than any input");
		fclose(f);
		free(buf);
		return (-1);
	}
	fclose(f);
	s->data = buf;
	s->len = n;
	return (0);
}

/* The files of DIR, in name order, each run once and kept as a seed. */
static int
replay_dir(const char *dir, struct seed *seeds, size_t *nseeds)
{
	char path[PATH_MAX], **names = NULL, **v;
	size_t n = 0, i;
	unsigned long before;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if ((d = opendir(dir)) == NULL) {
		printf("FAIL: corpus %s: %s\n", dir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if ((v = reallocarray(names, n + 1, sizeof(*v))) == NULL ||
		    (v[n] = strdup(de->d_name)) == NULL) {
			names = v != NULL ? v : names;
			rc = -1;
			break;
		}
		names = v;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), bysname);
	for (i = 0; i < n; i++) {
		if (rc != 0 || (size_t)snprintf(path, sizeof(path), "%s/%s",
		    dir, names[i]) >= sizeof(path) || stat(path, &st) != 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (*nseeds == MAXSEEDS) {
			printf("FAIL: corpus %s: more than %d files\n", dir,
			    MAXSEEDS);
			rc = -1;
			continue;
		}
		if (load(path, &seeds[*nseeds]) != 0) {
			rc = -1;
			continue;
		}
		before = fuzz_failures;
		LLVMFuzzerTestOneInput(seeds[*nseeds].data,
		    seeds[*nseeds].len);
		if (fuzz_failures == before)
			printf("PASS: corpus %s\n", names[i]);
		else
			printf("FAIL: corpus %s: %lu invariants broken\n",
			    names[i], fuzz_failures - before);
		(*nseeds)++;
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return (rc);
}

/* One random edit of BUF (LEN bytes, room for MAXINPUT). */
static void
mutate(unsigned char *buf, size_t *len, const struct seed *seeds,
    size_t nseeds)
{
	const struct seed *o;
	size_t n, add, at;

	switch (next() % 5) {
	case 0:		/* one byte */
		if (*len > 0)
			buf[next() % *len] = next();
		break;
	case 1:		/* a byte of the header: flags, lengths */
		if (*len > 0)
			buf[next() % (*len < HEADLEN ? *len : HEADLEN)] ^=
			    1u << (next() % 8);
		break;
	case 2:		/* cut */
		*len = *len ? next() % *len : 0;
		break;
	case 3:		/* grow, mostly a little, at times to the largest */
		add = next() % 3 ? next() % 16 : next() % (MAXINPUT - *len + 1);
		if (*len + add > MAXINPUT)
			add = MAXINPUT - *len;
		memset(buf + *len, 'a' + next() % 26, add);
		*len += add;
		break;
	case 4:		/* a few bytes of another seed at the same place */
		o = &seeds[next() % nseeds];
		if (*len == 0 || o->len == 0)
			break;
		at = next() % (*len < o->len ? *len : o->len);
		n = 1 + next() % 8;
		if (at + n > *len)
			n = *len - at;
		if (at + n > o->len)
			n = o->len - at;
		memcpy(buf + at, o->data + at, n);
		break;
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: replay [-m mutations] [-n minfiles] "
	    "DIR...\n");
	exit(2);
}

static unsigned long
number(const char *arg)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || errno != 0 || *end != '\0' ||
	    v > 100000000ul) {
		fprintf(stderr, "replay: bad number: %s\n", arg);
		exit(2);
	}
	return (v);
}

int
main(int argc, char *argv[])
{
	static struct seed seeds[MAXSEEDS];
	unsigned long mutations = 20000, minfiles = 10, before, runs = 0;
	unsigned char *buf;
	size_t nseeds = 0, i, pos, len, edits;
	int c, rc = 0;

	while ((c = getopt(argc, argv, "m:n:")) != -1) {
		switch (c) {
		case 'm':
			mutations = number(optarg);
			break;
		case 'n':
			minfiles = number(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind == argc)
		usage();
	for (; optind < argc; optind++)
		if (replay_dir(argv[optind], seeds, &nseeds) != 0)
			rc = 1;
	if (fuzz_failures > 0)
		rc = 1;
	if (nseeds >= minfiles && nseeds > 0)
		printf("PASS: corpus has %zu files\n", nseeds);
	else {
		printf("FAIL: corpus has %zu files: wanted %lu or more\n",
		    nseeds, minfiles);
		return (1);
	}
	if ((buf = malloc(MAXINPUT)) == NULL) {
		printf("FAIL: mutations: %s\n", strerror(ENOMEM));
		return (1);
	}

	before = fuzz_failures;
	/* Every header byte flipped, every header length cut. */
	for (i = 0; i < nseeds; i++)
		for (pos = 0; pos < seeds[i].len && pos < HEADLEN; pos++) {
			memcpy(buf, seeds[i].data, seeds[i].len);
			buf[pos] ^= 0xff;
			LLVMFuzzerTestOneInput(buf, seeds[i].len);
			LLVMFuzzerTestOneInput(seeds[i].data, pos + 1);
			runs += 2;
		}
	/* Then a few random edits at a time. */
	for (i = 0; i < mutations; i++) {
		const struct seed *s = &seeds[next() % nseeds];

		len = s->len;
		memcpy(buf, s->data, len);
		for (edits = 1 + next() % 4; edits > 0; edits--)
			mutate(buf, &len, seeds, nseeds);
		LLVMFuzzerTestOneInput(buf, len);
		runs++;
	}
	if (fuzz_failures == before)
		printf("PASS: %lu mutations keep every invariant\n", runs);
	else {
		printf("FAIL: mutations: %lu invariants broken in %lu runs\n",
		    fuzz_failures - before, runs);
		rc = 1;
	}
	for (i = 0; i < nseeds; i++)
		free(seeds[i].data);
	free(buf);
	return (rc);
}
