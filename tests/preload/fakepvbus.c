/*
 * A test backend for hostctl's device mode: preloaded into hostctl, it makes
 * /dev/null answer the pvbus ioctls from a directory of files, one per key
 * ($FAKEPVBUS_DIR/<key>), and logs every request to $FAKEPVBUS_DIR/log as
 * "<cmd> <writable> <keylen> <valuelen>".  Reads that do not fit answer
 * ERANGE, as the contract says.
 */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dev/pv/pvvar.h>

static int
is_fake(int fd)
{
	struct stat st;

	return (fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    major(st.st_rdev) == 1 && minor(st.st_rdev) == 3);
}

static void
fake_log(unsigned long cmd, int writable, const struct pvbus_req *r)
{
	char path[4096];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/log", getenv("FAKEPVBUS_DIR"));
	if ((fp = fopen(path, "a")) == NULL)
		return;
	fprintf(fp, "%s %d %zu %zu\n", cmd == PVBUSIOC_KVREAD ? "read" :
	    cmd == PVBUSIOC_KVWRITE ? "write" : "type", writable,
	    r->pvr_keylen, r->pvr_valuelen);
	fclose(fp);
}

/* The key names a file; keep it inside the directory. */
static int
key_path(const char *key, char *path, size_t len)
{
	size_t i;
	int n;

	n = snprintf(path, len, "%s/k_", getenv("FAKEPVBUS_DIR"));
	for (i = 0; key[i] != '\0'; i++) {
		if ((size_t)n + 3 >= len)
			return (ENAMETOOLONG);
		n += snprintf(path + n, len - n, "%02x", (unsigned char)key[i]);
	}
	return (0);
}

static int
fake_ioctl(int fd, unsigned long cmd, struct pvbus_req *r)
{
	char path[16384], *key, *buf;
	int writable, error = 0;
	ssize_t n;
	FILE *fp;

	writable = (fcntl(fd, F_GETFL) & O_ACCMODE) != O_RDONLY;
	fake_log(cmd, writable, r);
	if (cmd == PVBUSIOC_TYPE) {
		if (r->pvr_keylen < sizeof("Fake"))
			return (ENOMEM);
		memcpy(r->pvr_key, "Fake", sizeof("Fake"));
		return (0);
	}
	if (cmd != PVBUSIOC_KVREAD && cmd != PVBUSIOC_KVWRITE)
		return (ENOTTY);
	if (cmd == PVBUSIOC_KVWRITE && !writable)
		return (EPERM);
	if (r->pvr_keylen == 0 || r->pvr_valuelen == 0)
		return (EINVAL);
	if (r->pvr_keylen > PVBUS_KVOP_MAXSIZE ||
	    r->pvr_valuelen > PVBUS_KVOP_MAXSIZE)
		return (ENAMETOOLONG);
	if ((key = strndup(r->pvr_key, r->pvr_keylen)) == NULL)
		return (ENOMEM);
	error = key_path(key, path, sizeof(path));
	free(key);
	if (error != 0)
		return (error);
	if (cmd == PVBUSIOC_KVWRITE) {
		if ((fp = fopen(path, "w")) == NULL)
			return (errno);
		fwrite(r->pvr_value, 1, strnlen(r->pvr_value, r->pvr_valuelen),
		    fp);
		fclose(fp);
		r->pvr_value[0] = '\0';
		return (0);
	}
	if ((fp = fopen(path, "r")) == NULL)
		return (ENOENT);
	buf = malloc(PVBUS_KVOP_MAXSIZE * 2);
	n = buf ? (ssize_t)fread(buf, 1, PVBUS_KVOP_MAXSIZE * 2 - 1, fp) : -1;
	fclose(fp);
	if (n < 0) {
		free(buf);
		return (ENOMEM);
	}
	if ((size_t)n + 1 > r->pvr_valuelen)
		error = ERANGE;
	else {
		memcpy(r->pvr_value, buf, n);
		r->pvr_value[n] = '\0';
	}
	free(buf);
	return (error);
}

int
ioctl(int fd, unsigned long cmd, ...)
{
	static int (*real)(int, unsigned long, void *);
	va_list ap;
	void *arg;
	int error;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (getenv("FAKEPVBUS_DIR") != NULL && is_fake(fd) &&
	    _IOC_TYPE(cmd) == 'V') {
		if ((error = fake_ioctl(fd, cmd, arg)) != 0) {
			errno = error;
			return (-1);
		}
		return (0);
	}
	if (real == NULL)
		real = (int (*)(int, unsigned long, void *))dlsym(RTLD_NEXT,
		    "ioctl");
	return (real(fd, cmd, arg));
}
