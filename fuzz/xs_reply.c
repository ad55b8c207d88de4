/*
 * Fuzz target for XenStore replies: the byte stream a server sends back to
 * one READ request, through the message reader (in chunks of every size)
 * and through the client's whole exchange on a socket, then the listing and
 * error-string decoders on what came back.
 *
 * Input: one byte, the chunk size for the reader (0 means 1), then the
 * stream.  The request is READ with req_id 1.
 *
 * `make fuzz` builds it with libFuzzer as build/fuzz/xs_reply; run it on
 * fuzz/corpus/xs_reply.  The unit lane replays that corpus and mutations
 * of it through build/tests/replay_xs_reply (fuzz/replay.c);
 * tests/unit/xen_reply.c checks the client's verdict on each hand-made
 * fault of the corpus.
 */
#include <sys/socket.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "xs_client.h"

/* Larger inputs would not fit a socket buffer without a reader. */
#define FUZZ_MAXLEN	(64 * 1024)


static int
fuzz_known_errno(int e)
{
	static const int ok[] = { EINVAL, EACCES, EEXIST, EISDIR, ENOENT,
	    ENOMEM, ENOSPC, EIO, ENOTEMPTY, ENOSYS, EROFS, EBUSY, EAGAIN,
	    EISCONN, E2BIG, EPERM };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		if (e == ok[i])
			return (1);
	return (0);
}

/* The reader alone: messages come out whole whatever the chunking. */
static void
fuzz_reader(const uint8_t *data, size_t size, size_t chunk)
{
	static struct xs_reader r;
	static const struct xs_hdr req = { XS_READ, 1, 0, 6 };
	size_t off = 0, n, used;
	int done, error, m;

	xs_reader_init(&r);
	while (off < size) {
		n = size - off < chunk ? size - off : chunk;
		error = xs_reader_feed(&r, data + off, n, &used, &done);
		FUZZ_ASSERT(used <= n);
		if (error != 0) {
			FUZZ_ASSERT(error == EIO && r.msg.hdr.len > XS_PAYLOAD_MAX);
			return;
		}
		if (done) {
			FUZZ_ASSERT(r.msg.hdr.len <= XS_PAYLOAD_MAX);
			FUZZ_ASSERT(r.msg.body[r.msg.hdr.len] == '\0');
			m = xs_reply_match(&req, &r.msg);
			FUZZ_ASSERT(m == 0 || m == XS_REPLY_SKIP ||
			    fuzz_known_errno(m));
			if (r.msg.hdr.type == XS_WATCH_EVENT)
				FUZZ_ASSERT(m == XS_REPLY_SKIP);
		} else
			FUZZ_ASSERT(used == n);
		off += used;
	}
}

/* A DIRECTORY_PART reply: what it points at lies inside the body. */
static void
fuzz_dir_part(const char *body, size_t len)
{
	const char *gen, *names;
	size_t nlen;
	int last, e;

	e = xs_dir_part_split(body, len, &gen, &names, &nlen, &last);
	FUZZ_ASSERT(e == 0 || e == EIO);
	if (e != 0)
		return;
	FUZZ_ASSERT(gen == body && strlen(gen) < XS_GEN_MAX);
	FUZZ_ASSERT(names > body && names + nlen + last <= body + len);
	FUZZ_ASSERT(nlen > 0 || last);
	FUZZ_ASSERT(nlen == 0 || names[nlen - 1] == '\0');
	if (nlen > 0)
		FUZZ_ASSERT(xs_dir_join(names, nlen, NULL, 0) == ERANGE);
}

/* Decoders of a body: listings into small and large buffers. */
static void
fuzz_body(const char *body, size_t len)
{
	char small[8], big[XS_PAYLOAD_MAX + 1];
	int e1, e2;

	e1 = xs_dir_join(body, len, small, sizeof(small));
	FUZZ_ASSERT(e1 == 0 || e1 == ERANGE || e1 == EIO);
	FUZZ_ASSERT(strnlen(small, sizeof(small)) < sizeof(small));
	if (e1 != 0)
		FUZZ_ASSERT(small[0] == '\0');
	e2 = xs_dir_join(body, len, big, sizeof(big));
	FUZZ_ASSERT(e2 == 0 || e2 == EIO);
	if (e2 == 0)
		FUZZ_ASSERT(strlen(big) + 1 <= len + 1);
	e1 = xs_error_errno(body, len);
	FUZZ_ASSERT(fuzz_known_errno(e1));
	fuzz_dir_part(body, len);
}

/* The client's exchange: the stream waits in a socket, then EOF. */
static void
fuzz_client(const uint8_t *data, size_t size)
{
	static struct xs_msg reply;
	struct xs_conn c;
	int sv[2], error;
	size_t off = 0;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return;
	while (off < size) {
		n = write(sv[1], data + off, size - off);
		if (n <= 0)
			break;
		off += n;
	}
	shutdown(sv[1], SHUT_WR);
	memset(&c, 0, sizeof(c));
	c.fd = sv[0];
	c.is_socket = 1;
	c.next_req_id = 1;
	error = xs_read_msg(&c, "data/fuzz", &reply);
	FUZZ_ASSERT(error == 0 || error == ETIMEDOUT ||
	    fuzz_known_errno(error));
	if (error == 0) {
		FUZZ_ASSERT(reply.hdr.type == XS_READ && reply.hdr.req_id == 1);
		FUZZ_ASSERT(reply.hdr.len <= XS_PAYLOAD_MAX);
		FUZZ_ASSERT(reply.body[reply.hdr.len] == '\0');
		fuzz_body(reply.body, reply.hdr.len);
	}
	/* Out-of-step streams close the connection. */
	if (error == EIO)
		FUZZ_ASSERT(c.fd == -1);
	xs_conn_close(&c);
	close(sv[1]);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk;

	if (size == 0 || size > FUZZ_MAXLEN)
		return (0);
	chunk = data[0] ? data[0] : 1;
	fuzz_reader(data + 1, size - 1, chunk);
	fuzz_reader(data + 1, size - 1, size);
	fuzz_body((const char *)data + 1, size - 1 > XS_PAYLOAD_MAX ?
	    XS_PAYLOAD_MAX : size - 1);
	fuzz_client(data + 1, size - 1);
	return (0);
}
