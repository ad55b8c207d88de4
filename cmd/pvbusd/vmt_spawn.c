/*
 * The commands the host's power operations run (vmt.h).  The child gets
 * nothing of pvbusd's: no descriptor (a bus, a log socket, a pipe to the
 * supervisor), no blocked signal, default dispositions.
 */
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pvbusd.h"
#include "vmt.h"

static void __attribute__((noreturn))
child(const char *cmd)
{
	struct sigaction sa;
	sigset_t none;
	int fd, sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		_exit(126);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		_exit(126);
	close_range(STDERR_FILENO + 1, ~0u, 0);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

int
vmt_spawn(const char *what, const char *cmd)
{
	pid_t pid;
	int status;

	if ((pid = fork()) == -1) {
		log_warn("%s: fork", what);
		return (-1);
	}
	if (pid == 0)
		child(cmd);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			logit(LOG_ERR, "%s: wait: %s", what,
			    strerror(errno));
			return (-1);
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		logit(LOG_NOTICE, "%s: \"%s\" done", what, cmd);
		return (0);
	}
	if (WIFSIGNALED(status))
		logit(LOG_ERR, "%s: \"%s\" killed by signal %d", what,
		    cmd, WTERMSIG(status));
	else
		logit(LOG_ERR, "%s: \"%s\" failed with status %d", what,
		    cmd, WEXITSTATUS(status));
	return (-1);
}
