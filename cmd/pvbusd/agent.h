/*
 * pvbusd's agents: the guest side of a host's tools, one per unit whose
 * host expects one (vmt.c for VMware), each in a process of its own beside
 * the unit's device, or in pvbusd's own when it runs one agent alone (-a).
 * The table in agent.c says which unit gets which.
 */
#ifndef PVBUSD_AGENT_H
#define PVBUSD_AGENT_H

#include <signal.h>
#include <stddef.h>

#include <pvbus.h>

#define AGENT_DEFAULT_HALT	"systemctl poweroff || shutdown -h now"
#define AGENT_DEFAULT_REBOOT	"systemctl reboot || shutdown -r now"
#define AGENT_DEFAULT_INTERVAL	15	/* seconds between guest info */
#define AGENT_MAX_INTERVAL	86400
/*
 * How long a halt or reboot command may run: systemctl and shutdown return
 * once the system has taken the request, in well under a second.
 */
#define AGENT_DEFAULT_CMD_TIMEOUT 30	/* seconds */
#define AGENT_MAX_CMD_TIMEOUT	3600

/* The settings of -o, shared by every agent. */
struct agent_conf {
	const char		*halt;		/* /bin/sh -c commands */
	const char		*reboot;
	const char *const	*exclude;	/* interface name patterns */
	unsigned int		 interval;
	unsigned int		 cmd_timeout;	/* seconds a command may run */
	int			 detach;	/* once ready: log_detach() */
};

struct agent_ops {
	const char	*name;
	/* Whether UNIT gets this agent. */
	int		(*wants)(const struct pvbus_unit *unit);
	/*
	 * The agent of unit UNIT of BUS, alone in its process: writes one
	 * byte to READYFD (then closes it; -1: nobody waits) and runs until
	 * SIGTERM, SIGINT or SIGHUP, which must not be blocked.  Returns the
	 * exit status.
	 */
	int		(*run)(const struct agent_conf *conf, struct pvbus *bus,
			    size_t unit, int readyfd);
};

/*
 * Into SET the signals that stop an agent (SIGTERM, SIGINT, SIGHUP), and
 * block them, for the agent to wait for them where it waits for its host.
 */
void	agent_block_stop(sigset_t *set);

/*
 * Tell whoever waits that the agent runs: one byte on READYFD, then closed
 * (nothing when READYFD is -1); a daemon's agent then leaves its starter's
 * standard streams (CONF's detach), which showed its start-up errors.
 */
void	agent_ready(const struct agent_conf *conf, int readyfd);

/* The agent UNIT gets, or NULL. */
const struct agent_ops	*agent_for(const struct pvbus_unit *unit);

#endif /* PVBUSD_AGENT_H */
