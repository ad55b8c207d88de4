/*
 * Run a command as uid and gid 65534 (nobody), for checks of what an
 * unprivileged caller gets: as_nobody COMMAND [ARGS...].  The busybox of
 * the QEMU guest has no su or chpst.
 */
#include <grp.h>
#include <stdio.h>
#include <unistd.h>

#include <err.h>

int
main(int argc, char *argv[])
{
	if (argc < 2) {
		fprintf(stderr, "usage: as_nobody command [args...]\n");
		return (2);
	}
	if (setgroups(0, NULL) == -1 || setgid(65534) == -1 ||
	    setuid(65534) == -1)
		err(126, "dropping privileges");
	execvp(argv[1], argv + 1);
	err(127, "%s", argv[1]);
}
