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
 *	" versiontype"	the argument of the last tools.set.versiontype
 *	" diskinfo"	the JSON of the last SetGuestDiskInfo
 *	" info.N"	the value of the last "SetGuestInfo  N VALUE"
 *	" sent.N"	how many "SetGuestInfo  N" the host took, in decimal
 *	" tclo.opened", " tclo.refused"
 *			how many TCLO channels the host opened and refused
 *
 * A log is a sequence of records, each its length in decimal, a newline
 * and its bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../number.h"
#include "nicinfo.h"
#include "vmware_host.h"

#define VMW_MAXREFUSE_S	86400

#define K_CAPS		" capabilities"
#define K_STATES	" statechanges"
#define K_TCLO		" tclo"
#define K_UNKNOWN	" unknown"
#define K_VERSION	" version"
#define K_VERSIONTYPE	" versiontype"
#define K_DISKINFO	" diskinfo"
#define K_INFO		" info."
#define K_SENT		" sent."
#define K_TCLO_OPENED	" tclo.opened"
#define K_TCLO_REFUSED	" tclo.refused"

#define INFO_IPADDRESS_V3	10
#define INFO_OS_DETAILED	11

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

/* A command of --tclo (TEXT) or --tclo-file (the file PATH); 0 or -1. */
static int
tclo_add(struct vmw_tools *t, const char *text, const char *path)
{
	struct vmw_tclo_cmd *v, c;
	FILE *f = NULL;
	size_t cap = VMW_MAXMSG + 1;

	memset(&c, 0, sizeof(c));
	if (text != NULL) {
		c.len = strlen(text);
		c.cmd = strdup(text);
	} else if ((f = fopen(path, "re")) != NULL &&
	    (c.cmd = malloc(cap)) != NULL) {
		c.len = fread(c.cmd, 1, cap, f);
		if (ferror(f) || c.len == cap) {
			fprintf(stderr, "hvsim: --tclo-file %s: %s\n", path,
			    ferror(f) ? "cannot read it" : "too long");
			fclose(f);
			free(c.cmd);
			return (-1);
		}
	} else if (f == NULL) {
		fprintf(stderr, "hvsim: --tclo-file %s: %s\n", path,
		    strerror(errno));
		return (-1);
	}
	if (f != NULL)
		fclose(f);
	if (c.cmd == NULL || c.len > VMW_MAXMSG || (v = reallocarray(t->tclo,
	    t->ntclo + 1, sizeof(*v))) == NULL) {
		fprintf(stderr, "hvsim: --tclo: %s\n", c.cmd == NULL ?
		    "out of memory" : c.len > VMW_MAXMSG ? "too long" :
		    "out of memory");
		free(c.cmd);
		return (-1);
	}
	t->tclo = v;
	t->tclo[t->ntclo++] = c;
	return (0);
}

int
vmw_tools_option(struct vmw_host *h, int val, const char *arg)
{
	struct vmw_tools *t = &h->tools;
	unsigned long n;
	char *end;

	switch (val) {
	case OPT_TCLO:
		return (tclo_add(t, arg, NULL));
	case OPT_TCLO_FILE:
		return (tclo_add(t, NULL, arg));
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
	case OPT_REFUSE_TCLO:
		if (sim_number(arg, 0, VMW_MAXREFUSE_S, &n) == -1) {
			sim_number_error("hvsim", "--refuse-tclo", arg, 0,
			    VMW_MAXREFUSE_S);
			return (-1);
		}
		t->refuse_s = n;
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
	size_t i;

	for (i = 0; i < h->tools.ntclo; i++)
		free(h->tools.tclo[i].cmd);
	free(h->tools.tclo);
	h->tools.tclo = NULL;
	h->tools.ntclo = 0;
}

/* One more in the decimal count KEY; 0 or -1. */
static int
count(struct vmw_host *h, const char *key)
{
	struct vmw_entry *e;
	unsigned long n = 0;
	char num[24];
	size_t i;

	if ((e = vmw_host_lookup(h, key, strlen(key))) != NULL)
		for (i = 0; i < e->vlen && i < sizeof(num) - 1; i++)
			n = n * 10 + (unsigned long)(e->value[i] - '0');
	snprintf(num, sizeof(num), "%lu", n + 1);
	return (vmw_host_set_saved(h, key, strlen(key), num, strlen(num)));
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
	snprintf(key, sizeof(key), K_SENT "%u", type);
	if (count(h, key) != 0)
		return ("0 Cannot save guest info");
	return ("1 ");
}

const char *
vmw_tools_rpci(struct vmw_host *h, const char *msg, size_t len)
{
	/* Commands whose last argument the host keeps. */
	static const struct {
		const char	*prefix;
		const char	*key;
	} kept[] = {
		{ "tools.set.version ",		K_VERSION },
		{ "tools.set.versiontype ",	K_VERSIONTYPE },
		{ "SetGuestDiskInfo ",		K_DISKINFO },
	};
	const char *sp;
	size_t i;

	if (starts(msg, len, "log ") || (len == 3 && starts(msg, len, "log")))
		return ("1 ");
	if (starts(msg, len, "tools.capability.") ||
	    starts(msg, len, "vmx.capability."))
		return (log_append(h, K_CAPS, msg, len) == 0 ? "1 " :
		    "0 Cannot save");
	for (i = 0; i < sizeof(kept) / sizeof(kept[0]); i++) {
		if (!starts(msg, len, kept[i].prefix))
			continue;
		sp = msg + strlen(kept[i].prefix);
		return (vmw_host_set_saved(h, kept[i].key, strlen(kept[i].key),
		    sp, msg + len - sp) == 0 ? "1 " : "0 Cannot save");
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
	*lenp = t->tclo[t->next].len;
	return (t->tclo[t->next].cmd);
}

int
vmw_tools_tclo_open(struct vmw_host *h)
{
	struct vmw_tools *t = &h->tools;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (!t->tried) {
		t->first_open = now;
		t->tried = 1;
	}
	if ((double)(now.tv_sec - t->first_open.tv_sec) +
	    (now.tv_nsec - t->first_open.tv_nsec) / 1e9 < (double)t->refuse_s) {
		(void)count(h, K_TCLO_REFUSED);
		return (1);
	}
	(void)count(h, K_TCLO_OPENED);
	return (0);
}

int
vmw_tools_tclo_sent(struct vmw_host *h, unsigned int id,
    const unsigned char *msg, size_t len)
{
	struct vmw_tools *t = &h->tools;

	if (!t->waiting || t->chan != id)
		return (0);		/* an empty reply, or one owed nothing */
	(void)log_append(h, K_TCLO, t->tclo[t->next].cmd, t->tclo[t->next].len);
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

/*
 * Detailed OS data ("SetGuestInfo  11", open-vm-tools 11 and later): a
 * 32-bit version, then the short name ("debian12-64") and the full name,
 * each a NUL-terminated string in a field of its own.  NAMES[0] is the
 * short name, NAMES[1] the full one, NULL when not there.
 */
static void
os_detailed(const struct vmw_entry *e, const char **names, size_t *lens)
{
	const char *p, *end, *z;
	int k;

	names[0] = names[1] = NULL;
	if (e == NULL || e->vlen <= 4)
		return;
	p = (const char *)e->value + 4;
	end = (const char *)e->value + e->vlen;
	for (k = 0; k < 2 && p < end; k++) {
		if ((z = memchr(p, '\0', end - p)) == NULL || z == p)
			return;
		names[k] = p;
		lens[k] = z - p;
		for (p = z; p < end && *p == '\0'; p++)
			;
	}
}

/*
 * The version: tools.set.version's, else the first word of
 * tools.set.versiontype's ("12352 4"), which vmtoolsd sends instead to a
 * host that takes it.
 */
static void
show_version(struct vmw_host *h)
{
	struct vmw_entry *e;
	const unsigned char *sp;

	if (vmw_host_lookup(h, K_VERSION, strlen(K_VERSION)) != NULL ||
	    (e = vmw_host_lookup(h, K_VERSIONTYPE, strlen(K_VERSIONTYPE))) ==
	    NULL) {
		show_value(h, K_VERSION);
		return;
	}
	sp = memchr(e->value, ' ', e->vlen);
	json_string(stdout, e->value, sp != NULL ? (size_t)(sp - e->value) :
	    e->vlen);
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
	const char *names[2];
	size_t namelens[2];
	char err[128], key[32];
	size_t i;

	snprintf(key, sizeof(key), K_INFO "%d", INFO_OS_DETAILED);
	os_detailed(vmw_host_lookup(h, key, strlen(key)), names, namelens);
	putchar('{');
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		printf("\"%s\":", fields[i].name);
		/* Tools that send detailed OS data send no names. */
		if (i >= 1 && i <= 2 && vmw_host_lookup(h, fields[i].key,
		    strlen(fields[i].key)) == NULL && names[2 - i] != NULL)
			json_string(stdout, names[2 - i], namelens[2 - i]);
		else
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

/* The " sent.N" counts as an object of type numbers and counts. */
static void
show_sent(struct vmw_host *h)
{
	size_t i, n = strlen(K_SENT);
	int first = 1;

	putchar('{');
	for (i = 0; i < h->nentries; i++) {
		if (strncmp(h->table[i].key, K_SENT, n) != 0)
			continue;
		printf("%s", first ? "" : ",");
		first = 0;
		json_string(stdout, h->table[i].key + n,
		    strlen(h->table[i].key + n));
		printf(":%.*s", (int)h->table[i].vlen,
		    (const char *)h->table[i].value);
	}
	putchar('}');
}

/* The decimal count KEY, 0 where there is none. */
static void
show_number(struct vmw_host *h, const char *key)
{
	struct vmw_entry *e = vmw_host_lookup(h, key, strlen(key));

	if (e == NULL || e->vlen == 0)
		printf("0");
	else
		printf("%.*s", (int)e->vlen, (const char *)e->value);
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
	show_version(h);
	printf(",\"statechanges\":");
	show_log(h, K_STATES);
	printf(",\"tclo\":");
	show_tclo(h);
	printf(",\"guest\":");
	show_guest(h);
	printf(",\"sent\":");
	show_sent(h);
	printf(",\"tclo_opened\":");
	show_number(h, K_TCLO_OPENED);
	printf(",\"tclo_refused\":");
	show_number(h, K_TCLO_REFUSED);
	printf(",\"unknown\":");
	show_log(h, K_UNKNOWN);
	printf("}\n");
	return (fflush(stdout) == 0 ? 0 : 1);
}
