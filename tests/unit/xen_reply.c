/*
 * The verdict the XenStore client gives on each hand-made fault of the
 * xs_reply fuzz corpus (fuzz/corpus/xs_reply: one byte of chunk size for
 * the fuzz target, then what the server sends back to one READ).  The
 * corpus and mutations of it go through the fuzz target itself in
 * build/tests/replay_xs_reply.
 */
#include <sys/socket.h>
#include <bsd/string.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "xs_client.h"

#define MAXLEN		(64 * 1024)

/* READ through the client with the stream of a corpus file as answer. */
static int
exchange(const unsigned char *data, size_t size, char *value, size_t len)
{
	static struct xs_msg reply;
	struct xs_conn c;
	int sv[2], error;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (-1);
	if (write(sv[1], data + 1, size - 1) != (ssize_t)(size - 1))
		return (-1);
	shutdown(sv[1], SHUT_WR);
	memset(&c, 0, sizeof(c));
	c.fd = sv[0];
	c.is_socket = 1;
	c.next_req_id = 1;
	error = xs_read_msg(&c, "data/x", &reply);
	if (error == 0)
		strlcpy(value, reply.body, len);
	xs_conn_close(&c);
	close(sv[1]);
	return (error);
}

static const struct {
	const char	*file;
	int		 error;
	const char	*value;
} verdicts[] = {
	{ "ok_value", 0, "xs value" },
	{ "ok_empty", 0, "" },
	{ "event_then_reply", 0, "v" },
	{ "error_enoent", ENOENT, NULL },
	{ "error_unknown", EIO, NULL },
	{ "error_unterminated", EIO, NULL },
	{ "close_mid_reply", EIO, NULL },
	{ "longer_than_announced", EIO, NULL },
	{ "wrong_id", EIO, NULL },
	{ "wrong_type", EIO, NULL },
	{ "huge_len", EIO, NULL },
	{ "short_header", EIO, NULL },
};

int
main(void)
{
	static unsigned char buf[MAXLEN];
	char dir[PATH_MAX], value[64], name[128];
	const char *top = getenv("PVBUS_TOP");
	size_t n, i;
	int error;

	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/xs_reply",
	    top != NULL ? top : ".");
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		snprintf(name, sizeof(name), "reply %s", verdicts[i].file);
		if ((n = check_load(dir, verdicts[i].file, buf, sizeof(buf))) == 0) {
			printf("FAIL: %s: missing from the corpus\n", name);
			check_failed = 1;
			continue;
		}
		value[0] = '\0';
		error = exchange(buf, n, value, sizeof(value));
		if (error != verdicts[i].error) {
			printf("FAIL: %s: error %d (%s), want %d\n", name,
			    error, strerror(error), verdicts[i].error);
			check_failed = 1;
		} else if (verdicts[i].value != NULL)
			CHECK_STR(name, value, verdicts[i].value);
		else
			printf("PASS: %s\n", name);
	}
	return (CHECK_EXIT());
}
