/*
 * TCLO, the channel on which a VMware host sends commands to the guest's
 * tools ("ping", "OS_Halt", ...) and reads each reply ("OK ...",
 * "ERROR ...").  This is the parser of those commands, kept apart from what
 * the commands do, so that whatever the host sends can be checked (and
 * fuzzed) without a host: the agent (pvbusd) acts on the request it gives.
 */
#ifndef PV_VMWARE_TCLO_H
#define PV_VMWARE_TCLO_H

#include <stddef.h>

/*
 * The longest command taken, its NUL not counted.  The host's commands
 * are a name and a few words; a longer one is refused whole.
 */
#define PV_TCLO_MAXCMD		1023

/* The longest Set_Option name and value. */
#define PV_TCLO_MAXOPT		127

enum pv_tclo_cmd {
	PV_TCLO_NONE,		/* nothing: the host had no command */
	PV_TCLO_BAD,		/* refused: see reason */
	PV_TCLO_UNKNOWN,	/* a name nobody here knows */
	PV_TCLO_RESET,
	PV_TCLO_PING,
	PV_TCLO_CAPREG,		/* Capabilities_Register */
	PV_TCLO_HALT,
	PV_TCLO_REBOOT,
	PV_TCLO_POWERON,
	PV_TCLO_SUSPEND,
	PV_TCLO_RESUME,
	PV_TCLO_BROADCASTIP,	/* Set_Option broadcastIP 1 */
	PV_TCLO_SET_OPTION	/* any other Set_Option NAME VALUE */
};

/* A parsed command. */
struct pv_tclo_req {
	enum pv_tclo_cmd	 cmd;
	const char		*reason;	/* PV_TCLO_BAD: why */
	char			 name[PV_TCLO_MAXOPT + 1];	/* Set_Option */
	char			 value[PV_TCLO_MAXOPT + 1];
};

/*
 * Parse the LEN bytes of MSG, which need no NUL.  The name is the first
 * word and must match exactly.  PV_TCLO_BAD (with the reason) for a
 * command longer than PV_TCLO_MAXCMD, a NUL or other control byte in it,
 * arguments to a command that takes none, or a Set_Option without exactly
 * a name and a value of at most PV_TCLO_MAXOPT bytes each.  Never fails
 * otherwise; REQ is always filled in.
 */
void	pv_tclo_parse(const char *msg, size_t len, struct pv_tclo_req *req);

/* The name of CMD as the host sends it ("OS_Halt"), or a description. */
const char *pv_tclo_name(enum pv_tclo_cmd cmd);

/* Replies every request of a kind gets, whatever the agent does. */
#define PV_TCLO_REPLY_OK	"OK "
#define PV_TCLO_REPLY_RESET	"OK ATR toolbox"
#define PV_TCLO_REPLY_UNKNOWN	"ERROR Unknown Command"
#define PV_TCLO_REPLY_NOIP	"ERROR Unable to find guest IP address"

#endif /* PV_VMWARE_TCLO_H */
