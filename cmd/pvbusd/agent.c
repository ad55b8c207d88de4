/*
 * Which unit gets which agent.  A unit gets at most one: the first whose
 * wants() says yes.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pvbusd.h"
#include "agent.h"
#include "kvp.h"
#include "vmt.h"
#include "xen_agent.h"

static const struct agent_ops *const agents[] = {
	&vmt_agent,
	&kvp_agent,
	&xen_agent,
};

const struct agent_ops *
agent_for(const struct pvbus_unit *unit)
{
	size_t i;

	for (i = 0; i < sizeof(agents) / sizeof(agents[0]); i++)
		if (agents[i]->wants(unit))
			return (agents[i]);
	return (NULL);
}

void
agent_block_stop(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	sigprocmask(SIG_BLOCK, set, NULL);
}

void
agent_ready(const struct agent_conf *conf, int readyfd)
{
	if (readyfd != -1) {
		if (write(readyfd, "y", 1) != 1)
			logit(LOG_WARNING, "agent: ready: %s",
			    strerror(errno));
		close(readyfd);
	}
	if (conf->detach)
		log_detach();
}
