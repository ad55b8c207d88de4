/*
 * The XenStore client against a server played by the test on a Unix socket:
 * the request ids it uses on a stream another client may share, and the
 * replies it refuses.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pvbus.h"
#include "xs_client.h"

static char dir[] = "/tmp/xs_client.XXXXXX";
static char sockpath[PATH_MAX];
static struct pv_platform plat;

/* A listening socket at sockpath; connections wait in its backlog. */
static int
listener(void)
{
	struct sockaddr_un sun;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strlcpy(sun.sun_path, sockpath, sizeof(sun.sun_path));
	unlink(sockpath);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1 ||
	    bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
	    listen(fd, 8) == -1) {
		printf("FAIL: listener: %s\n", strerror(errno));
		exit(1);
	}
	return (fd);
}

static void
send_msg(int fd, uint32_t type, uint32_t req_id, const char *body,
    size_t len)
{
	unsigned char buf[XS_HDR_LEN + XS_PAYLOAD_MAX];
	struct xs_hdr h = { type, req_id, 0, (uint32_t)len };

	xs_hdr_pack(&h, buf);
	memcpy(buf + XS_HDR_LEN, body, len);
	if (write(fd, buf, XS_HDR_LEN + len) != (ssize_t)(XS_HDR_LEN + len))
		abort();
}

/* The header of the request the client sent on FD. */
static int
recv_hdr(int fd, struct xs_hdr *h)
{
	unsigned char buf[XS_HDR_LEN + XS_PAYLOAD_MAX];
	ssize_t n;

	if ((n = read(fd, buf, sizeof(buf))) < XS_HDR_LEN)
		return (-1);
	xs_hdr_unpack(buf, h);
	return (0);
}

/*
 * READ on a new connection C, the server answering with TYPE and BODY (LEN
 * bytes) under the request's own id: the client's verdict, -1 when the
 * connection could not be made.
 */
static int
answered(int lfd, struct xs_conn *c, uint32_t type, const char *body,
    size_t len, struct xs_msg *reply)
{
	struct xs_hdr h;
	int sfd, e;

	if (xs_conn_open(c, &plat, sockpath) != 0 ||
	    (sfd = accept(lfd, NULL, NULL)) == -1) {
		printf("FAIL: connect: %s\n", strerror(errno));
		check_failed = 1;
		return (-1);
	}
	if (fork() == 0) {
		if (recv_hdr(sfd, &h) == 0)
			send_msg(sfd, type, h.req_id, body, len);
		_exit(0);
	}
	e = xs_read_msg(c, "data/x", reply);
	wait(NULL);
	close(sfd);
	xs_conn_close(c);
	return (e);
}

/*
 * Another client's reply waits on the stream before this client's request
 * goes out: it has the id and type a client counting from 1 would expect.
 */
static void
test_crossed(int lfd)
{
	static struct xs_msg reply;
	struct xs_conn c;
	int sfd, e;

	memset(&c, 0, sizeof(c));
	if (xs_conn_open(&c, &plat, sockpath) != 0 ||
	    (sfd = accept(lfd, NULL, NULL)) == -1) {
		printf("FAIL: crossed: connect: %s\n", strerror(errno));
		check_failed = 1;
		return;
	}
	CHECK("first request id is not 1", c.next_req_id != 1);
	CHECK("first request id is clear of small numbers",
	    c.next_req_id >= 0x10000);
	send_msg(sfd, XS_READ, 1, "theirs", 6);
	e = xs_read_msg(&c, "data/x", &reply);
	CHECK("another client's reply is refused", e == EIO);
	CHECK("its value is not taken", e != 0 ||
	    strcmp(reply.body, "theirs") != 0);
	CHECK("the stream out of step is closed", c.fd == -1);
	close(sfd);

	/* The right id with another type is not the reply either. */
	e = answered(lfd, &c, XS_DIRECTORY, "a", 2, &reply);
	CHECK("a reply of another type is refused", e == EIO);
	/* The right id and type is the reply. */
	e = answered(lfd, &c, XS_READ, "mine", 4, &reply);
	CHECK("the matching reply is taken", e == 0 &&
	    strcmp(reply.body, "mine") == 0);
}

/* Two connections of one process do not number alike. */
static void
test_distinct(void)
{
	struct xs_conn a, b;

	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	if (xs_conn_open(&a, &plat, sockpath) != 0 ||
	    xs_conn_open(&b, &plat, sockpath) != 0) {
		printf("FAIL: distinct: connect: %s\n", strerror(errno));
		check_failed = 1;
		return;
	}
	CHECK("two connections start at different ids",
	    a.next_req_id != b.next_req_id);
	xs_conn_close(&a);
	xs_conn_close(&b);
}

static const char xen_dump[] =
    "   0x00000001 0x00: eax=0x000306e4 ebx=0x01020800 ecx=0xffba2203 edx=0x178bfbff\n"
    "   0x40000000 0x00: eax=0x40000001 ebx=0x566e6558 ecx=0x65584d4d edx=0x4d4d566e\n";

/*
 * A Xen unit's store with $XENSTORED_PATH at PATH: its error, "" if none.
 * With KEY, a read of it too, its result in *KVERR.
 */
static void
store_error(const char *path, char *buf, size_t len, const char *key,
    int *kverr)
{
	/* A short bound, for the silent host. */
	struct pvbus_options o = { .store_timeout_ms = 300 };
	struct pvbus *bus;
	char dump[PATH_MAX], v[64];
	FILE *f;

	snprintf(dump, sizeof(dump), "%s/xen.cpuid", dir);
	if ((f = fopen(dump, "w")) == NULL)
		abort();
	fputs(xen_dump, f);
	fclose(f);
	o.cpuid_dump = dump;
	setenv("XENSTORED_PATH", path, 1);
	buf[0] = '\0';
	if (pvbus_open(&bus, &o) == 0) {
		if (pvbus_nunits(bus) > 0)
			strlcpy(buf, pvbus_unit_store_error(pvbus_unit(bus, 0)),
			    len);
		if (key != NULL)
			*kverr = pvbus_kvop(bus, 0, PVBUS_KVREAD, key, v,
			    sizeof(v));
		pvbus_close(bus);
	}
	unsetenv("XENSTORED_PATH");
	unlink(dump);
}

/* Only a socket or a character device is a stream. */
static void
test_stream_types(void)
{
	char fifo[PATH_MAX], file[PATH_MAX], want[PATH_MAX + 64], err[1024];
	char buf[64];
	struct xs_conn c;
	struct stat st;
	int fd, rfd;

	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	snprintf(file, sizeof(file), "%s/file", dir);
	if (mkfifo(fifo, 0600) == -1 ||
	    (fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1 ||
	    write(fd, "keep", 4) != 4 || close(fd) == -1) {
		printf("FAIL: stream types: setup: %s\n", strerror(errno));
		check_failed = 1;
		return;
	}
	/*
	 * A reader keeps the FIFO open, so that what is written stays to be
	 * read (empty and without a writer, a read gives 0).
	 */
	rfd = open(fifo, O_RDONLY | O_NONBLOCK);

	memset(&c, 0, sizeof(c));
	CHECK("a FIFO is refused", xs_conn_open(&c, &plat, fifo) == ENODEV &&
	    c.fd == -1);
	CHECK("nothing was written to the FIFO", rfd != -1 &&
	    read(rfd, buf, sizeof(buf)) <= 0);
	CHECK("a regular file is refused", xs_conn_open(&c, &plat, file) ==
	    ENODEV && c.fd == -1);
	CHECK("the file is untouched", stat(file, &st) == 0 &&
	    st.st_size == 4);
	CHECK("a directory is refused", xs_conn_open(&c, &plat, dir) ==
	    EISDIR);
	CHECK("a character device is taken", xs_conn_open(&c, &plat,
	    "/dev/null") == 0 && c.fd != -1 && !c.is_socket);
	xs_conn_close(&c);

	store_error(fifo, err, sizeof(err), NULL, NULL);
	snprintf(want, sizeof(want), "xenstore: %s: %s", fifo,
	    strerror(ENODEV));
	CHECK_STR("XENSTORED_PATH at a FIFO: no store, and why", err, want);
	CHECK("nothing was written to the FIFO by pvbus_open", rfd != -1 &&
	    read(rfd, buf, sizeof(buf)) <= 0);
	store_error(file, err, sizeof(err), NULL, NULL);
	snprintf(want, sizeof(want), "xenstore: %s: %s", file,
	    strerror(ENODEV));
	CHECK_STR("XENSTORED_PATH at a file: no store, and why", err, want);
	CHECK("the file is untouched by pvbus_open", stat(file, &st) == 0 &&
	    st.st_size == 4);
	if (rfd != -1)
		close(rfd);
	unlink(fifo);
	unlink(file);
}

/* How many whole requests wait on FD (nonblocking), -1 on a partial one. */
static int
count_requests(int fd)
{
	unsigned char buf[XS_HDR_LEN + XS_PAYLOAD_MAX];
	struct xs_hdr h;
	int n = 0;

	while (recv(fd, buf, XS_HDR_LEN, MSG_DONTWAIT) == XS_HDR_LEN) {
		xs_hdr_unpack(buf, &h);
		if (h.len > XS_PAYLOAD_MAX ||
		    recv(fd, buf, h.len, MSG_DONTWAIT) != (ssize_t)h.len)
			return (-1);
		n++;
	}
	return (n);
}

/*
 * A host that takes the connection and never answers: the open waits once
 * for the first request, then gives the unit no store, and a read after it
 * asks nothing more.
 */
static void
test_silent(int lfd)
{
	char err[1024], want[PATH_MAX + 64];
	int sfd, e = 0, n;

	/* Connections earlier cases left in the backlog. */
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	while ((sfd = accept(lfd, NULL, NULL)) != -1)
		close(sfd);
	fcntl(lfd, F_SETFL, 0);
	store_error(sockpath, err, sizeof(err), "data/k", &e);
	snprintf(want, sizeof(want), "xenstore: %s: %s", sockpath,
	    strerror(ETIMEDOUT));
	CHECK_STR("silent host: no store, and why", err, want);
	CHECK("silent host: a read is ENXIO", e == ENXIO);
	if ((sfd = accept(lfd, NULL, NULL)) == -1) {
		printf("FAIL: silent host: accept: %s\n", strerror(errno));
		check_failed = 1;
		return;
	}
	n = count_requests(sfd);
	CHECK("silent host: one request in all", n == 1);
	close(sfd);
	fcntl(lfd, F_SETFL, O_NONBLOCK);
	CHECK("silent host: one connection in all", accept(lfd, NULL, NULL) ==
	    -1 && errno == EAGAIN);
}

/*
 * A host that answers the attach and then falls silent: the read gives up
 * after the store timeout and the store error says what it waited for.
 */
static void
test_silent_read(int lfd)
{
	struct pvbus_options o = { .store_timeout_ms = 300,
	    .flags = PVBUS_OPEN_NO_DEVICES };
	struct pvbus *bus;
	struct xs_hdr h;
	char dump[PATH_MAX], want[PATH_MAX + 64], v[64], b;
	pid_t pid;
	FILE *f;
	int sfd, e = -1;

	snprintf(dump, sizeof(dump), "%s/xen.cpuid", dir);
	if ((f = fopen(dump, "w")) == NULL)
		abort();
	fputs(xen_dump, f);
	fclose(f);
	o.cpuid_dump = dump;
	fcntl(lfd, F_SETFL, 0);
	if ((pid = fork()) == 0) {
		if ((sfd = accept(lfd, NULL, NULL)) == -1 ||
		    recv_hdr(sfd, &h) != 0)
			_exit(1);
		send_msg(sfd, XS_READ, h.req_id, "7", 1);
		/* Silent until the client goes away. */
		while (read(sfd, &b, 1) > 0)
			;
		_exit(0);
	}
	setenv("XENSTORED_PATH", sockpath, 1);
	if (pvbus_open(&bus, &o) == 0) {
		e = pvbus_kvop(bus, 0, PVBUS_KVREAD, "data/k", v, sizeof(v));
		snprintf(want, sizeof(want), "xenstore: %s: no answer within "
		    "300 ms", sockpath);
		CHECK("silent read: ETIMEDOUT", e == ETIMEDOUT);
		CHECK_STR("silent read: the store error says so",
		    pvbus_unit_store_error(pvbus_unit(bus, 0)), want);
		pvbus_close(bus);
	} else
		CHECK("silent read: pvbus_open", 0);
	unsetenv("XENSTORED_PATH");
	waitpid(pid, NULL, 0);
	unlink(dump);
}

int
main(void)
{
	int lfd;

	if (mkdtemp(dir) == NULL)
		return (1);
	snprintf(sockpath, sizeof(sockpath), "%s/xs", dir);
	lfd = listener();
	test_crossed(lfd);
	test_distinct();
	test_stream_types();
	test_silent(lfd);
	test_silent_read(lfd);
	close(lfd);
	unlink(sockpath);
	rmdir(dir);
	return (CHECK_EXIT());
}
