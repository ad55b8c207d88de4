/*
 * VMware's secure RPC: RPCI over AF_VSOCK, as open-vm-tools' RPC channel
 * speaks it when the host restricts guest RPC (guest_rpc.rpci.auth.cmd.*)
 * to callers it can trust: a stream to the hypervisor's context (CID 0,
 * VMCI's hypervisor) on port 976, from a source port below 1024 when the
 * caller is root.  Each message is one packet: a 4-byte big-endian length,
 * then that many bytes of DataMap entries (open-vm-tools lib/dataMap), each
 * a big-endian field type and field id, then its value: an INT64 as two
 * big-endian halves, low first; a STRING as a big-endian length and bytes.
 * The request carries FIELD_TYPE = DATA and FIELD_PAYLOAD = the RPCI text;
 * the reply's FIELD_PAYLOAD is the RPCI reply ("1 value", "0 reason").
 *
 * The codec here only looks at bytes in memory and is fuzzed; the socket
 * is opened by the platform (pv_vsock_connect).
 */
#ifndef PV_VMWARE_VSOCK_H
#define PV_VMWARE_VSOCK_H

#include <stddef.h>
#include <stdint.h>

#define PV_VMW_VSOCK_CID		0	/* VMCI_HYPERVISOR_CONTEXT_ID */
#define PV_VMW_VSOCK_RPCI_PORT		976
#define PV_VMW_VSOCK_TCLO_PORT		975
/* A packet longer than this is a broken or hostile peer. */
#define PV_VMW_VSOCK_MAXPKT		(64 * 1024)

#define PV_DM_TYPE_INT64		1
#define PV_DM_TYPE_STRING		2
#define PV_DM_TYPE_INT64LIST		3
#define PV_DM_FIELD_TYPE		1
#define PV_DM_FIELD_PAYLOAD		2
#define PV_DM_FIELD_FAST_CLOSE		3
#define PV_DM_PKT_DATA			1

/*
 * The packet of an RPCI request of LEN bytes, length prefix included, into
 * OUT (CAP bytes): its size, or 0 when it does not fit.
 */
size_t	pv_vmw_dm_encode(const void *msg, size_t len, unsigned char *out,
	    size_t cap);

/*
 * The length a packet's 4-byte prefix announces; EMSGSIZE past
 * PV_VMW_VSOCK_MAXPKT.
 */
int	pv_vmw_dm_length(const unsigned char prefix[4], size_t *len);

/*
 * The FIELD_PAYLOAD string of a packet's entries (LEN bytes after the
 * prefix): *PAYLOAD points into BUF.  EIO for entries that run past LEN,
 * a field type other than INT64, STRING and INT64LIST (the RPC channel
 * uses no other), or no payload field.
 */
int	pv_vmw_dm_payload(const unsigned char *buf, size_t len,
	    const unsigned char **payload, size_t *plen);

/*
 * One RPCI exchange over vsock to CID, on a connection of its own (from a
 * privileged port when PRIVILEGED): send MSG (LEN bytes), receive the
 * reply into REPLY (CAP bytes, NUL-terminated, its length in *REPLYLEN).
 * *CONNECTED says whether the connection was made: when it was not, the
 * error is pv_vsock_connect()'s and the caller may take the backdoor.
 * After it: EIO for a peer that closes before its reply is whole or sends
 * a malformed one, EMSGSIZE for a packet announced over
 * PV_VMW_VSOCK_MAXPKT or a reply of CAP bytes or more, ETIMEDOUT when the
 * reply takes over PV_VMW_VSOCK_TIMEOUT_MS.
 */
#define PV_VMW_VSOCK_TIMEOUT_MS		10000
int	pv_vmw_vsock_rpci(unsigned int cid, int privileged, const char *msg,
	    size_t len, char *reply, size_t cap, size_t *replylen,
	    int *connected);

/* The same exchange on a connected descriptor FD (tests, fuzzing). */
int	pv_vmw_vsock_exchange(int fd, const char *msg, size_t len,
	    char *reply, size_t cap, size_t *replylen);

#endif /* PV_VMWARE_VSOCK_H */
