/*
 * Processes by name (proc.h), from /proc/PID/comm.
 */
#include <sys/types.h>
#include <ctype.h>
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc.h"

pid_t
proc_find(const char *name)
{
	char path[300], comm[32];
	struct dirent *de;
	pid_t pid = 0;
	size_t n;
	FILE *f;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return (0);
	while (pid == 0 && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fgets(comm, sizeof(comm), f) != NULL) {
			n = strcspn(comm, "\n");
			comm[n] = '\0';
			if (strcmp(comm, name) == 0)
				pid = (pid_t)strtol(de->d_name, NULL, 10);
		}
		fclose(f);
	}
	closedir(d);
	return (pid);
}

void
proc_child_signals(void)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}
