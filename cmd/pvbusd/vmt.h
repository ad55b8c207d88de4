/*
 * pvbusd's VMware agent (vmt.c): the guest side of VMware Tools, as
 * OpenBSD's vmt(4) is in its kernel.
 */
#ifndef PVBUSD_VMT_H
#define PVBUSD_VMT_H

#include "agent.h"

/*
 * The version pvbusd registers with tools.set.version: 0x7fffffff, which
 * hosts read as tools they do not manage (no upgrade offered), as vmt(4)
 * registers.
 */
#define VMT_TOOLS_VERSION	0x7fffffffu

/* The agent of a VMware unit whose backdoor answers (agent.h). */
extern const struct agent_ops vmt_agent;

#endif /* PVBUSD_VMT_H */

/* Inside the agent. */
#include <stddef.h>

#include "vmware_nicinfo.h"
#include "vmware_rpc.h"

struct vmt {
	const struct agent_conf		*conf;
	const struct pv_vmw_transport	*t;
	struct pv_vmw_chan		 chan;
	int				 open;
	int				 ping;		/* send an empty reply */
	/* What the host last accepted, so that only changes are sent. */
	char				 hostname[256];
	int				 os_sent;
	unsigned char			*nicinfo;
	size_t				 nicinfolen;
	int				 nicinfo_sent;
	size_t				 dropped_logged;
};

/*
 * One RPCI command of LEN bytes; 0 when the host answered "1", else -1
 * (logged with WHAT).
 */
int	vmt_rpci(struct vmt *v, const char *what, const char *msg, size_t len);

/* Send what changed of the guest's information, the uptime always. */
void	vmt_guestinfo(struct vmt *v);

/* Forget what was sent, so that the next vmt_guestinfo() sends it all. */
void	vmt_guestinfo_reset(struct vmt *v);

/*
 * The first IPv4 address of the first interface reported, as text, into
 * BUF; -1 if there is none.
 */
int	vmt_primary_ipv4(const struct vmt *v, char *buf, size_t len);

/*
 * Run CMD with /bin/sh -c, with standard input and output on /dev/null and
 * no other descriptor open, in a process group of its own, and wait for it
 * at most TIMEOUT seconds; a command still running then is killed with its
 * group.  0 when it exited with status 0, else -1 (logged with WHAT).
 */
int	vmt_spawn(const char *what, const char *cmd, unsigned int timeout);
