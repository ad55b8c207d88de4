/*
 * The commands the host's power operations run (vmt.h).  The child gets
 * nothing of pvbusd's: no descriptor (a bus, a log socket, a pipe to the
 * supervisor), no blocked signal, default dispositions.  It leads a process
 * group of its own, so that a command that outlives its bound goes with
 * everything it started.
 */
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "pvbusd.h"
#include "proc.h"
#include "vmt.h"

static void __attribute__((noreturn))
child(const char *cmd)
{
	int fd;

	(void)setpgid(0, 0);
	proc_child_signals();
	if ((fd = open("/dev/null", O_RDWR)) == -1)
		_exit(126);
	if (dup2(fd, STDIN_FILENO) == -1 || dup2(fd, STDOUT_FILENO) == -1 ||
	    dup2(fd, STDERR_FILENO) == -1)
		_exit(126);
	close_range(STDERR_FILENO + 1, ~0u, 0);
	execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
	_exit(127);
}

/*
 * Wait for PID until DEADLINE: 0 with its status, ETIMEDOUT when the
 * deadline passed first, or the errno value of waitpid(2).  SIGCHLD is blocked, so that it stays pending until taken
 * here: no wake-up is lost between the check and the wait.
 */
static int
wait_until(pid_t pid, const struct timespec *deadline, int *status)
{
	struct timespec now, left;
	sigset_t chld;
	pid_t r;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		if ((r = waitpid(pid, status, WNOHANG)) == pid)
			return (0);
		if (r == -1 && errno != EINTR)
			return (errno);
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = deadline->tv_sec - now.tv_sec;
		left.tv_nsec = deadline->tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			return (ETIMEDOUT);
		(void)sigtimedwait(&chld, NULL, &left);
	}
}

int
vmt_spawn(const char *what, const char *cmd, unsigned int timeout)
{
	struct timespec deadline;
	sigset_t chld, old;
	pid_t pid;
	int status, error;

	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, &old);
	if ((pid = fork()) == -1) {
		log_warn("%s: fork", what);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return (-1);
	}
	if (pid == 0)
		child(cmd);
	/* Either of the two may run first: both make the group. */
	(void)setpgid(pid, pid);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	error = wait_until(pid, &deadline, &status);
	if (error == ETIMEDOUT) {
		logit(LOG_ERR, "%s: \"%s\" still running after %u s: killed",
		    what, cmd, timeout);
		(void)kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
	} else if (error != 0)
		logit(LOG_ERR, "%s: wait: %s", what, strerror(error));
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (error != 0)
		return (-1);
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
