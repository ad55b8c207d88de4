/*
 * The VMware host model: the backdoor port (GETVERSION, GET_TIME_FULL,
 * MESSAGE) and its high-bandwidth port, with RPCI channels answering
 * info-get/info-set from a guestinfo table and the tools' commands, and
 * TCLO channels on which the host sends its commands (vmware_tools.c).  Options make the host older or stricter (no high bandwidth, no
 * cookies, secure RPC, few channels), interrupt transfers with checkpoints,
 * keep the table in a file so programs run one after another share a host,
 * and inject the faults a broken host shows.
 */
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../number.h"
#include "vmware_host.h"

#define VMW_MAGIC		0x564D5868u
#define VMW_PORT		0x5658
#define VMW_HBPORT		0x5659

#define VMW_CMD_GETVERSION	0x0a
#define VMW_CMD_MESSAGE		0x1e
#define VMW_CMD_GETTIMEFULL	0x2e

enum { OPEN, SENDSIZE, SENDPAYLOAD, RECVSIZE, RECVPAYLOAD, RECVSTATUS,
    CLOSE };

#define ST_SUCCESS		0x0001
#define ST_DORECV		0x0002
#define ST_CLOSED		0x0004
#define ST_CPT			0x0010
#define ST_HB			0x0080

#define PROTO_RPCI		0x49435052u
#define PROTO_TCLO		0x4F4C4354u
#define FLAG_COOKIE		0x80000000u

#define VMW_VERSION		6	/* VERSION_MAGIC of open-vm-tools */
#define VMW_TYPE_ESX		2
#define VMW_MAXCPT		1000000000ul	/* --checkpoint-every */

static const char *const vmw_fault_names[] = {
	[FAULT_NONE] = "none",
	[FAULT_NOPREFIX] = "noprefix",
	[FAULT_HUGE] = "huge-reply",
	[FAULT_CLOSE] = "close-mid-send",
};

static const struct option vmw_options[] = {
	{ "state",		required_argument,	NULL, OPT_STATE },
	{ "guestinfo",		required_argument,	NULL, OPT_GUESTINFO },
	{ "no-hb",		no_argument,		NULL, OPT_NO_HB },
	{ "checkpoint-every",	required_argument,	NULL, OPT_CPT },
	{ "no-cookies",		no_argument,		NULL, OPT_NO_COOKIES },
	{ "secure-rpc",		no_argument,		NULL, OPT_SECURE_RPC },
	{ "vsock-rpci",		no_argument,		NULL, OPT_VSOCK_RPCI },
	{ "max-channels",	required_argument,	NULL, OPT_MAX_CHANNELS },
	{ "vmware-fault",	required_argument,	NULL, OPT_FAULT },
	{ "tclo",		required_argument,	NULL, OPT_TCLO },
	{ "tclo-file",		required_argument,	NULL, OPT_TCLO_FILE },
	{ "close-tclo-every",	required_argument,	NULL, OPT_CLOSE_TCLO },
	{ "refuse-tclo",	required_argument,	NULL, OPT_REFUSE_TCLO },
	{ "show",		no_argument,		NULL, OPT_SHOW },
	{ NULL, 0, NULL, 0 }
};

struct vmw_entry *
vmw_host_lookup(struct vmw_host *h, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; i < h->nentries; i++)
		if (strlen(h->table[i].key) == klen &&
		    memcmp(h->table[i].key, key, klen) == 0)
			return (&h->table[i]);
	return (NULL);
}

int
vmw_host_set(struct vmw_host *h, const char *key, size_t klen,
    const void *value, size_t vlen)
{
	struct vmw_entry *e, *t;
	unsigned char *v;

	if ((v = malloc(vlen + 1)) == NULL)
		return (-1);
	memcpy(v, value, vlen);
	v[vlen] = '\0';
	if ((e = vmw_host_lookup(h, key, klen)) == NULL) {
		t = reallocarray(h->table, h->nentries + 1, sizeof(*t));
		if (t == NULL || (t[h->nentries].key = strndup(key, klen)) ==
		    NULL) {
			if (t != NULL)
				h->table = t;
			free(v);
			return (-1);
		}
		h->table = t;
		e = &t[h->nentries++];
	} else
		free(e->value);
	e->value = v;
	e->vlen = vlen;
	return (0);
}

/*
 * The state file: a header line, then per key "KEYLEN VALUELEN\n", the key,
 * the value and "\n".  Values may hold any byte.
 */
#define VMW_STATE_MAGIC	"hvsim-vmware-guestinfo 1\n"

static void
vmw_table_free(struct vmw_entry *t, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(t[i].key);
		free(t[i].value);
	}
	free(t);
}

/*
 * Replace the table with the one in F; 0, or -1 with the table as it was
 * and a message printed.  An empty file is an empty table: vmw_lock()
 * creates the file it locks.
 */
static int
vmw_read(struct vmw_host *h, FILE *f)
{
	char hdr[sizeof(VMW_STATE_MAGIC)];
	struct vmw_entry *old = h->table;
	char *key = NULL, *val = NULL;
	size_t klen, vlen, nold = h->nentries;
	int c, rc = -1;

	h->table = NULL;
	h->nentries = 0;
	if ((c = fgetc(f)) == EOF) {
		rc = ferror(f) ? -1 : 0;
		goto out;
	}
	ungetc(c, f);
	if (fgets(hdr, sizeof(hdr), f) == NULL ||
	    strcmp(hdr, VMW_STATE_MAGIC) != 0)
		goto out;
	while (fscanf(f, "%zu %zu", &klen, &vlen) == 2) {
		if (fgetc(f) != '\n' || klen == 0 || klen > VMW_MAXMSG ||
		    vlen > VMW_MAXMSG)
			goto out;
		if ((key = malloc(klen)) == NULL ||
		    (val = malloc(vlen + 1)) == NULL ||
		    fread(key, 1, klen, f) != klen ||
		    fread(val, 1, vlen, f) != vlen || fgetc(f) != '\n' ||
		    vmw_host_set(h, key, klen, val, vlen) != 0)
			goto out;
		free(key);
		free(val);
		key = val = NULL;
	}
	if (fgetc(f) == EOF && !ferror(f))
		rc = 0;
 out:
	free(key);
	free(val);
	if (rc != 0) {
		fprintf(stderr, "hvsim: vmware: %s: not a guestinfo state "
		    "file\n", h->state);
		vmw_table_free(h->table, h->nentries);
		h->table = old;
		h->nentries = nold;
		errno = EINVAL;
		return (-1);
	}
	vmw_table_free(old, nold);
	return (0);
}

/*
 * The table in the state file, if there is one.  Other hosts may share
 * the file: they replace it whole (vmw_save()), so that it is read without
 * a lock.  0, or -1 with a message printed and the table as it was.
 */
static int
vmw_load(struct vmw_host *h)
{
	FILE *f;
	int rc;

	if ((f = fopen(h->state, "re")) == NULL) {
		if (errno == ENOENT)
			return (0);
		fprintf(stderr, "hvsim: vmware: %s: %s\n", h->state,
		    strerror(errno));
		return (-1);
	}
	rc = vmw_read(h, f);
	fclose(f);
	return (rc);
}

/*
 * Open the state file for a change and lock it; the descriptor, or -1
 * with errno.  The lock is an open file description lock, held until the
 * descriptor is closed and not dropped by closing another descriptor of
 * the file.  A host that saved while this one waited renamed a new file
 * over the one locked: that one is locked instead.
 */
static int
vmw_lock(const struct vmw_host *h)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct stat locked, named;
	int fd, saved;

	for (;;) {
		fd = open(h->state, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
		if (fd == -1)
			return (-1);
		while (fcntl(fd, F_OFD_SETLKW, &fl) == -1) {
			if (errno != EINTR) {
				saved = errno;
				close(fd);
				errno = saved;
				return (-1);
			}
		}
		if (fstat(fd, &locked) == 0 && stat(h->state, &named) == 0 &&
		    locked.st_dev == named.st_dev &&
		    locked.st_ino == named.st_ino)
			return (fd);
		close(fd);
	}
}

/*
 * Lock the state file and take in what other hosts saved: the change to
 * be made then goes into the newest table.  The locked descriptor, or -1
 * with errno and a message printed.
 */
static int
vmw_begin(struct vmw_host *h)
{
	FILE *f;
	int fd, dfd, rc, saved;

	if ((fd = vmw_lock(h)) == -1) {
		saved = errno;
		fprintf(stderr, "hvsim: vmware: cannot save %s: %s: %s\n",
		    h->state, h->state, strerror(saved));
		errno = saved;
		return (-1);
	}
	if ((dfd = dup(fd)) == -1 || (f = fdopen(dfd, "r")) == NULL) {
		saved = errno;
		if (dfd != -1)
			close(dfd);
		close(fd);
		fprintf(stderr, "hvsim: vmware: %s: %s\n", h->state,
		    strerror(saved));
		errno = saved;
		return (-1);
	}
	rc = vmw_read(h, f);
	fclose(f);
	if (rc != 0) {
		close(fd);
		errno = EINVAL;
		return (-1);
	}
	return (fd);
}

/* The temporary file a save writes first, then renames over the state. */
static int
vmw_tmpname(const struct vmw_host *h, char *buf, size_t len)
{
	if ((size_t)snprintf(buf, len, "%s.%d.tmp", h->state,
	    (int)getpid()) >= len) {
		errno = ENAMETOOLONG;
		fprintf(stderr, "hvsim: vmware: cannot save %s: %s\n",
		    h->state, strerror(errno));
		return (-1);
	}
	return (0);
}

static int
vmw_save(const struct vmw_host *h)
{
	char tmp[PATH_MAX];
	const char *what;
	FILE *f;
	size_t i;
	int ok, fd, saved;

	if (h->state == NULL)
		return (0);
	if (vmw_tmpname(h, tmp, sizeof(tmp)) == -1)
		return (-1);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1 || (f = fdopen(fd, "w")) == NULL) {
		saved = errno;
		if (fd != -1) {
			close(fd);
			unlink(tmp);
		}
		fprintf(stderr, "hvsim: vmware: cannot save %s: %s: %s\n",
		    h->state, tmp, strerror(saved));
		errno = saved;
		return (-1);
	}
	errno = 0;
	ok = fputs(VMW_STATE_MAGIC, f) != EOF;
	for (i = 0; ok && i < h->nentries; i++) {
		const struct vmw_entry *e = &h->table[i];

		ok = fprintf(f, "%zu %zu\n", strlen(e->key), e->vlen) > 0 &&
		    fwrite(e->key, 1, strlen(e->key), f) == strlen(e->key) &&
		    fwrite(e->value, 1, e->vlen, f) == e->vlen &&
		    fputc('\n', f) != EOF;
	}
	saved = errno != 0 ? errno : EIO;
	what = tmp;
	if (fclose(f) != 0 && ok) {
		ok = 0;
		saved = errno;
	}
	if (ok && rename(tmp, h->state) != 0) {
		ok = 0;
		saved = errno;
		what = h->state;
	}
	if (!ok) {
		unlink(tmp);
		fprintf(stderr, "hvsim: vmware: cannot save %s: %s: %s\n",
		    h->state, what, strerror(saved));
		errno = saved;
		return (-1);
	}
	return (0);
}

/*
 * Set KEY and save the table; if the save fails, the table is left as it
 * was, so that the host's memory and its file agree.
 */
static int
vmw_set_saved_locked(struct vmw_host *h, const char *key, size_t klen,
    const void *value, size_t vlen)
{
	struct vmw_entry *e, *t;
	unsigned char *v, *oldv;
	size_t oldlen;

	if ((v = malloc(vlen + 1)) == NULL)
		return (-1);
	memcpy(v, value, vlen);
	v[vlen] = '\0';
	if ((e = vmw_host_lookup(h, key, klen)) != NULL) {
		oldv = e->value;
		oldlen = e->vlen;
		e->value = v;
		e->vlen = vlen;
		if (vmw_save(h) != 0) {
			e->value = oldv;
			e->vlen = oldlen;
			free(v);
			return (-1);
		}
		free(oldv);
		return (0);
	}
	t = reallocarray(h->table, h->nentries + 1, sizeof(*t));
	if (t == NULL) {
		free(v);
		return (-1);
	}
	h->table = t;
	e = &t[h->nentries];
	if ((e->key = strndup(key, klen)) == NULL) {
		free(v);
		return (-1);
	}
	e->value = v;
	e->vlen = vlen;
	h->nentries++;
	if (vmw_save(h) != 0) {
		h->nentries--;
		free(e->key);
		free(e->value);
		return (-1);
	}
	return (0);
}

/*
 * A change by the guest: merged into the state file under its lock, so
 * that hosts sharing the file keep each other's changes.
 */
int
vmw_host_set_saved(struct vmw_host *h, const char *key, size_t klen,
    const void *value, size_t vlen)
{
	int fd = -1, rc, saved;

	if (h->state != NULL && (fd = vmw_begin(h)) == -1)
		return (-1);
	rc = vmw_set_saved_locked(h, key, klen, value, vlen);
	if (fd != -1) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return (rc);
}

/*
 * Whether a state file can be saved where it is to be: the temporary file
 * is created and removed, before the program starts.
 */
static int
vmw_check_state(const struct vmw_host *h)
{
	char tmp[PATH_MAX];
	int fd;

	if (vmw_tmpname(h, tmp, sizeof(tmp)) == -1)
		return (-1);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0666)) == -1) {
		fprintf(stderr, "hvsim: vmware: --state %s cannot be saved: "
		    "%s: %s\n", h->state, tmp, strerror(errno));
		return (-1);
	}
	close(fd);
	unlink(tmp);
	return (0);
}

/* A key as --guestinfo takes it: not empty, no space or control byte. */
static int
vmw_key_ok(const char *key, size_t klen)
{
	size_t i;

	if (klen == 0)
		return (0);
	for (i = 0; i < klen; i++)
		if ((unsigned char)key[i] <= ' ' ||
		    (unsigned char)key[i] == 0x7f)
			return (0);
	return (1);
}

int
vmw_host_option(struct vmw_host *h, int val, const char *arg)
{
	const char *eq;
	unsigned long n;
	size_t i;

	switch (val) {
	case OPT_STATE:
		h->state = arg;
		return (0);
	case OPT_GUESTINFO:
		if ((eq = strchr(arg, '=')) == NULL) {
			fprintf(stderr, "hvsim: --guestinfo wants KEY=VALUE\n");
			return (-1);
		}
		if (!vmw_key_ok(arg, eq - arg)) {
			fprintf(stderr, "hvsim: --guestinfo: bad key \"");
			for (i = 0; arg + i < eq; i++)
				if ((unsigned char)arg[i] < ' ' ||
				    (unsigned char)arg[i] == 0x7f)
					fprintf(stderr, "\\x%02x",
					    (unsigned char)arg[i]);
				else
					fputc(arg[i], stderr);
			fprintf(stderr, "\": a key is not empty and has no "
			    "space or control character\n");
			return (-1);
		}
		if (vmw_host_set(h, arg, eq - arg, eq + 1, strlen(eq + 1)) != 0) {
			fprintf(stderr, "hvsim: --guestinfo: out of memory\n");
			return (-1);
		}
		return (0);
	case OPT_NO_HB:
		h->no_hb = 1;
		return (0);
	case OPT_NO_COOKIES:
		h->no_cookies = 1;
		return (0);
	case OPT_SECURE_RPC:
		h->secure_rpc = 1;
		return (0);
	case OPT_VSOCK_RPCI:
		h->vsock_rpci = 1;
		return (0);
	case OPT_CPT:
		if (sim_number(arg, 2, VMW_MAXCPT, &n) == -1) {
			sim_number_error("hvsim", "--checkpoint-every", arg, 2,
			    VMW_MAXCPT);
			return (-1);
		}
		h->cpt_every = n;
		return (0);
	case OPT_MAX_CHANNELS:
		if (sim_number(arg, 0, VMW_MAXCHANNELS, &n) == -1) {
			sim_number_error("hvsim", "--max-channels", arg, 0,
			    VMW_MAXCHANNELS);
			return (-1);
		}
		h->max_channels = n;
		return (0);
	case OPT_FAULT:
		for (i = 0; i < sizeof(vmw_fault_names) /
		    sizeof(vmw_fault_names[0]); i++)
			if (strcmp(arg, vmw_fault_names[i]) == 0) {
				h->fault = i;
				return (0);
			}
		fprintf(stderr, "hvsim: --vmware-fault: unknown fault %s\n",
		    arg);
		return (-1);
	}
	return (vmw_tools_option(h, val, arg));
}

int
vmw_host_init(struct vmw_host *h)
{
	/* The file is the host's memory; presets given now override it. */
	struct vmw_entry *preset = h->table;
	size_t i, npreset = h->nentries;
	int fd = -1, rc;

	if (h->state == NULL)
		return (0);
	if (vmw_check_state(h) == -1)
		return (-1);
	h->table = NULL;
	h->nentries = 0;
	if (npreset > 0)
		rc = (fd = vmw_begin(h)) == -1 ? -1 : 0;
	else
		rc = vmw_load(h);
	for (i = 0; i < npreset; i++)
		if (rc == 0 && vmw_host_set(h, preset[i].key,
		    strlen(preset[i].key), preset[i].value,
		    preset[i].vlen) != 0)
			rc = -1;
	vmw_table_free(preset, npreset);
	if (rc == 0 && npreset > 0)
		rc = vmw_save(h);
	if (fd != -1)
		close(fd);
	return (rc);
}

static void
vmw_chan_reset(struct vmw_chan *ch)
{
	free(ch->in);
	free(ch->out);
	memset(ch, 0, sizeof(*ch));
}

struct vmw_host *
vmw_host_new(void)
{
	struct vmw_host *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	h->max_channels = VMW_MAXCHANNELS;
	h->server_life = -1;
	return (h);
}

void
vmw_host_free(struct vmw_host *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < VMW_MAXCHANNELS; i++)
		vmw_chan_reset(&h->chans[i]);
	vmw_table_free(h->table, h->nentries);
	vmw_tools_free(h);
	free(h);
}

/* A 32-bit result, zero-extended as a 32-bit register write is. */
#define SET32(reg, v)	((reg) = (uint32_t)(v))

static int
vmw_reply(struct vmw_chan *ch, const char *status, const void *text,
    size_t tlen)
{
	size_t slen = strlen(status);

	free(ch->out);
	if ((ch->out = malloc(slen + tlen + 1)) == NULL)
		return (-1);
	memcpy(ch->out, status, slen);
	if (tlen > 0)
		memcpy(ch->out + slen, text, tlen);
	ch->outlen = slen + tlen;
	ch->outpos = 0;
	ch->replying = 1;
	return (0);
}

#define PREFIX		"guestinfo."
#define NICINFO		"SetGuestInfo  10 "

static void	vmw_rpci(struct vmw_host *, struct vmw_chan *, const char *,
		    size_t);

int
vmw_host_rpci(struct vmw_host *h, const char *msg, size_t len, int trusted,
    unsigned char **reply, size_t *replylen)
{
	struct vmw_chan ch;

	memset(&ch, 0, sizeof(ch));
	ch.used = 1;
	ch.proto = PROTO_RPCI;
	h->trusted = trusted;
	vmw_rpci(h, &ch, msg, len);
	h->trusted = 0;
	*reply = ch.out;
	*replylen = ch.outlen;
	return (ch.out == NULL ? -1 : 0);
}

/* Execute one RPCI command and queue its reply. */
static void
vmw_rpci(struct vmw_host *h, struct vmw_chan *ch, const char *msg, size_t len)
{
	const char *sp, *arg, *val, *r;
	size_t cmdlen, alen;
	struct vmw_entry *e;

	/*
	 * vmtoolsd sends its text commands with their NUL, which a VMX does
	 * not take as part of them; NIC info is XDR, of an exact length.
	 */
	if (len > 0 && msg[len - 1] == '\0' && !(len >= strlen(NICINFO) &&
	    memcmp(msg, NICINFO, strlen(NICINFO)) == 0))
		len--;
	sp = memchr(msg, ' ', len);
	cmdlen = sp ? (size_t)(sp - msg) : len;
	arg = sp ? sp + 1 : msg + len;
	alen = msg + len - arg;
#define IS(c)	(cmdlen == strlen(c) && memcmp(msg, (c), cmdlen) == 0)

	if ((IS("info-get") || IS("info-set")) && h->secure_rpc &&
	    !h->trusted) {
		vmw_reply(ch, "0 Permission denied", NULL, 0);
		return;
	}
	if (h->fault == FAULT_NOPREFIX) {
		vmw_reply(ch, "hello from a broken host", NULL, 0);
		return;
	}
	if (IS("info-get")) {
		/* What other hosts on the file set; as it was if unreadable. */
		if (h->state != NULL)
			vmw_load(h);
		/* The host's own memory is not guestinfo. */
		if ((e = vmw_host_lookup(h, arg, alen)) == NULL ||
		    e->key[0] == VMW_TOOLS_KEY)
			vmw_reply(ch, "0 No value found", NULL, 0);
		else
			vmw_reply(ch, "1 ", e->value, e->vlen);
	} else if (IS("info-set")) {
		if ((val = memchr(arg, ' ', alen)) == NULL || val == arg)
			vmw_reply(ch, "0 Two and exactly two arguments "
			    "expected", NULL, 0);
		else if ((size_t)(val - arg) <= strlen(PREFIX) ||
		    memcmp(arg, PREFIX, strlen(PREFIX)) != 0 ||
		    memchr(arg, '\0', val - arg) != NULL)
			vmw_reply(ch, "0 Invalid key", NULL, 0);
		else if (vmw_host_set_saved(h, arg, val - arg, val + 1,
		    arg + alen - val - 1) == 0)
			vmw_reply(ch, "1 ", NULL, 0);
		else if (h->state != NULL && errno != ENOMEM)
			vmw_reply(ch, "0 Cannot save guestinfo", NULL, 0);
		else
			vmw_reply(ch, "0 Out of memory", NULL, 0);
	} else if ((r = vmw_tools_rpci(h, msg, len)) != NULL)
		vmw_reply(ch, r, NULL, 0);
	else
		vmw_reply(ch, "0 Unknown command", NULL, 0);
#undef IS
}

/*
 * The whole message is in: run it (RPCI) or take it as the reply to the
 * host's command (TCLO), after which the host may close the channel.
 */
static void
vmw_received(struct vmw_host *h, struct vmw_chan *ch)
{
	int close = 0;

	ch->sending = 0;
	h->last_msglen = ch->inlen;
	if (ch->proto == PROTO_RPCI)
		vmw_rpci(h, ch, (const char *)ch->in, ch->inlen);
	else
		close = vmw_tools_tclo_sent(h, (unsigned int)(ch - h->chans),
		    ch->in, ch->inlen);
	free(ch->in);
	ch->in = NULL;
	ch->inlen = ch->inpos = 0;
	if (close)
		vmw_chan_reset(ch);
}

/* Whether the transfer starting now is one a checkpoint interrupts. */
static int
vmw_cpt_due(struct vmw_host *h)
{
	return (h->cpt_every > 0 && ++h->transfers % h->cpt_every == 0);
}

/* A checkpoint: the message or the reply's progress is lost. */
static uint16_t
vmw_cpt(struct vmw_chan *ch, int sending)
{
	ch->cpt = 0;
	if (sending) {
		free(ch->in);
		ch->in = NULL;
		ch->inlen = ch->inpos = 0;
		ch->sending = 0;
	} else
		ch->outpos = 0;
	return (ST_CPT);
}

static uint16_t
vmw_close_mid(struct vmw_chan *ch)
{
	vmw_chan_reset(ch);
	return (ST_CLOSED);
}

static uint16_t
vmw_open(struct vmw_host *h, struct user_regs_struct *regs)
{
	uint32_t proto = (uint32_t)regs->rbx & ~FLAG_COOKIE;
	int cookies = ((uint32_t)regs->rbx & FLAG_COOKIE) != 0;
	struct vmw_chan *ch;
	unsigned int i;

	h->opens++;
	if ((proto != PROTO_RPCI && proto != PROTO_TCLO) ||
	    (cookies && h->no_cookies))
		return (0);
	for (i = 0; i < h->max_channels && h->chans[i].used; i++)
		;
	if (i == h->max_channels ||
	    (proto == PROTO_TCLO && vmw_tools_tclo_open(h)))
		return (0);
	ch = &h->chans[i];
	memset(ch, 0, sizeof(*ch));
	ch->used = 1;
	ch->proto = proto;
	if (cookies && getrandom(&ch->cookie1, sizeof(ch->cookie1), 0) !=
	    sizeof(ch->cookie1))
		ch->cookie1 = 0x12345678u ^ (uint32_t)getpid();
	if (cookies && getrandom(&ch->cookie2, sizeof(ch->cookie2), 0) !=
	    sizeof(ch->cookie2))
		ch->cookie2 = ~ch->cookie1;
	SET32(regs->rdx, (uint32_t)i << 16 | ((uint32_t)regs->rdx & 0xffff));
	SET32(regs->rsi, ch->cookie1);
	SET32(regs->rdi, ch->cookie2);
	return (ST_SUCCESS);
}

static struct vmw_chan *
vmw_chan(struct vmw_host *h, uint32_t id, uint32_t cookie1, uint32_t cookie2)
{
	struct vmw_chan *ch;

	if (id >= h->max_channels)
		return (NULL);
	ch = &h->chans[id];
	if (!ch->used || ch->cookie1 != cookie1 || ch->cookie2 != cookie2)
		return (NULL);
	return (ch);
}

static uint16_t
vmw_message(struct vmw_host *h, struct user_regs_struct *regs)
{
	uint32_t sub = (uint32_t)regs->rcx >> 16, bx = (uint32_t)regs->rbx;
	uint16_t hb = h->no_hb ? 0 : ST_HB;
	struct vmw_chan *ch;
	const char *cmd;
	size_t n;

	if (sub == OPEN)
		return (vmw_open(h, regs));
	ch = vmw_chan(h, (uint32_t)regs->rdx >> 16, (uint32_t)regs->rsi,
	    (uint32_t)regs->rdi);
	if (ch == NULL)
		return (0);

	switch (sub) {
	case SENDSIZE:
		if (bx > VMW_MAXMSG)
			return (0);
		free(ch->in);
		free(ch->out);
		ch->out = NULL;
		ch->replying = 0;
		if ((ch->in = malloc(bx + 1)) == NULL)
			return (0);
		ch->inlen = bx;
		ch->inpos = 0;
		ch->sending = 1;
		ch->cpt = bx > 0 && vmw_cpt_due(h);
		if (bx == 0)
			vmw_received(h, ch);
		return (ST_SUCCESS | hb);
	case SENDPAYLOAD:
		if (!ch->sending)
			return (0);
		n = ch->inlen - ch->inpos < 4 ? ch->inlen - ch->inpos : 4;
		if (h->fault == FAULT_CLOSE && ch->inpos + n >= ch->inlen / 2)
			return (vmw_close_mid(ch));
		if (ch->cpt && ch->inpos + n == ch->inlen)
			return (vmw_cpt(ch, 1));
		memcpy(ch->in + ch->inpos, &bx, n);
		if ((ch->inpos += n) == ch->inlen)
			vmw_received(h, ch);
		return (ST_SUCCESS);
	case RECVSIZE:
		if (!ch->replying && ch->proto == PROTO_TCLO &&
		    (cmd = vmw_tools_tclo_next(h, (unsigned int)(ch - h->chans),
		    ch, &n)) != NULL)
			vmw_reply(ch, "", cmd, n);
		if (!ch->replying)
			return (ST_SUCCESS);	/* nothing for the guest */
		SET32(regs->rbx, h->fault == FAULT_HUGE ? 0x7fffffffu :
		    ch->outlen);
		SET32(regs->rdx, (uint32_t)SENDSIZE << 16 | VMW_PORT);
		ch->outpos = 0;
		ch->cpt = ch->outlen > 0 && vmw_cpt_due(h);
		return (ST_SUCCESS | ST_DORECV | hb);
	case RECVPAYLOAD:
		if (!ch->replying)
			return (0);
		if ((bx & ST_SUCCESS) == 0) {	/* the guest gave up */
			free(ch->out);
			ch->out = NULL;
			ch->replying = 0;
			return (ST_SUCCESS);
		}
		if (ch->outpos >= ch->outlen)
			return (0);
		n = ch->outlen - ch->outpos < 4 ? ch->outlen - ch->outpos : 4;
		if (ch->cpt && ch->outpos + n == ch->outlen)
			return (vmw_cpt(ch, 0));
		bx = 0;
		memcpy(&bx, ch->out + ch->outpos, n);
		ch->outpos += n;
		SET32(regs->rbx, bx);
		SET32(regs->rdx, (uint32_t)SENDPAYLOAD << 16 | VMW_PORT);
		return (ST_SUCCESS);
	case RECVSTATUS:
		if (!ch->replying)
			return (0);
		free(ch->out);
		ch->out = NULL;
		ch->replying = 0;
		return (ST_SUCCESS);
	case CLOSE:
		vmw_chan_reset(ch);
		return (ST_SUCCESS);
	}
	return (0);
}

static int
vmw_cmd(struct vmw_host *h, struct user_regs_struct *regs)
{
	struct timeval tv;

	switch ((uint32_t)regs->rcx & 0xffff) {
	case VMW_CMD_GETVERSION:
		SET32(regs->rax, VMW_VERSION);
		SET32(regs->rbx, VMW_MAGIC);
		SET32(regs->rcx, VMW_TYPE_ESX);
		break;
	case VMW_CMD_GETTIMEFULL:
		gettimeofday(&tv, NULL);
		SET32(regs->rbx, tv.tv_usec);
		SET32(regs->rcx, 0);			/* max time lag, us */
		SET32(regs->rdx, (uint64_t)tv.tv_sec);
		SET32(regs->rsi, (uint64_t)tv.tv_sec >> 32);
		break;
	case VMW_CMD_MESSAGE:
		SET32(regs->rcx, (uint32_t)vmw_message(h, regs) << 16 |
		    VMW_CMD_MESSAGE);
		break;
	default:
		/* Commands this host lacks leave the registers alone. */
		break;
	}
	return (0);
}

/* `rep outsb` / `rep insb` on the high-bandwidth port. */
static int
vmw_hb(struct vmw_host *h, const struct hvsim_io *io,
    struct user_regs_struct *regs)
{
	struct vmw_chan *ch;
	uint64_t count = regs->rcx;
	uint16_t st = 0;

	h->hb_calls++;
	if (h->no_hb || ((uint32_t)regs->rbx & 0xffff) != 0)
		goto done;
	ch = io->out ?
	    vmw_chan(h, (uint32_t)regs->rdx >> 16, (uint32_t)regs->rbp,
		(uint32_t)regs->rdi) :
	    vmw_chan(h, (uint32_t)regs->rdx >> 16, (uint32_t)regs->rsi,
		(uint32_t)regs->rbp);
	if (ch == NULL)
		goto done;
	if (io->out) {
		if (!ch->sending || count != ch->inlen - ch->inpos)
			goto done;
		if (h->fault == FAULT_CLOSE) {
			st = vmw_close_mid(ch);
			goto done;
		}
		if (ch->cpt) {
			st = vmw_cpt(ch, 1);
			goto done;
		}
		if (hvsim_mem_read(io->pid, regs->rsi, ch->in + ch->inpos,
		    count) != 0)
			return (-1);
		regs->rsi += count;
		regs->rcx = 0;
		ch->inpos += count;
		vmw_received(h, ch);
		st = ST_SUCCESS;
	} else {
		if (!ch->replying || count != ch->outlen - ch->outpos)
			goto done;
		if (ch->cpt) {
			st = vmw_cpt(ch, 0);
			goto done;
		}
		if (hvsim_mem_write(io->pid, regs->rdi, ch->out + ch->outpos,
		    count) != 0)
			return (-1);
		regs->rdi += count;
		regs->rcx = 0;
		ch->outpos += count;
		st = ST_SUCCESS;
	}
 done:
	SET32(regs->rbx, (uint32_t)st << 16);
	return (0);
}

int
vmw_host_io(struct vmw_host *h, const struct hvsim_io *io,
    struct user_regs_struct *regs)
{
	/* Without the magic the port is as absent as on real hardware. */
	if ((uint32_t)regs->rax != VMW_MAGIC)
		return (-1);
	h->calls++;
	if (io->port == VMW_PORT && !io->string && !io->out && io->size == 4)
		return (vmw_cmd(h, regs));
	if (io->port == VMW_HBPORT && io->string && io->rep && io->size == 1)
		return (vmw_hb(h, io, regs));
	return (-1);
}

static void *
vmw_new(void)
{
	return (vmw_host_new());
}

static int
vmw_option(void *ctx, int val, const char *arg)
{
	return (vmw_host_option(ctx, val, arg));
}

static int
vmw_init(void *ctx)
{
	struct vmw_host *h = ctx;

	if (vmw_host_init(h) != 0)
		return (-1);
	return (h->vsock_rpci ? vmw_secure_rpc_start(h) : 0);
}

static int
vmw_claims(void *ctx, uint16_t port)
{
	(void)ctx;
	return (port == VMW_PORT || port == VMW_HBPORT);
}

static int
vmw_io(void *ctx, const struct hvsim_io *io, struct user_regs_struct *regs)
{
	return (vmw_host_io(ctx, io, regs));
}

static void
vmw_free(void *ctx)
{
	vmw_secure_rpc_stop(ctx);
	vmw_host_free(ctx);
}

static int
vmw_show(void *ctx)
{
	return (vmw_tools_show(ctx));
}

const struct hvsim_model hvsim_model_vmware = {
	.name = "vmware",
	.options = vmw_options,
	.new = vmw_new,
	.option = vmw_option,
	.init = vmw_init,
	.claims = vmw_claims,
	.io = vmw_io,
	.free = vmw_free,
	.show = vmw_show,
};
