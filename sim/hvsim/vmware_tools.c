/*
 * The host's end of VMware Tools (vmware_tools.h), as a VMX is to
 * vmtoolsd: it sends commands on TCLO, one at a time, each once the guest
 * has replied to the one before, and keeps what the tools register and
 * report over RPCI.  What it keeps goes to the state file at once, as
 * records under keys that open with a space:
 *
 *	" capabilities"	"tools.capability.*" and "vmx.capability.*", in order
 *	" statechanges"	the arguments of each tools.os.statechange.status
 *	" tclo"		each command sent and the guest's reply
 *	" unknown"	RPCI commands the model does not know (a model bug
 *			when the tools are vmtoolsd)
 *	" version"	the argument of the last tools.set.version
 *	" info.N"	the value of the last "SetGuestInfo  N VALUE"
 *
 * A log is a sequence of records, each its length in decimal, a newline
 * and its bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nicinfo.h"
#include "vmware_host.h"

#define K_CAPS		" capabilities"
#define K_STATES	" statechanges"
#define K_TCLO		" tclo"
#define K_UNKNOWN	" unknown"
#define K_VERSION	" version"
#define K_INFO		" info."

#define INFO_IPADDRESS_V3	10

static int
starts(const char *msg, size_t len, const char *prefix)
{
	return (len >= strlen(prefix) &&
	    memcmp(msg, prefix, strlen(prefix)) == 0);
}

/* Append one record to the log KEY; 0 or -1. */
static int
log_append(struct vmw_host *h, const char *key, const void *data,
    size_t len)
{
	struct vmw_entry *e = vmw_host_lookup(h, key, strlen(key));
	size_t old = e != NULL ? e->vlen : 0, n;
	char head[32];
	unsigned char *v;
	int rc;

	n = (size_t)snprintf(head, sizeof(head), "%zu\n", len);
	if ((v = malloc(old + n + len + 1)) == NULL)
		return (-1);
	if (old > 0)
		memcpy(v, e->value, old);
	memcpy(v + old, head, n);
	memcpy(v + old + n, data, len);
	rc = vmw_host_set_saved(h, key, strlen(key), v, old + n + len);
	free(v);
	return (rc);
}

/* The next record of a log at *P (END); 0, or -1 at the end or if bad. */
static int
log_next(const unsigned char **p, const unsigned char *end,
    const unsigned char **rec, size_t *len)
{
	size_t n = 0;

	if (*p >= end)
		return (-1);
	while (*p < end && **p >= '0' && **p <= '9' && n < (1u << 24))
		n = n * 10 + (size_t)(*(*p)++ - '0');
	if (*p >= end || **p != '\n' || (size_t)(end - *p - 1) < n)
		return (-1);
	*rec = ++*p;
	*len = n;
	*p += n;
	return (0);
}

int
vmw_tools_option(struct vmw_host *h, int val, const char *arg)
{
	struct vmw_tools *t = &h->tools;
	const char **v;
	unsigned long n;
	char *end;

	switch (val) {
	case OPT_TCLO:
		if (strlen(arg) > VMW_MAXMSG) {
			fprintf(stderr, "hvsim: --tclo: command too long\n");
			return (-1);
		}
		if ((v = reallocarray(t->tclo, t->ntclo + 1, sizeof(*v))) ==
		    NULL) {
			fprintf(stderr, "hvsim: --tclo: out of memory\n");
			return (-1);
		}
		t->tclo = v;
		t->tclo[t->ntclo++] = arg;
		return (0);
	case OPT_CLOSE_TCLO:
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (errno != 0 || *end != '\0' || end == arg || n == 0) {
			fprintf(stderr, "hvsim: --close-tclo-every: bad number "
			    "%s\n", arg);
			return (-1);
		}
		t->close_every = n;
		return (0);
	case OPT_SHOW:
		t->show = 1;
		return (0);
	}
	return (-1);
}

void
vmw_tools_free(struct vmw_host *h)
{
	free(h->tools.tclo);
	h->tools.tclo = NULL;
}

/* "SetGuestInfo  N VALUE": keep VALUE as " info.N". */
static const char *
set_guest_info(struct vmw_host *h, const char *msg, size_t len)
{
	static char why[128];
	const char *p = msg + strlen("SetGuestInfo  "), *end = msg + len;
	char key[32], err[96];
	unsigned int type = 0;
	size_t digits = 0;

	while (p < end && *p >= '0' && *p <= '9' && digits < 4) {
		type = type * 10 + (unsigned int)(*p++ - '0');
		digits++;
	}
	if (digits == 0 || p >= end || *p != ' ')
		return ("0 Invalid guest info");
	p++;
	if (type == INFO_IPADDRESS_V3 && nicinfo_decode((const void *)p,
	    end - p, NULL, err, sizeof(err)) != 0) {
		snprintf(why, sizeof(why), "0 Invalid NIC info: %s", err);
		(void)log_append(h, K_UNKNOWN, msg, len);
		return (why);
	}
	snprintf(key, sizeof(key), K_INFO "%u", type);
	if (vmw_host_set_saved(h, key, strlen(key), p, end - p) != 0)
		return ("0 Cannot save guest info");
	return ("1 ");
}

const char *
vmw_tools_rpci(struct vmw_host *h, const char *msg, size_t len)
{
	const char *sp;

	if (starts(msg, len, "log ") || (len == 3 && starts(msg, len, "log")))
		return ("1 ");
	if (starts(msg, len, "tools.capability.") ||
	    starts(msg, len, "vmx.capability."))
		return (log_append(h, K_CAPS, msg, len) == 0 ? "1 " :
		    "0 Cannot save");
	if (starts(msg, len, "tools.set.version ")) {
		sp = msg + strlen("tools.set.version ");
		return (vmw_host_set_saved(h, K_VERSION, strlen(K_VERSION), sp,
		    msg + len - sp) == 0 ? "1 " : "0 Cannot save");
	}
	if (starts(msg, len, "tools.os.statechange.status ")) {
		sp = msg + strlen("tools.os.statechange.status ");
		return (log_append(h, K_STATES, sp, msg + len - sp) == 0 ?
		    "1 " : "0 Cannot save");
	}
	if (starts(msg, len, "SetGuestInfo  "))
		return (set_guest_info(h, msg, len));
	/* Known to the model as unknown: kept for the tests to see. */
	if (!starts(msg, len, "info-get ") && !starts(msg, len, "info-set "))
		(void)log_append(h, K_UNKNOWN, msg, len);
	return (NULL);
}

const char *
vmw_tools_tclo_next(struct vmw_host *h, unsigned int id,
    const struct vmw_chan *ch, size_t *lenp)
{
	struct vmw_tools *t = &h->tools;
	const struct vmw_chan *was;

	if (t->waiting) {
		was = &h->chans[t->chan];
		/* The channel it went to is gone: send it again. */
		if (!was->used || was->proto != ch->proto ||
		    was->cookie1 != t->cookie)
			t->waiting = 0;
		else if (t->chan != id)
			return (NULL);
	}
	if (t->next >= t->ntclo)
		return (NULL);
	t->waiting = 1;
	t->chan = id;
	t->cookie = ch->cookie1;
	*lenp = strlen(t->tclo[t->next]);
	return (t->tclo[t->next]);
}

int
vmw_tools_tclo_sent(struct vmw_host *h, unsigned int id,
    const unsigned char *msg, size_t len)
{
	struct vmw_tools *t = &h->tools;
	const char *cmd;

	if (!t->waiting || t->chan != id)
		return (0);		/* an empty reply, or one owed nothing */
	cmd = t->tclo[t->next];
	(void)log_append(h, K_TCLO, cmd, strlen(cmd));
	(void)log_append(h, K_TCLO, msg, len);
	t->waiting = 0;
	t->next++;
	t->replies++;
	return (t->close_every > 0 && t->replies % t->close_every == 0);
}

/* A log as a JSON array of strings. */
static void
show_log(struct vmw_host *h, const char *key)
{
	struct vmw_entry *e = vmw_host_lookup(h, key, strlen(key));
	const unsigned char *p, *end, *rec;
	size_t len;
	int first = 1;

	putchar('[');
	if (e != NULL)
		for (p = e->value, end = p + e->vlen;
		    log_next(&p, end, &rec, &len) == 0; first = 0) {
			if (!first)
				putchar(',');
			json_string(stdout, rec, len);
		}
	putchar(']');
}

static void
show_tclo(struct vmw_host *h)
{
	struct vmw_entry *e = vmw_host_lookup(h, K_TCLO, strlen(K_TCLO));
	const unsigned char *p, *end, *cmd, *reply;
	size_t clen, rlen;
	int first = 1;

	putchar('[');
	if (e != NULL)
		for (p = e->value, end = p + e->vlen;
		    log_next(&p, end, &cmd, &clen) == 0 &&
		    log_next(&p, end, &reply, &rlen) == 0; first = 0) {
			printf("%s{\"command\":", first ? "" : ",");
			json_string(stdout, cmd, clen);
			printf(",\"reply\":");
			json_string(stdout, reply, rlen);
			putchar('}');
		}
	putchar(']');
}

static void
show_value(struct vmw_host *h, const char *key)
{
	struct vmw_entry *e = vmw_host_lookup(h, key, strlen(key));

	if (e == NULL)
		printf("null");
	else
		json_string(stdout, e->value, e->vlen);
}

static void
show_guest(struct vmw_host *h)
{
	static const struct {
		const char	*name;
		const char	*key;
	} fields[] = {
		{ "hostname",		K_INFO "1" },
		{ "os_name_full",	K_INFO "5" },
		{ "os_name",		K_INFO "6" },
		{ "uptime",		K_INFO "7" },
	};
	struct vmw_entry *e;
	char err[128], key[32];
	size_t i;

	putchar('{');
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		printf("\"%s\":", fields[i].name);
		show_value(h, fields[i].key);
		putchar(',');
	}
	snprintf(key, sizeof(key), K_INFO "%d", INFO_IPADDRESS_V3);
	printf("\"nics\":");
	if ((e = vmw_host_lookup(h, key, strlen(key))) == NULL)
		printf("null");
	else if (nicinfo_decode(e->value, e->vlen, stdout, err,
	    sizeof(err)) != 0) {
		printf("null,\"nics_error\":");
		json_string(stdout, err, strlen(err));
	}
	putchar('}');
}

int
vmw_tools_show(struct vmw_host *h)
{
	size_t i;
	int first = 1;

	if (!h->tools.show)
		return (-1);
	if (h->state == NULL) {
		fprintf(stderr, "hvsim: --show wants --state FILE\n");
		return (2);
	}
	if (vmw_host_init(h) != 0)
		return (1);
	printf("{\"guestinfo\":{");
	for (i = 0; i < h->nentries; i++) {
		if (h->table[i].key[0] == VMW_TOOLS_KEY)
			continue;
		if (!first)
			putchar(',');
		first = 0;
		json_string(stdout, h->table[i].key, strlen(h->table[i].key));
		putchar(':');
		json_string(stdout, h->table[i].value, h->table[i].vlen);
	}
	printf("},\"capabilities\":");
	show_log(h, K_CAPS);
	printf(",\"tools_version\":");
	show_value(h, K_VERSION);
	printf(",\"statechanges\":");
	show_log(h, K_STATES);
	printf(",\"tclo\":");
	show_tclo(h);
	printf(",\"guest\":");
	show_guest(h);
	printf(",\"unknown\":");
	show_log(h, K_UNKNOWN);
	printf("}\n");
	return (fflush(stdout) == 0 ? 0 : 1);
}
