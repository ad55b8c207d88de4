/*
 * unvis_check FILE: reads hostctl's output on stdin, checks that it holds no
 * byte a terminal could act on (VIS_SAFE lets through tab, newline, CR,
 * backspace and bell), decodes it with strunvis and compares the result with
 * FILE.  One trailing newline (hostctl's) is not part of the value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/vis.h>

int
main(int argc, char *argv[])
{
	static char in[1 << 20], want[1 << 18], got[1 << 20];
	size_t n, m, i;
	FILE *fp;

	if (argc != 2 || (fp = fopen(argv[1], "rb")) == NULL) {
		fprintf(stderr, "usage: unvis_check FILE < output\n");
		return (2);
	}
	m = fread(want, 1, sizeof(want) - 1, fp);
	fclose(fp);
	n = fread(in, 1, sizeof(in) - 1, stdin);
	if (n > 0 && in[n - 1] == '\n')
		n--;
	in[n] = '\0';
	for (i = 0; i < n; i++) {
		unsigned char c = in[i];

		if ((c < 0x20 && strchr("\t\n\r\b\a", c) == NULL) || c >= 0x7f) {
			printf("unsafe byte 0x%02x at %zu\n", c, i);
			return (1);
		}
	}
	if (strunvis(got, in) != (int)m || memcmp(got, want, m) != 0) {
		printf("decoded value differs from %s\n", argv[1]);
		return (1);
	}
	return (0);
}
