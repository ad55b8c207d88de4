/*
 * One unit as a CUSE character device, /dev/pvbusN.
 *
 * The device is created with unrestricted ioctls, so the kernel passes the
 * raw argument and fetches the caller's memory on demand (see xfer.c).  A
 * descriptor's write access is that of its open flags, as FWRITE on OpenBSD.
 */
#define FUSE_USE_VERSION 31

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cuse_lowlevel.h>
#include <fuse_log.h>

#include "pvbusd.h"

static void
dev_open(fuse_req_t req, struct fuse_file_info *fi)
{
	fi->fh = (fi->flags & O_ACCMODE) != O_RDONLY;
	fi->nonseekable = 1;
	fuse_reply_open(req, fi);
}

static void
dev_release(fuse_req_t req, struct fuse_file_info *fi)
{
	(void)fi;
	fuse_reply_err(req, 0);
}

/* pvbus(4) has no read or write entry points. */
static void
dev_read(fuse_req_t req, size_t size, off_t off, struct fuse_file_info *fi)
{
	(void)size;
	(void)off;
	(void)fi;
	fuse_reply_err(req, ENODEV);
}

static void
dev_write(fuse_req_t req, const char *buf, size_t size, off_t off,
    struct fuse_file_info *fi)
{
	(void)buf;
	(void)size;
	(void)off;
	(void)fi;
	fuse_reply_err(req, ENODEV);
}

void
pvbusd_reply(void *req, struct pvbusd_answer *ans)
{
	switch (ans->kind) {
	case PVBUSD_ANSWER_ERROR:
		fuse_reply_err(req, ans->error);
		break;
	case PVBUSD_ANSWER_DONE:
		fuse_reply_ioctl(req, 0, ans->out, ans->outlen);
		free(ans->out);
		break;
	case PVBUSD_ANSWER_RETRY:
		fuse_reply_ioctl_retry(req, ans->in_iov, ans->nin, ans->out_iov,
		    ans->nout);
		break;
	}
}

/*
 * The rounds that reach no store run here, on any of the session's
 * threads at once; a store call goes to the store thread (store.c).
 */
static void
dev_ioctl(fuse_req_t req, int cmd, void *arg, struct fuse_file_info *fi,
    unsigned int flags, const void *in_buf, size_t in_bufsz,
    size_t out_bufsz)
{
	struct pvbusd_dev *dev = fuse_req_userdata(req);
	struct pvbusd_answer ans;
	struct pvbusd_xfer x;

	(void)flags;
	if (pvbusd_xfer_begin(&x, dev->bus, dev->unit, (unsigned int)cmd,
	    fi->fh != 0, arg, in_buf, in_bufsz, out_bufsz, dev->limit,
	    &ans) == 0)
		pvbusd_reply(req, &ans);
	else if (pvbusd_xfer_needs_store((unsigned int)cmd))
		pvbusd_store_submit(dev, req, &x, in_buf);
	else {
		pvbusd_xfer_finish(&x, dev->bus, dev->unit, in_buf, &ans);
		pvbusd_reply(req, &ans);
	}
}

/* "MAJ:MIN" of the device the kernel registered, from sysfs. */
static int
dev_number(const char *name, dev_t *devp)
{
	char path[128], buf[32];
	unsigned int maj, min;
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "/sys/class/cuse/%s/dev", name);
	if ((f = fopen(path, "re")) == NULL)
		return (errno);
	ok = fgets(buf, sizeof(buf), f) != NULL &&
	    sscanf(buf, "%u:%u", &maj, &min) == 2;
	fclose(f);
	if (!ok)
		return (EINVAL);
	*devp = makedev(maj, min);
	return (0);
}

/*
 * Give /dev/NAME its mode and group.  devtmpfs makes the node as the kernel
 * registers the device; without devtmpfs on /dev pvbusd makes it itself.
 */
static int
dev_node(struct pvbusd_dev *dev)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	struct stat st;
	char path[64];
	dev_t rdev = 0;
	int i, have_rdev;

	snprintf(path, sizeof(path), "/dev/%s", dev->name);
	have_rdev = dev_number(dev->name, &rdev) == 0;
	for (i = 0; i < 50; i++) {
		if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) &&
		    (!have_rdev || st.st_rdev == rdev))
			break;
		nanosleep(&pause, NULL);
	}
	if (i == 50) {
		if (!have_rdev) {
			log_warnx("%s: no device node", path);
			return (ENOENT);
		}
		/* A node left by an earlier pvbusd names another device. */
		(void)unlink(path);
		if (mknod(path, S_IFCHR | dev->mode, rdev) == -1) {
			log_warn("mknod %s", path);
			return (errno);
		}
		dev->made_node = 1;
	}
	if (chmod(path, dev->mode) == -1 ||
	    (dev->gid != (gid_t)-1 && chown(path, (uid_t)-1, dev->gid) == -1)) {
		log_warn("%s", path);
		return (errno);
	}
	return (0);
}

static void
dev_init_done(void *userdata)
{
	struct pvbusd_dev *dev = userdata;
	int fd;

	if (dev_node(dev) != 0) {
		dev->failed = 1;
		fuse_session_exit(dev->session);
		return;
	}
	if (dev->daemon && (fd = open("/dev/null", O_RDWR)) != -1) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	if (write(dev->readyfd, "", 1) != 1)
		log_warn("%s: ready", dev->name);
	close(dev->readyfd);
	dev->readyfd = -1;
}

static const struct cuse_lowlevel_ops dev_ops = {
	.init_done = dev_init_done,
	.open = dev_open,
	.read = dev_read,
	.write = dev_write,
	.release = dev_release,
	.ioctl = dev_ioctl,
};

/*
 * The CUSE handshake in this thread, before the session starts its worker
 * threads: the device exists once it returns 0, and the capabilities left
 * here are all those threads inherit.
 */
static int
dev_handshake(struct pvbusd_dev *dev)
{
	struct fuse_session *se = dev->session;
	struct fuse_buf buf;
	int res, error;

	memset(&buf, 0, sizeof(buf));
	while (dev->readyfd != -1 && !dev->failed && !fuse_session_exited(se)) {
		res = fuse_session_receive_buf(se, &buf);
		if (res == -EINTR)
			continue;
		if (res <= 0)
			break;
		fuse_session_process_buf(se, &buf);
	}
	free(buf.mem);
	if (dev->readyfd != -1 || dev->failed)
		return (-1);
	error = pvbusd_caps_limit(pvbusd_caps_needed(pvbus_unit(dev->bus,
	    dev->unit)));
	if (error != 0) {
		errno = error;
		log_warn("%s: capabilities", dev->name);
	}
	return (0);
}

static void
dev_fuse_log(enum fuse_log_level level, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && msg[n - 1] == '\n')
		msg[--n] = '\0';
	/* fuse_log_level uses syslog's numbers. */
	logit((int)level, "%s", msg);
}

int
pvbusd_serve(struct pvbusd_dev *dev)
{
	char devname[32];
	const char *info[] = { devname };
	char arg0[] = "pvbusd", arg1[] = "-f";
	char *argv[] = { arg0, arg1, NULL };
	struct cuse_info ci;
	struct fuse_session *se;
	int error, mt, res;

	fuse_set_log_func(dev_fuse_log);
	snprintf(devname, sizeof(devname), "DEVNAME=%s", dev->name);
	memset(&ci, 0, sizeof(ci));
	ci.dev_info_argc = 1;
	ci.dev_info_argv = info;
	ci.flags = CUSE_UNRESTRICTED_IOCTL;

	se = cuse_lowlevel_setup(2, argv, &ci, &dev_ops, &mt, dev);
	if (se == NULL) {
		log_warnx("%s: cannot create the device", dev->name);
		return (1);
	}
	dev->session = se;
	/* The capabilities left after the handshake are the store thread's. */
	if (dev_handshake(dev) != 0) {
		res = -1;
	} else if ((error = pvbusd_store_start(dev)) != 0) {
		errno = error;
		log_warn("%s: store thread", dev->name);
		cuse_lowlevel_teardown(se);
		return (1);
	} else {
		res = fuse_session_loop_mt(se, 0);
		pvbusd_store_stop(dev);
	}
	cuse_lowlevel_teardown(se);
	if (dev->made_node) {
		char path[64];

		snprintf(path, sizeof(path), "/dev/%s", dev->name);
		(void)unlink(path);
	}
	/* A positive result is the signal that ended the loop. */
	return (dev->failed || res < 0 ? 1 : 0);
}
