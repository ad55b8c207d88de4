/*
 * fdcheck FILE: write to FILE the descriptors above 2 this process was
 * started with, one a line, or nothing; for tests of what a program hands
 * the commands it runs.  The list is made before FILE is opened.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int
main(int argc, char *argv[])
{
	static int open_fds[1024];
	long max = sysconf(_SC_OPEN_MAX);
	int fd, n = 0, i;
	FILE *f;

	if (argc != 2) {
		fprintf(stderr, "usage: fdcheck file\n");
		return (2);
	}
	if (max < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fcntl(fd, F_GETFD) != -1 &&
		    n < (int)(sizeof(open_fds) / sizeof(open_fds[0])))
			open_fds[n++] = fd;
	if ((f = fopen(argv[1], "w")) == NULL) {
		perror(argv[1]);
		return (1);
	}
	for (i = 0; i < n; i++)
		fprintf(f, "%d\n", open_fds[i]);
	return (fclose(f) == 0 ? 0 : 1);
}
