/*
 * Fuzz target for VMware's secure RPC replies: the byte stream a vsock
 * peer sends back to one RPCI request, through the client's exchange on a
 * socket pair (never a vsock), then the DataMap decoder on the stream as
 * it stands.
 *
 * Input: the stream.
 *
 * `make fuzz` builds it with libFuzzer as build/fuzz/vsock_reply; run it
 * on fuzz/corpus/vsock_reply.  The unit lane replays that corpus and
 * mutations of it through build/tests/replay_vsock_reply (fuzz/replay.c);
 * tests/unit/vmware_vsock.c checks the client's verdict on each hand-made
 * reply of the corpus.
 */
#include <sys/socket.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "vmware_vsock.h"

/* More would not wait in a socket buffer without a reader. */
#define FUZZ_MAXLEN	(96 * 1024)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char reply[PV_VMW_VSOCK_MAXPKT + 1];
	const unsigned char *payload;
	size_t len, plen, rlen, off = 0;
	ssize_t n;
	int sv[2], error;

	if (size > FUZZ_MAXLEN)
		return (0);
	if (size >= 4 && pv_vmw_dm_length(data, &len) == 0 &&
	    len <= size - 4 &&
	    pv_vmw_dm_payload(data + 4, len, &payload, &plen) == 0)
		FUZZ_ASSERT(payload >= data + 4 &&
		    payload + plen <= data + 4 + len);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		return (0);
	/* Room for all of it: the client reads only after it has sent. */
	n = 256 * 1024;
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &n, sizeof(int));
	while (off < size) {
		if ((n = write(sv[1], data + off, size - off)) <= 0)
			break;
		off += n;
	}
	shutdown(sv[1], SHUT_WR);
	error = pv_vmw_vsock_exchange(sv[0], "info-get guestinfo.fuzz", 23,
	    reply, sizeof(reply), &rlen);
	FUZZ_ASSERT(error == 0 || error == EIO || error == EMSGSIZE ||
	    error == ENOMEM);
	if (error == 0)
		FUZZ_ASSERT(rlen < sizeof(reply) && reply[rlen] == '\0');
	else
		FUZZ_ASSERT(rlen == 0 && reply[0] == '\0');
	close(sv[0]);
	close(sv[1]);
	return (0);
}
