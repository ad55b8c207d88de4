/*
 * The VMware host model's state and entry points, for hvsim (through
 * hvsim_model_vmware) and for the unit tests that run libpvbus's RPCI
 * client against the model in one process.
 */
#ifndef HVSIM_VMWARE_HOST_H
#define HVSIM_VMWARE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "hvsim.h"
#include "vmware_tools.h"

#define VMW_MAXCHANNELS		128
#define VMW_MAXMSG		(1024 * 1024)

/* Faults a broken host shows (--vmware-fault). */
enum vmw_fault {
	FAULT_NONE,
	FAULT_NOPREFIX,		/* replies without "1 " or "0 " */
	FAULT_HUGE,		/* announces a reply far longer than any */
	FAULT_CLOSE,		/* closes the channel in the middle of a send */
};

/* The model's long options (the val of each). */
enum {
	OPT_STATE = 0x5600, OPT_GUESTINFO, OPT_NO_HB, OPT_CPT, OPT_NO_COOKIES,
	OPT_SECURE_RPC, OPT_MAX_CHANNELS, OPT_FAULT, OPT_VSOCK_RPCI, OPT_TCLO,
	OPT_TCLO_FILE, OPT_CLOSE_TCLO, OPT_REFUSE_TCLO, OPT_SHOW
};

struct vmw_chan {
	int		 used;
	uint32_t	 proto;
	uint32_t	 cookie1, cookie2;
	int		 cpt;		/* interrupt this transfer */
	unsigned char	*in;		/* message from the guest */
	size_t		 inlen, inpos;
	int		 sending;
	unsigned char	*out;		/* reply to the guest */
	size_t		 outlen, outpos;
	int		 replying;
};

struct vmw_entry {
	char		*key;
	unsigned char	*value;	/* NUL-terminated after vlen bytes */
	size_t		 vlen;
};

/* One emulated host. */
struct vmw_host {
	/* options */
	const char		*state;
	int			 no_hb;
	int			 no_cookies;
	int			 secure_rpc;
	int			 vsock_rpci;	/* serve secure RPC too */
	int			 trusted;	/* the caller is on such a port */
	int			 server_life;	/* its end of a pipe, or -1 */
	unsigned long		 cpt_every;
	unsigned int		 max_channels;
	enum vmw_fault		 fault;
	/* host */
	struct vmw_chan		 chans[VMW_MAXCHANNELS];
	struct vmw_entry	*table;
	size_t			 nentries;
	unsigned long		 transfers;
	/* what the guest did, for tests */
	unsigned long		 calls;
	unsigned long		 hb_calls;
	unsigned long		 opens;
	size_t			 last_msglen;
	/* the tools' end: TCLO commands, what the tools reported */
	struct vmw_tools	 tools;
};

extern const struct hvsim_model hvsim_model_vmware;

/* A host with the defaults (no state file, every channel), or NULL. */
struct vmw_host *vmw_host_new(void);
/* Close every channel, free the table and the host. */
void	vmw_host_free(struct vmw_host *);
/* One of the model's options; 0 or -1 (message printed). */
int	vmw_host_option(struct vmw_host *, int val, const char *arg);
/* Load the state file, apply the presets; 0 or -1 (message printed). */
int	vmw_host_init(struct vmw_host *);
/* A backdoor access; 0, or -1 for one that faults. */
int	vmw_host_io(struct vmw_host *, const struct hvsim_io *,
	    struct user_regs_struct *regs);
/* The entry of KEY, or NULL. */
struct vmw_entry *vmw_host_lookup(struct vmw_host *, const char *key,
	    size_t klen);
/*
 * Set KEY and save the table to the state file; on failure the table is
 * as it was.  0 or -1 (errno).
 */
int	vmw_host_set_saved(struct vmw_host *, const char *key, size_t klen,
	    const void *value, size_t vlen);
/* Set KEY in memory only; 0 or -1 (ENOMEM). */
int	vmw_host_set(struct vmw_host *, const char *key, size_t klen,
	    const void *value, size_t vlen);

/*
 * One RPCI command, answered as the backdoor's channel would but for a
 * caller on a privileged vsock port when TRUSTED (--secure-rpc then lets
 * info-get and info-set through).  *REPLY is allocated; 0 or -1 (ENOMEM).
 */
int	vmw_host_rpci(struct vmw_host *, const char *msg, size_t len,
	    int trusted, unsigned char **reply, size_t *replylen);

/*
 * The host end of secure RPC (secure_rpc.c): a process serving RPCI on
 * vsock port 976 with the host's --state; 0 or -1 (message printed).
 */
int	vmw_secure_rpc_start(struct vmw_host *);
void	vmw_secure_rpc_stop(struct vmw_host *);

#endif /* HVSIM_VMWARE_HOST_H */
