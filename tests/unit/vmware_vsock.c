/*
 * VMware's secure RPC framing (lib/vmware_vsock.c): the request's DataMap
 * packet and the verdict of the exchange on each hand-made reply of the
 * vsock_reply fuzz corpus, whose files and mutations also go through the
 * fuzz target in build/tests/replay_vsock_reply.  Every exchange runs on a
 * Unix socket pair: no test opens a vsock.
 */
#include <sys/socket.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "vmware_vsock.h"

#define MAXLEN		(96 * 1024)

/* The exchange with DATA waiting as the peer's answer; the request sent. */
static int
exchange(const unsigned char *data, size_t size, char *reply, size_t cap,
    unsigned char *sent, size_t *sentlen)
{
	size_t rlen;
	ssize_t n;
	int sv[2], error;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1)
		return (-1);
	if (size > 0 && write(sv[1], data, size) != (ssize_t)size)
		return (-1);
	shutdown(sv[1], SHUT_WR);
	error = pv_vmw_vsock_exchange(sv[0], "info-get guestinfo.x", 20,
	    reply, cap, &rlen);
	n = read(sv[1], sent, 256);
	*sentlen = n > 0 ? (size_t)n : 0;
	close(sv[0]);
	close(sv[1]);
	return (error);
}

static const struct {
	const char	*file;
	int		 error;
	const char	*reply;
} verdicts[] = {
	{ "ok", 0, "1 a value" },
	{ "refused", 0, "0 Permission denied" },
	{ "fast_close", 0, "1 v" },
	{ "closed_mid_reply", EIO, NULL },
	{ "over_64k", EMSGSIZE, NULL },
	{ "no_payload", EIO, NULL },
	{ "bad_type", EIO, NULL },
	{ "string_past_end", EIO, NULL },
	{ "empty", EIO, NULL },
};

static void
test_request(void)
{
	static const unsigned char want[] =
	    "\0\0\0\x30"			/* entries: 48 bytes */
	    "\0\0\0\x01\0\0\0\x01"		/* INT64, FIELD_TYPE */
	    "\0\0\0\x01\0\0\0\0"		/* DATA, low then high */
	    "\0\0\0\x02\0\0\0\x02\0\0\0\x14"	/* STRING, PAYLOAD, 20 */
	    "info-get guestinfo.x";
	unsigned char sent[256], small[8];
	const unsigned char *payload;
	char reply[64];
	size_t len, plen;

	exchange(NULL, 0, reply, sizeof(reply), sent, &len);
	CHECK("request: the packet open-vm-tools sends",
	    len == sizeof(want) - 1 && memcmp(sent, want, len) == 0);
	CHECK("request: its own decoder finds the payload",
	    pv_vmw_dm_length(sent, &plen) == 0 && plen == len - 4 &&
	    pv_vmw_dm_payload(sent + 4, plen, &payload, &plen) == 0 &&
	    plen == 20 && memcmp(payload, "info-get guestinfo.x", 20) == 0);
	CHECK("request: no room is no packet",
	    pv_vmw_dm_encode("x", 1, small, sizeof(small)) == 0);
	CHECK("request: a message over 64 KiB is refused",
	    pv_vmw_dm_encode("x", PV_VMW_VSOCK_MAXPKT, sent, 0) == 0);
}

int
main(void)
{
	static unsigned char buf[MAXLEN];
	char dir[PATH_MAX], name[128], reply[64];
	unsigned char sent[256];
	const char *top = getenv("PVBUS_TOP");
	size_t n, i, sentlen;
	int error;

	test_request();
	snprintf(dir, sizeof(dir), "%s/fuzz/corpus/vsock_reply",
	    top != NULL ? top : ".");
	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++) {
		snprintf(name, sizeof(name), "reply %s", verdicts[i].file);
		n = check_load(dir, verdicts[i].file, buf, sizeof(buf));
		if (n == 0 && strcmp(verdicts[i].file, "empty") != 0) {
			printf("FAIL: %s: missing from the corpus\n", name);
			check_failed = 1;
			continue;
		}
		error = exchange(buf, n, reply, sizeof(reply), sent, &sentlen);
		if (error != verdicts[i].error) {
			printf("FAIL: %s: error %d (%s), want %d\n", name,
			    error, strerror(error), verdicts[i].error);
			check_failed = 1;
		} else if (verdicts[i].reply != NULL)
			CHECK_STR(name, reply, verdicts[i].reply);
		else
			CHECK(name, reply[0] == '\0');
	}
	memcpy(buf, "\0\0\0\x10\0\0\0\x02\0\0\0\x02\0\0\0\x04" "1 ab", 20);
	CHECK("reply: one that does not fit the buffer is EMSGSIZE",
	    exchange(buf, 20, reply, 4, sent, &sentlen) == EMSGSIZE &&
	    reply[0] == '\0');

	return (CHECK_EXIT());
}
