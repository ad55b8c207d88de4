/*
 * The RPCI reply fuzz target (fuzz/rpci_reply.c) run as a unit test: every
 * file of its corpus, then mutations of them from a fixed seed, through the
 * same entry point libFuzzer calls.  The target counts broken invariants;
 * the sanitizer build (make SAN=1) also catches memory errors here.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../fuzz/rpci_reply.c"

#include "check.h"

#define MUTATIONS	20000
#define MAXINPUT	(PVBUS_KVOP_MAXSIZE + 16)

struct seed {
	unsigned char	*data;
	size_t		 len;
};

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (rng);
}

static void
corpus_dir(char *buf, size_t len)
{
	const char *top = getenv("PVBUS_TOP");
	const char *file = __FILE__, *slash;

	if (top != NULL) {
		snprintf(buf, len, "%s/fuzz/corpus/rpci_reply", top);
		return;
	}
	/* Built from the top of the tree: __FILE__ is tests/unit/... */
	slash = strstr(file, "tests/unit/");
	snprintf(buf, len, "%.*sfuzz/corpus/rpci_reply",
	    slash ? (int)(slash - file) : 0, file);
}

int
main(void)
{
	struct seed seeds[64];
	size_t nseeds = 0, i, j, len, edits;
	unsigned long before;
	unsigned char *buf;
	char dir[4096], path[8192], name[300];
	struct dirent *de;
	DIR *d;
	FILE *f;

	corpus_dir(dir, sizeof(dir));
	if ((d = opendir(dir)) == NULL) {
		printf("FAIL: corpus: cannot open %s\n", dir);
		return (1);
	}
	buf = malloc(MAXINPUT);
	while (buf != NULL && (de = readdir(d)) != NULL && nseeds < 64) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if ((f = fopen(path, "rb")) == NULL)
			continue;
		len = fread(buf, 1, MAXINPUT, f);
		fclose(f);
		before = fuzz_failures;
		LLVMFuzzerTestOneInput(buf, len);
		snprintf(name, sizeof(name), "corpus %s", de->d_name);
		CHECK(name, fuzz_failures == before);
		if ((seeds[nseeds].data = malloc(len ? len : 1)) != NULL) {
			memcpy(seeds[nseeds].data, buf, len);
			seeds[nseeds++].len = len;
		}
	}
	closedir(d);
	CHECK("corpus has seeds", nseeds >= 10);

	/* Flip flags, bytes and lengths of the seeds. */
	before = fuzz_failures;
	for (i = 0; i < MUTATIONS && nseeds > 0 && buf != NULL; i++) {
		const struct seed *s = &seeds[next() % nseeds];

		len = s->len;
		memcpy(buf, s->data, len);
		edits = 1 + next() % 4;
		for (j = 0; j < edits; j++) {
			switch (next() % 5) {
			case 0:		/* flags */
				if (len > 0)
					buf[0] = next();
				break;
			case 1:		/* one byte */
				if (len > 0)
					buf[next() % len] = next();
				break;
			case 2:		/* cut */
				len = len ? next() % len : 0;
				break;
			case 3:		/* grow, up to the largest reply */
				{
					size_t add = next() % 3 ? next() % 16 :
					    next() % (MAXINPUT - len);

					if (len + add > MAXINPUT)
						add = MAXINPUT - len;
					memset(buf + len, 'a' + next() % 26,
					    add);
					len += add;
				}
				break;
			case 4:		/* a status the parser knows */
				if (len > 2) {
					buf[1] = "01"[next() % 2];
					buf[2] = ' ';
				}
				break;
			}
		}
		LLVMFuzzerTestOneInput(buf, len);
	}
	CHECK("mutations keep every invariant", fuzz_failures == before);
	for (i = 0; i < nseeds; i++)
		free(seeds[i].data);
	free(buf);
	return (CHECK_EXIT());
}
