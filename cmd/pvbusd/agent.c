/*
 * Which unit gets which agent.  A unit gets at most one: the first whose
 * wants() says yes.
 */
#include <stddef.h>

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
