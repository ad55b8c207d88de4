/*
 * The host's end of VMware Tools in the VMware model (vmware_tools.c): the
 * commands it sends on TCLO (--tclo) and what it remembers of what the
 * tools told it over RPCI, kept in the state file with the guestinfo and
 * printed by --show.
 */
#ifndef HVSIM_VMWARE_TOOLS_H
#define HVSIM_VMWARE_TOOLS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct vmw_host;
struct vmw_chan;

struct vmw_tclo_cmd {
	char		*cmd;		/* any bytes */
	size_t		 len;
};

struct vmw_tools {
	struct vmw_tclo_cmd *tclo;	/* --tclo commands, in order */
	size_t		  ntclo;
	size_t		  next;		/* the next one to send */
	int		  waiting;	/* tclo[next] sent, its reply due */
	unsigned int	  chan;		/* on this channel, */
	uint32_t	  cookie;	/* while its cookie is this one */
	unsigned long	  close_every;	/* --close-tclo-every */
	unsigned long	  refuse_s;	/* --refuse-tclo */
	int		  tried;	/* the guest has asked for TCLO */
	struct timespec	  first_open;	/* when it first asked */
	unsigned long	  replies;
	int		  show;		/* --show */
};

/*
 * Keys of the host's own memory in the state file: a space opens them, so
 * that no guestinfo key (info-set or --guestinfo) can be one.
 */
#define VMW_TOOLS_KEY	' '

/* The tools options (OPT_TCLO, ...); 0 or -1 (message printed). */
int	vmw_tools_option(struct vmw_host *, int val, const char *arg);

/* Free what the options allocated. */
void	vmw_tools_free(struct vmw_host *);

/*
 * An RPCI command of the tools (capabilities, version, state changes,
 * SetGuestInfo, log): remember it and return the reply, or NULL for a
 * command that is not one of them.
 */
const char *vmw_tools_rpci(struct vmw_host *, const char *msg, size_t len);

/*
 * The guest asks for a command on TCLO channel ID (CH): the command to
 * send (*LENP bytes), or NULL when the host has none for it now.
 */
const char *vmw_tools_tclo_next(struct vmw_host *, unsigned int id,
	    const struct vmw_chan *ch, size_t *lenp);

/*
 * The guest opens a TCLO channel and one is free: 1 when the host refuses
 * it (for --refuse-tclo seconds after the guest's first try, as a host
 * whose TCLO another tools instance holds until it ends), else 0.  Either
 * is counted in the state file.
 */
int	vmw_tools_tclo_open(struct vmw_host *);

/*
 * The guest sent MSG on TCLO channel ID: the reply to the command sent
 * there, or an empty message (nothing owed).  1 when the host now closes
 * the channel (--close-tclo-every), else 0.
 */
int	vmw_tools_tclo_sent(struct vmw_host *, unsigned int id,
	    const unsigned char *msg, size_t len);

/* --show: print what the host remembers as JSON; the exit status. */
int	vmw_tools_show(struct vmw_host *);

#endif /* HVSIM_VMWARE_TOOLS_H */
