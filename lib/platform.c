/*
 * The platform layer: the code of the library that executes CPUID, opens
 * files and reads the environment (lib/pv.h says what else may).  A root
 * prefix lets the library read a saved tree of another machine; a CPUID dump
 * replaces the instruction.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/vm_sockets.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pv.h"
#include "arch/x86.h"

#define PV_DUMP_MAXSIZE	(4 * 1024 * 1024)
/*
 * A dump is a few KiB: the buffer starts here and doubles as needed, so
 * that a daemon started with one never holds megabytes it did not use.
 */
#define PV_DUMP_FIRSTSIZE	(16 * 1024)

int
pv_platform_init(struct pv_platform *plat, const char *root,
    const char *cpuid_dump)
{
	size_t len;
	int error;

	memset(plat, 0, sizeof(*plat));
	if (root != NULL) {
		struct stat st;

		if (stat(root, &st) == -1)
			return (errno);
		if (!S_ISDIR(st.st_mode))
			return (ENOTDIR);
	}
	if (root != NULL && strcmp(root, "/") != 0) {
		if (strlcpy(plat->root, root, sizeof(plat->root)) >=
		    sizeof(plat->root))
			return (ENAMETOOLONG);
		/* "/x/" and "/x" are the same root. */
		while ((len = strlen(plat->root)) > 1 &&
		    plat->root[len - 1] == '/')
			plat->root[len - 1] = '\0';
	}
	if (cpuid_dump == NULL)
		return (0);

	error = pv_cpuid_dump_load(cpuid_dump, &plat->dump, &plat->ndump,
	    NULL, 0);
	if (error == 0)
		plat->use_dump = 1;
	return (error);
}

int
pv_cpuid_dump_load(const char *path, struct pv_cpuid_leaf **leavesp,
    size_t *nleavesp, char *why, size_t whylen)
{
	char *text = NULL, *grown;
	size_t len = 0, cap = PV_DUMP_FIRSTSIZE, got;
	int fd, error;

	if (whylen > 0)
		why[0] = '\0';
	/* The dump is a file of the user's, not under the root. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return (errno);
	for (;;) {
		if ((grown = realloc(text, cap)) == NULL) {
			error = ENOMEM;
			break;
		}
		text = grown;
		if ((error = pv_read_full(fd, text + len, cap - len,
		    &got)) != 0 || (len += got) < cap)
			break;
		if (cap == PV_DUMP_MAXSIZE) {
			error = EFBIG;
			break;
		}
		cap = cap * 2 < PV_DUMP_MAXSIZE ? cap * 2 : PV_DUMP_MAXSIZE;
	}
	close(fd);
	if (error == 0)
		error = pv_cpuid_dump_parse(text, len, leavesp, nleavesp, why,
		    whylen);
	free(text);
	return (error);
}

void
pv_platform_fini(struct pv_platform *plat)
{
	free(plat->dump);
	plat->dump = NULL;
	plat->ndump = 0;
}

void
pv_cpuid(const struct pv_platform *plat, uint32_t leaf, uint32_t subleaf,
    uint32_t r[4])
{
	const struct pv_cpuid_leaf *l, *any = NULL;
	size_t i;

	if (!plat->use_dump) {
		pv_x86_cpuid(leaf, subleaf, r);
		return;
	}
	/*
	 * Dumps list subleaf 0 only for most leaves; a leaf without
	 * subleaves answers the same for every ECX, so fall back to it.
	 */
	for (i = 0; i < plat->ndump; i++) {
		l = &plat->dump[i];
		if (l->leaf != leaf)
			continue;
		if (l->subleaf == subleaf) {
			memcpy(r, l->regs, sizeof(l->regs));
			return;
		}
		if (any == NULL && l->subleaf == 0)
			any = l;
	}
	if (any != NULL)
		memcpy(r, any->regs, sizeof(any->regs));
	else
		r[0] = r[1] = r[2] = r[3] = 0;
}

int
pv_cpuid_is_live(const struct pv_platform *plat)
{
	return (!plat->use_dump);
}

int
pv_cpuid_present(const struct pv_platform *plat)
{
	return (plat->use_dump || pv_x86_cpuid_supported());
}

int
pv_path(const struct pv_platform *plat, const char *path, char *buf,
    size_t len)
{
	int n;

	n = snprintf(buf, len, "%s%s", plat->root, path);
	if (n < 0 || (size_t)n >= len)
		return (ENAMETOOLONG);
	return (0);
}

int
pv_open(const struct pv_platform *plat, const char *path, int flags,
    mode_t mode, int *fdp)
{
	char buf[PATH_MAX];
	int error;

	if ((error = pv_path(plat, path, buf, sizeof(buf))) != 0)
		return (error);
	if ((*fdp = open(buf, flags | O_CLOEXEC, mode)) == -1)
		return (errno);
	return (0);
}

int
pv_opendir(const struct pv_platform *plat, const char *path, DIR **dirp)
{
	char buf[PATH_MAX];
	int error;

	if ((error = pv_path(plat, path, buf, sizeof(buf))) != 0)
		return (error);
	if ((*dirp = opendir(buf)) == NULL)
		return (errno);
	return (0);
}

int
pv_scandir(const struct pv_platform *plat, const char *path,
    struct dirent ***names, size_t *np)
{
	char buf[PATH_MAX];
	int error, n;

	if ((error = pv_path(plat, path, buf, sizeof(buf))) != 0)
		return (error);
	if ((n = scandir(buf, names, NULL, versionsort)) == -1)
		return (errno);
	*np = n;
	return (0);
}

int
pv_access(const struct pv_platform *plat, const char *path, int mode)
{
	char buf[PATH_MAX];
	int error;

	if ((error = pv_path(plat, path, buf, sizeof(buf))) != 0)
		return (error);
	return (access(buf, mode) == 0 ? 0 : errno);
}

int
pv_read_full(int fd, void *buf, size_t len, size_t *got)
{
	ssize_t n;

	*got = 0;
	while (*got < len) {
		n = read(fd, (char *)buf + *got, len - *got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (errno);
		if (n == 0)
			break;
		*got += n;
	}
	return (0);
}

/* The longest pause between two tries of a held lock. */
#define PV_LOCK_MAXSTEP_MS	16

int
pv_lock_wait(int fd, short type, int timeout_ms)
{
	struct flock fl;
	struct timespec start, now, nap;
	long waited, step = 1;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;
	fl.l_start = 0;
	fl.l_len = 0;		/* to the end, however long it grows */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return (0);
		if (errno == EINTR)
			continue;
		if (errno != EACCES && errno != EAGAIN)
			return (errno);
		clock_gettime(CLOCK_MONOTONIC, &now);
		waited = (now.tv_sec - start.tv_sec) * 1000 +
		    (now.tv_nsec - start.tv_nsec) / 1000000;
		if (waited >= timeout_ms)
			return (EBUSY);
		if (step > timeout_ms - waited)
			step = timeout_ms - waited;
		nap.tv_sec = step / 1000;
		nap.tv_nsec = step % 1000 * 1000000;
		nanosleep(&nap, NULL);
		if (step < PV_LOCK_MAXSTEP_MS)
			step *= 2;
	}
}

int
pv_pwrite_full(int fd, const void *buf, size_t len, off_t off)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = pwrite(fd, p, len, off)) == -1) {
			if (errno == EINTR)
				continue;
			return (errno);
		}
		p += n;
		len -= (size_t)n;
		off += n;
	}
	return (0);
}

int
pv_read_text(const struct pv_platform *plat, const char *path, char *buf,
    size_t len)
{
	size_t off;
	int fd, error;

	if (len == 0)
		return (EINVAL);
	if ((error = pv_open(plat, path, O_RDONLY, 0, &fd)) != 0)
		return (error);
	error = pv_read_full(fd, buf, len - 1, &off);
	close(fd);
	if (error != 0)
		return (error);
	buf[off] = '\0';
	while (off > 0 && (buf[off - 1] == '\n' || buf[off - 1] == '\0'))
		buf[--off] = '\0';
	return (0);
}

/*
 * The library reads the environment here only, so that what it honours is
 * visible in one place: XENSTORED_PATH (lib/store/xenstore.c).
 */
int
pv_getenv(const char *name, char *buf, size_t len)
{
	const char *v;

	if (len == 0)
		return (ENAMETOOLONG);
	buf[0] = '\0';
	if ((v = getenv(name)) == NULL)
		return (ENOENT);
	if (strlcpy(buf, v, len) >= len) {
		buf[0] = '\0';
		return (ENAMETOOLONG);
	}
	return (0);
}

int
pv_readlink(const struct pv_platform *plat, const char *path, char *buf,
    size_t len)
{
	char full[PATH_MAX];
	ssize_t n;
	int error;

	if ((error = pv_path(plat, path, full, sizeof(full))) != 0)
		return (error);
	if ((n = readlink(full, buf, len)) == -1)
		return (errno);
	if ((size_t)n >= len)
		return (ENAMETOOLONG);
	buf[n] = '\0';
	return (0);
}

int
pv_readlink_base(const struct pv_platform *plat, const char *path, char *buf,
    size_t len)
{
	char target[PATH_MAX], *base;
	int error;

	if ((error = pv_readlink(plat, path, target, sizeof(target))) != 0)
		return (error);
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlcpy(buf, base, len) >= len)
		return (ENAMETOOLONG);
	return (0);
}

int
pv_open_stream(const char *path, int *fdp, int *is_socket)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, error;

	if (stat(path, &st) == -1)
		return (errno);
	if (!S_ISSOCK(st.st_mode)) {
		/*
		 * Only a device (xenbus, a pseudo-terminal) talks back: a
		 * FIFO echoes the request and a regular file would be
		 * overwritten with it.  Opening either changes nothing; the
		 * type of what was opened decides, so a rename between the
		 * two looks cannot slip one in.
		 */
		if ((fd = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1)
			return (errno);
		if (fstat(fd, &st) == -1 || !S_ISCHR(st.st_mode)) {
			close(fd);
			return (ENODEV);
		}
		*fdp = fd;
		*is_socket = 0;
		return (0);
	}
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >=
	    sizeof(sun.sun_path))
		return (ENAMETOOLONG);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (errno);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		error = errno;
		close(fd);
		return (error);
	}
	*fdp = fd;
	*is_socket = 1;
	return (0);
}

#define PV_VSOCK_RESETS	8

int
pv_read_at(const struct pv_platform *plat, const char *path, off_t off,
    void *buf, size_t len, size_t *got)
{
	ssize_t n;
	size_t done = 0;
	int fd, error = 0;

	*got = 0;
	if ((error = pv_open(plat, path, O_RDONLY, 0, &fd)) != 0)
		return (error);
	while (done < len) {
		n = pread(fd, (char *)buf + done, len - done, off + done);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			error = errno;
			break;
		}
		if (n == 0)
			break;
		done += n;
	}
	close(fd);
	*got = done;
	return (error);
}

int
pv_cpuid_has(const struct pv_platform *plat, uint32_t leaf)
{
	size_t i;

	if (!plat->use_dump)
		return (1);
	for (i = 0; i < plat->ndump; i++)
		if (plat->dump[i].leaf == leaf)
			return (1);
	return (0);
}

int
pv_vsock_connect(unsigned int cid, unsigned int port, int privileged,
    int *fdp)
{
	struct sockaddr_vm local, remote;
	unsigned int lport, resets = 0;
	int fd, error;

	*fdp = -1;
	memset(&remote, 0, sizeof(remote));
	remote.svm_family = AF_VSOCK;
	remote.svm_cid = cid;
	remote.svm_port = port;
	for (lport = 1023;; lport--) {
		if ((fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC,
		    0)) == -1)
			return (errno);
		if (privileged) {
			memset(&local, 0, sizeof(local));
			local.svm_family = AF_VSOCK;
			local.svm_cid = VMADDR_CID_ANY;
			local.svm_port = lport;
			if (bind(fd, (struct sockaddr *)&local,
			    sizeof(local)) == -1) {
				error = errno;
				close(fd);
				if (error == EADDRINUSE && lport > 1)
					continue;
				return (error);
			}
		}
		if (connect(fd, (struct sockaddr *)&remote,
		    sizeof(remote)) == 0) {
			*fdp = fd;
			return (0);
		}
		error = errno;
		close(fd);
		/*
		 * The host may still hold the pair a closed client used: try
		 * a few other ports, not all of them (nobody may listen).
		 */
		if (privileged && error == ECONNRESET && lport > 1 &&
		    ++resets < PV_VSOCK_RESETS)
			continue;
		return (error);
	}
}
