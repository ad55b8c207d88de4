/*
 * The TCLO command parser: each command the host sends, Set_Option with
 * its name and value, and what it refuses.
 */
#include <string.h>

#include "check.h"
#include "vmware_tclo.h"

static struct pv_tclo_req req;

static enum pv_tclo_cmd
parse(const char *s, size_t len)
{
	pv_tclo_parse(s, len, &req);
	return (req.cmd);
}

#define P(s)	parse((s), sizeof(s) - 1)

int
main(void)
{
	static const struct {
		const char		*msg;
		enum pv_tclo_cmd	 cmd;
	} cmds[] = {
		{ "reset",			PV_TCLO_RESET },
		{ "ping",			PV_TCLO_PING },
		{ "Capabilities_Register",	PV_TCLO_CAPREG },
		{ "OS_Halt",			PV_TCLO_HALT },
		{ "OS_Reboot",			PV_TCLO_REBOOT },
		{ "OS_PowerOn",			PV_TCLO_POWERON },
		{ "OS_Suspend",			PV_TCLO_SUSPEND },
		{ "OS_Resume",			PV_TCLO_RESUME },
		{ "Set_Option broadcastIP 1",	PV_TCLO_BROADCASTIP },
		{ "Set_Option broadcastIP 0",	PV_TCLO_SET_OPTION },
		{ "Set_Option synctime 1",	PV_TCLO_SET_OPTION },
		{ "Time_Synchronize 0",		PV_TCLO_UNKNOWN },
		{ "os_halt",			PV_TCLO_UNKNOWN },
		{ "OS_Halted",			PV_TCLO_UNKNOWN },
		{ "pin",			PV_TCLO_UNKNOWN },
	};
	static char big[PV_TCLO_MAXCMD + 2];
	char name[128];
	size_t i;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		snprintf(name, sizeof(name), "\"%s\" parses", cmds[i].msg);
		CHECK(name, parse(cmds[i].msg, strlen(cmds[i].msg)) ==
		    cmds[i].cmd);
	}
	CHECK_STR("OS_Halt has its name", pv_tclo_name(PV_TCLO_HALT),
	    "OS_Halt");

	CHECK("Set_Option gives its name",
	    P("Set_Option synctime.period 30") == PV_TCLO_SET_OPTION &&
	    strcmp(req.name, "synctime.period") == 0 &&
	    strcmp(req.value, "30") == 0);

	CHECK("nothing is PV_TCLO_NONE", parse("", 0) == PV_TCLO_NONE);
	CHECK("a NUL byte is refused", P("OS_Halt\0x") == PV_TCLO_BAD &&
	    req.reason != NULL);
	CHECK("a NUL at the end is refused", P("ping\0") == PV_TCLO_BAD);
	CHECK("a newline is refused", P("OS_Reboot\n") == PV_TCLO_BAD);
	CHECK("arguments to ping are refused", P("ping now") == PV_TCLO_BAD);
	CHECK("a trailing space is refused", P("OS_Halt ") == PV_TCLO_BAD);
	CHECK("Set_Option without a value is refused",
	    P("Set_Option synctime") == PV_TCLO_BAD);
	CHECK("Set_Option without arguments is refused",
	    P("Set_Option") == PV_TCLO_BAD);
	CHECK("Set_Option with three words is refused",
	    P("Set_Option a b c") == PV_TCLO_BAD);
	CHECK("Set_Option with two spaces is refused",
	    P("Set_Option  broadcastIP 1") == PV_TCLO_BAD);

	memset(big, 'a', sizeof(big));
	memcpy(big, "ping", 4);
	CHECK("a command of the longest length parses as a name",
	    parse(big, PV_TCLO_MAXCMD) == PV_TCLO_UNKNOWN);
	CHECK("a longer one is refused",
	    parse(big, PV_TCLO_MAXCMD + 1) == PV_TCLO_BAD &&
	    strstr(req.reason, "too long") != NULL);
	memset(big, 'a', sizeof(big));
	memcpy(big, "Set_Option x ", 13);
	CHECK("a Set_Option value too long is refused",
	    parse(big, 13 + PV_TCLO_MAXOPT + 1) == PV_TCLO_BAD);
	CHECK("a Set_Option value of the longest length parses",
	    parse(big, 13 + PV_TCLO_MAXOPT) == PV_TCLO_SET_OPTION &&
	    strlen(req.value) == PV_TCLO_MAXOPT);
	return (CHECK_EXIT());
}
