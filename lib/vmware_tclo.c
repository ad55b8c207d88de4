/*
 * The TCLO command parser (lib/vmware_tclo.h).  The names and replies are
 * those of OpenBSD's vmt(4) and open-vm-tools' RpcIn: a command is a name,
 * a space and arguments; "OK " or "ERROR " opens each reply.
 */
#include <string.h>

#include "vmware_tclo.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

static const struct {
	const char		*name;
	enum pv_tclo_cmd	 cmd;
	int			 args;		/* takes arguments */
} pv_tclo_cmds[] = {
	{ "reset",			PV_TCLO_RESET,		0 },
	{ "ping",			PV_TCLO_PING,		0 },
	{ "Capabilities_Register",	PV_TCLO_CAPREG,		0 },
	{ "OS_Halt",			PV_TCLO_HALT,		0 },
	{ "OS_Reboot",			PV_TCLO_REBOOT,		0 },
	{ "OS_PowerOn",			PV_TCLO_POWERON,	0 },
	{ "OS_Suspend",			PV_TCLO_SUSPEND,	0 },
	{ "OS_Resume",			PV_TCLO_RESUME,		0 },
	{ "Set_Option",			PV_TCLO_SET_OPTION,	1 },
};

static void
bad(struct pv_tclo_req *req, const char *reason)
{
	req->cmd = PV_TCLO_BAD;
	req->reason = reason;
}

/* Copy the word at *P (up to a space or END) into BUF; 0 if too long. */
static int
word(const char **p, const char *end, char *buf, size_t cap)
{
	const char *sp;
	size_t n;

	sp = memchr(*p, ' ', end - *p);
	n = (sp != NULL ? sp : end) - *p;
	if (n == 0 || n >= cap)
		return (0);
	memcpy(buf, *p, n);
	buf[n] = '\0';
	*p += n;
	return (1);
}

static void
set_option(const char *arg, const char *end, struct pv_tclo_req *req)
{
	if (!word(&arg, end, req->name, sizeof(req->name)) || arg == end ||
	    *arg++ != ' ' ||
	    !word(&arg, end, req->value, sizeof(req->value)) || arg != end) {
		bad(req, "Set_Option wants a name and a value");
		return;
	}
	if (strcmp(req->name, "broadcastIP") == 0 &&
	    strcmp(req->value, "1") == 0)
		req->cmd = PV_TCLO_BROADCASTIP;
}

void
pv_tclo_parse(const char *msg, size_t len, struct pv_tclo_req *req)
{
	const char *end = msg + len, *sp;
	size_t i, n;

	memset(req, 0, sizeof(*req));
	if (len == 0) {
		req->cmd = PV_TCLO_NONE;
		return;
	}
	if (len > PV_TCLO_MAXCMD) {
		bad(req, "Command too long");
		return;
	}
	for (i = 0; i < len; i++)
		if ((unsigned char)msg[i] < ' ' ||
		    (unsigned char)msg[i] == 0x7f) {
			bad(req, "Invalid byte in command");
			return;
		}
	sp = memchr(msg, ' ', len);
	n = (sp != NULL ? sp : end) - msg;
	req->cmd = PV_TCLO_UNKNOWN;
	for (i = 0; i < nitems(pv_tclo_cmds); i++) {
		if (strlen(pv_tclo_cmds[i].name) != n ||
		    memcmp(pv_tclo_cmds[i].name, msg, n) != 0)
			continue;
		req->cmd = pv_tclo_cmds[i].cmd;
		if (!pv_tclo_cmds[i].args && sp != NULL)
			bad(req, "No arguments expected");
		else if (pv_tclo_cmds[i].args && sp == NULL)
			bad(req, "Arguments expected");
		else if (req->cmd == PV_TCLO_SET_OPTION)
			set_option(sp + 1, end, req);
		return;
	}
}

const char *
pv_tclo_name(enum pv_tclo_cmd cmd)
{
	size_t i;

	for (i = 0; i < nitems(pv_tclo_cmds); i++)
		if (pv_tclo_cmds[i].cmd == cmd)
			return (pv_tclo_cmds[i].name);
	switch (cmd) {
	case PV_TCLO_NONE:
		return ("(none)");
	case PV_TCLO_BAD:
		return ("(refused)");
	case PV_TCLO_BROADCASTIP:
		return ("Set_Option broadcastIP");
	default:
		return ("(unknown)");
	}
}
