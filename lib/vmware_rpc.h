/*
 * The VMware MESSAGE channel and the RPCI protocol on top of the backdoor
 * (lib/vmware_rpc.c), and the guestinfo operations built on them
 * (lib/store/guestinfo.c).
 *
 * Every function takes the transport it talks through: the backdoor
 * instructions (pv_vmw_backdoor) in the library, a model of the host in
 * tests.  All return 0 or an errno value.
 */
#ifndef PV_VMWARE_RPC_H
#define PV_VMWARE_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "pvbus.h"
#include "arch/backdoor.h"

/* Backdoor commands (ECX low 16). */
#define PV_VMW_CMD_GETVERSION		0x0a
#define PV_VMW_CMD_MESSAGE		0x1e
#define PV_VMW_CMD_GETTIMEFULL		0x2e

/* MESSAGE sub-commands (ECX high 16). */
#define PV_VMW_MSG_OPEN			0
#define PV_VMW_MSG_SENDSIZE		1
#define PV_VMW_MSG_SENDPAYLOAD		2
#define PV_VMW_MSG_RECVSIZE		3
#define PV_VMW_MSG_RECVPAYLOAD		4
#define PV_VMW_MSG_RECVSTATUS		5
#define PV_VMW_MSG_CLOSE		6

/* MESSAGE status bits (ECX high 16; EBX high 16 after a HB transfer). */
#define PV_VMW_ST_SUCCESS		0x0001
#define PV_VMW_ST_DORECV		0x0002
#define PV_VMW_ST_CLOSED		0x0004
#define PV_VMW_ST_UNSENT		0x0008
#define PV_VMW_ST_CPT			0x0010
#define PV_VMW_ST_POWEROFF		0x0020
#define PV_VMW_ST_TIMEOUT		0x0040
#define PV_VMW_ST_HB			0x0080

/* Channel protocols, with the flag asking for cookies. */
#define PV_VMW_PROTO_RPCI		0x49435052u	/* "RPCI" */
#define PV_VMW_PROTO_TCLO		0x4F4C4354u	/* "TCLO" */
#define PV_VMW_FLAG_COOKIE		0x80000000u

/* The high-bandwidth MESSAGE command (EBX low 16 on the HB port). */
#define PV_VMW_HB_CMD_MESSAGE		0

/* GETVERSION: the version every VMware host answers, product types. */
#define PV_VMW_VERSION_MAGIC		6
#define PV_VMW_TYPE_ESX			2

/*
 * Limits.  A reply carries "1 " and a value of at most
 * PVBUS_KVOP_MAXSIZE - 1 bytes; a longer announcement is a broken host.
 * CPT restarts of one transfer are bounded so a host that keeps
 * interrupting cannot hang the caller.
 */
#define PV_VMW_MAXREPLY			(PVBUS_KVOP_MAXSIZE + 1)
#define PV_VMW_MAXRESTART		16

/* How backdoor calls reach the host. */
struct pv_vmw_transport {
	void	(*in)(void *ctx, struct pv_bd_regs *);
	void	(*hb_out)(void *ctx, struct pv_bd_regs *);
	void	(*hb_in)(void *ctx, struct pv_bd_regs *);
	void	*ctx;
};

/* The backdoor instructions of this CPU. */
extern const struct pv_vmw_transport pv_vmw_backdoor;

/*
 * GETVERSION through T.  ENODEV when no VMware backdoor answers (EAX
 * 0xFFFFFFFF or EBX not the magic).  Faults on a machine without one:
 * use pv_vmw_probe() first.
 */
int	pv_vmw_getversion(const struct pv_vmw_transport *t, uint32_t *version,
	    uint32_t *type);

/*
 * GETVERSION in a child process, so that a machine without a backdoor
 * (where the instruction raises SIGSEGV) costs a dead child, not the
 * caller.  0 with the version and product type, ENODEV without a
 * backdoor, ENOTSUP off x86-64, or the errno of pipe/fork.
 */
int	pv_vmw_probe(uint32_t *version, uint32_t *type);

/* An open MESSAGE channel. */
struct pv_vmw_chan {
	const struct pv_vmw_transport	*t;
	uint16_t			 id;
	uint32_t			 cookie1;	/* ESI from OPEN */
	uint32_t			 cookie2;	/* EDI from OPEN */
};

/* Open a channel of PROTO, with cookies if the host has them.  EIO. */
int	pv_vmw_open(const struct pv_vmw_transport *t, uint32_t proto,
	    struct pv_vmw_chan *chan);

/*
 * Send LEN bytes, in one high-bandwidth transfer when the host offers it,
 * else 4 bytes a call; restarted from the size when a checkpoint
 * interrupts it.  EIO when the host refuses or closes the channel.
 */
int	pv_vmw_send(struct pv_vmw_chan *chan, const void *buf, size_t len);

/*
 * Receive the host's reply into BUF (CAP bytes) and NUL-terminate it;
 * *LENP is its length (0 when the host has none).  EMSGSIZE when the host
 * announces CAP bytes or more (the reply is refused, BUF left empty), EIO
 * on a transport failure.
 */
int	pv_vmw_recv(struct pv_vmw_chan *chan, char *buf, size_t cap,
	    size_t *lenp);

/* Close the channel.  EIO if the host did not know it. */
int	pv_vmw_close(struct pv_vmw_chan *chan);

/*
 * One RPCI exchange on a channel of its own: open, send MSG (LEN bytes,
 * exactly), receive the reply into REPLY (CAP bytes, NUL-terminated, its
 * length in *REPLYLEN), close.  The channel is closed on every path.
 * EIO on any transport failure, also for a reply of CAP bytes or more.
 */
int	pv_vmw_rpci(const struct pv_vmw_transport *t, const char *msg,
	    size_t len, char *reply, size_t cap, size_t *replylen);

/*
 * The outcome of an RPCI reply of LEN bytes: "1 <text>" (or a bare "1")
 * is success, *TEXT and *TEXTLEN then give the text.  "0 <reason>" is a
 * refusal: ENOENT for "No value found", EACCES for "Permission denied"
 * (secure RPC), EINVAL for any other reason; *TEXT gives the reason.
 * Anything else, and a reply with a NUL byte, is EIO.
 */
int	pv_vmw_rpci_result(const char *reply, size_t len, const char **text,
	    size_t *textlen);

/*
 * A guestinfo read or write through T (see lib/store/guestinfo.c for the
 * errors).  No state: every call is one RPCI exchange.  VALUELEN is at
 * least 1, as pvbus_kvop() checks; a read that fails leaves VALUE empty.
 */
int	pv_guestinfo_op(const struct pv_vmw_transport *t, enum pvbus_kvop op,
	    const char *key, char *value, size_t valuelen);

/*
 * One RPCI exchange as pv_vmw_rpci() makes it, through whichever channel
 * CTX stands for.
 */
typedef int (*pv_vmw_rpci_fn)(void *ctx, const char *msg, size_t len,
	    char *reply, size_t cap, size_t *replylen);

/* pv_guestinfo_op() through any channel. */
int	pv_guestinfo_op_via(pv_vmw_rpci_fn fn, void *ctx, enum pvbus_kvop op,
	    const char *key, char *value, size_t valuelen);

/*
 * The store of a unit: its transport and the GETVERSION answer, and secure
 * RPC: vsock to VSOCK_CID is tried first, and after it fails to connect
 * (VSOCK_ERROR, the errno) the backdoor alone.
 */
struct pv_guestinfo {
	const struct pv_vmw_transport	*t;
	uint32_t			 version;
	uint32_t			 type;
	unsigned int			 vsock_cid;
	int				 vsock_error;
};

/* Whether KEY can be sent: 0, EINVAL, EOPNOTSUPP (a listing) on a read. */
int	pv_guestinfo_check_key(const char *key, enum pvbus_kvop op);

#endif /* PV_VMWARE_RPC_H */
