/*
 * The MESSAGE/RPCI client and the guestinfo store of libpvbus against the
 * VMware host model of hvsim, in one process: the model's io() stands in
 * for the backdoor instructions, so every register and byte the library
 * exchanges goes through the same code hvsim runs.
 */
#include <sys/time.h>
#include <bsd/string.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "vmware_rpc.h"
#include "../../sim/hvsim/vmware_host.h"

/* The host the cases talk to (a fresh one from host()). */
static struct vmw_host *vmw;

/* The traced program is this process: its memory is ours. */
int
hvsim_mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	(void)pid;
	memcpy(buf, (const void *)(uintptr_t)addr, len);
	return (0);
}

int
hvsim_mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	(void)pid;
	memcpy((void *)(uintptr_t)addr, buf, len);
	return (0);
}

static int faults;	/* accesses the model refused (SIGSEGV in hvsim) */

static void
model_call(struct pv_bd_regs *r, uint16_t port, int string, int out,
    unsigned int size)
{
	struct user_regs_struct u;
	struct hvsim_io io = {
		.pid = getpid(), .port = port, .size = size, .out = out,
		.string = string, .rep = string, .len = string ? 2 : 1,
	};

	memset(&u, 0, sizeof(u));
	u.rax = r->ax;
	u.rbx = r->bx;
	u.rcx = r->cx;
	u.rdx = r->dx;
	u.rsi = r->si;
	u.rdi = r->di;
	u.rbp = r->bp;
	if (vmw_host_io(vmw, &io, &u) != 0) {
		faults++;
		return;
	}
	r->ax = u.rax;
	r->bx = u.rbx;
	r->cx = u.rcx;
	r->dx = u.rdx;
	r->si = u.rsi;
	r->di = u.rdi;
	r->bp = u.rbp;
}

static void
m_in(void *ctx, struct pv_bd_regs *r)
{
	(void)ctx;
	model_call(r, r->dx & 0xffff, 0, 0, 4);
}

static void
m_hb_out(void *ctx, struct pv_bd_regs *r)
{
	(void)ctx;
	model_call(r, r->dx & 0xffff, 1, 1, 1);
}

static void
m_hb_in(void *ctx, struct pv_bd_regs *r)
{
	(void)ctx;
	model_call(r, r->dx & 0xffff, 1, 0, 1);
}

static const struct pv_vmw_transport model = { m_in, m_hb_out, m_hb_in, NULL };

/* A fresh host with the given options. */
static void
host(int no_hb, int no_cookies, unsigned long cpt, unsigned int maxch)
{
	vmw_host_free(vmw);
	if ((vmw = vmw_host_new()) == NULL)
		abort();
	vmw->no_hb = no_hb;
	vmw->no_cookies = no_cookies;
	vmw->cpt_every = cpt;
	vmw->max_channels = maxch;
}

/* The same host started again: the table is what its state file holds. */
static void
restart(void)
{
	const char *state = vmw->state;

	host(0, 0, 0, VMW_MAXCHANNELS);
	vmw->state = state;
}

static unsigned int
open_channels(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < VMW_MAXCHANNELS; i++)
		n += vmw->chans[i].used;
	return (n);
}

static const char *
host_value(const char *key)
{
	struct vmw_entry *e = vmw_host_lookup(vmw, key, strlen(key));

	return (e ? (const char *)e->value : NULL);
}

static void
test_result_parse(void)
{
	static const struct {
		const char	*reply;
		size_t		 len;
		int		 error;
		const char	*text;
	} cases[] = {
		{ "1 hello world", 13, 0, "hello world" },
		{ "1 ", 2, 0, "" },
		{ "1", 1, 0, "" },
		{ "0 No value found", 16, ENOENT, "No value found" },
		{ "0 Permission denied", 19, EACCES, "Permission denied" },
		{ "0 Unknown command", 17, EINVAL, "Unknown command" },
		{ "0 No value found!", 17, EINVAL, "No value found!" },
		{ "", 0, EIO, NULL },
		{ "hello", 5, EIO, NULL },
		{ "1x", 2, EIO, NULL },
		{ "2 x", 3, EIO, NULL },
		{ "1 a\0b", 5, EIO, NULL },
	};
	const char *text;
	size_t i, tlen;
	char name[64];
	int error;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		error = pv_vmw_rpci_result(cases[i].reply, cases[i].len,
		    &text, &tlen);
		snprintf(name, sizeof(name), "rpci result %zu", i);
		CHECK(name, error == cases[i].error && (cases[i].text == NULL ||
		    (tlen == strlen(cases[i].text) &&
		    memcmp(text, cases[i].text, tlen) == 0)));
	}
}

static void
test_bad_keys(void)
{
	static const struct {
		const char	*key;
		enum pvbus_kvop	 op;
		int		 error;
	} cases[] = {
		{ "guestinfo.x", PVBUS_KVREAD, 0 },
		{ "guestinfo.a.b-c_d", PVBUS_KVWRITE, 0 },
		{ "guestinfo.\xc3\xa9t\xc3\xa9", PVBUS_KVWRITE, 0 },
		{ "guestinfo.a b", PVBUS_KVWRITE, EINVAL },
		{ "guestinfo.a b", PVBUS_KVREAD, EINVAL },
		{ "guestinfo.a\nb", PVBUS_KVWRITE, EINVAL },
		{ "guestinfo.a\tb", PVBUS_KVREAD, EINVAL },
		{ "guestinfo.a\x7f", PVBUS_KVWRITE, EINVAL },
		{ "", PVBUS_KVREAD, EINVAL },
		{ "guestinfo.", PVBUS_KVREAD, EOPNOTSUPP },
		{ "guestinfo.", PVBUS_KVWRITE, EINVAL },
		{ "guestinfo.dir.", PVBUS_KVREAD, EOPNOTSUPP },
	};
	char name[64], value[16];
	size_t i;
	unsigned long calls;
	int error;

	host(0, 0, 0, VMW_MAXCHANNELS);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(name, sizeof(name), "key check %zu", i);
		CHECK(name, pv_guestinfo_check_key(cases[i].key, cases[i].op) ==
		    cases[i].error);
		if (cases[i].error == 0)
			continue;
		/* Refused keys send nothing and set nothing. */
		calls = vmw->calls;
		strlcpy(value, "v", sizeof(value));
		error = pv_guestinfo_op(&model, cases[i].op, cases[i].key,
		    value, sizeof(value));
		snprintf(name, sizeof(name), "bad key %zu sends nothing", i);
		CHECK(name, error == cases[i].error && vmw->calls == calls &&
		    vmw->nentries == 0);
	}
}

/* Write then read back a value of LEN bytes under each host flavour. */
static void
test_roundtrip(void)
{
	static const struct {
		const char	*name;
		int		 no_hb, no_cookies;
		unsigned long	 cpt;
	} hosts[] = {
		{ "hb", 0, 0, 0 },
		{ "lb", 1, 0, 0 },
		{ "no-cookies", 0, 1, 0 },
		{ "hb-cpt2", 0, 0, 2 },
		{ "lb-cpt2", 1, 0, 2 },
		{ "lb-cpt3", 1, 1, 3 },
	};
	static const size_t sizes[] = { 1, 3, 4, 5, 4096, 60000 };
	char name[96], *in, *out;
	size_t h, s, len, j;
	int ew, er;

	in = malloc(PVBUS_KVOP_MAXSIZE);
	out = malloc(PVBUS_KVOP_MAXSIZE);
	if (in == NULL || out == NULL)
		abort();
	for (h = 0; h < sizeof(hosts) / sizeof(hosts[0]); h++) {
		host(hosts[h].no_hb, hosts[h].no_cookies, hosts[h].cpt,
		    VMW_MAXCHANNELS);
		for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
			len = sizes[s];
			/* Every byte but NUL, spaces and newlines included. */
			for (j = 0; j < len; j++)
				in[j] = 1 + (j * 7 + s) % 255;
			in[len] = '\0';
			ew = pv_guestinfo_op(&model, PVBUS_KVWRITE,
			    "guestinfo.rt", in, len + 1);
			snprintf(name, sizeof(name), "%s: write %zu exact "
			    "length", hosts[h].name, len);
			CHECK(name, ew == 0 && in[0] == '\0' &&
			    vmw->last_msglen == strlen("info-set guestinfo.rt ") +
			    len);
			for (j = 0; j < len; j++)	/* the echo cleared it */
				in[j] = 1 + (j * 7 + s) % 255;
			memset(out, 'x', PVBUS_KVOP_MAXSIZE);
			er = pv_guestinfo_op(&model, PVBUS_KVREAD,
			    "guestinfo.rt", out, PVBUS_KVOP_MAXSIZE);
			snprintf(name, sizeof(name), "%s: read %zu back",
			    hosts[h].name, len);
			CHECK(name, er == 0 && strlen(out) == len &&
			    memcmp(in, out, len) == 0 &&
			    vmw->last_msglen == strlen("info-get guestinfo.rt"));
		}
		snprintf(name, sizeof(name), "%s: channels closed",
		    hosts[h].name);
		CHECK(name, open_channels() == 0 && faults == 0);
		if (hosts[h].cpt)
			CHECK("checkpoints happened", vmw->transfers >=
			    2 * hosts[h].cpt);
	}
	free(in);
	free(out);
}

static void
test_calls(void)
{
	char *v = malloc(PVBUS_KVOP_MAXSIZE);

	if (v == NULL)
		abort();
	/* HB read: open, sendsize, hb, recvsize, hb, recvstatus, close. */
	host(0, 0, 0, VMW_MAXCHANNELS);
	memset(v, 'a', 60000);
	v[60000] = '\0';
	vmw_host_set(vmw, "guestinfo.big", 13, v, 60000);
	vmw->calls = 0;
	CHECK("hb read 60000", pv_guestinfo_op(&model, PVBUS_KVREAD,
	    "guestinfo.big", v, PVBUS_KVOP_MAXSIZE) == 0 && strlen(v) == 60000);
	CHECK("hb read takes 7 backdoor calls", vmw->calls == 7);
	free(v);
}

static void
test_errors(void)
{
	char v[64];
	struct pv_vmw_chan held[2];
	int error;

	host(0, 0, 0, VMW_MAXCHANNELS);
	vmw_host_set(vmw, "guestinfo.x", 11, "12345678", 8);
	CHECK("missing key ENOENT", pv_guestinfo_op(&model, PVBUS_KVREAD,
	    "guestinfo.nope", v, sizeof(v)) == ENOENT && v[0] == '\0');
	CHECK("short buffer ERANGE", pv_guestinfo_op(&model, PVBUS_KVREAD,
	    "guestinfo.x", v, 8) == ERANGE);
	CHECK("exact buffer fits", pv_guestinfo_op(&model, PVBUS_KVREAD,
	    "guestinfo.x", v, 9) == 0 && strcmp(v, "12345678") == 0);
	CHECK("unprefixed key sent as given", pv_guestinfo_op(&model,
	    PVBUS_KVREAD, "x", v, sizeof(v)) == ENOENT);
	strlcpy(v, "val", sizeof(v));
	CHECK("host refusal EINVAL", pv_guestinfo_op(&model, PVBUS_KVWRITE,
	    "other.x", v, sizeof(v)) == EINVAL && host_value("other.x") == NULL);

	{
		size_t big = PVBUS_KVOP_MAXSIZE + 10;
		char *b = malloc(big);
		unsigned long calls = vmw->calls;

		memset(b, 'b', big - 1);
		b[big - 1] = '\0';
		CHECK("value over 64 KiB E2BIG", pv_guestinfo_op(&model,
		    PVBUS_KVWRITE, "guestinfo.big", b, big) == E2BIG &&
		    vmw->calls == calls && host_value("guestinfo.big") == NULL);
		b[PVBUS_KVOP_MAXSIZE - 1] = '\0';
		CHECK("value of 64 KiB - 1 fits", pv_guestinfo_op(&model,
		    PVBUS_KVWRITE, "guestinfo.big", b, big) == 0);
		memset(b, 0, big);
		CHECK("and reads back", pv_guestinfo_op(&model, PVBUS_KVREAD,
		    "guestinfo.big", b, PVBUS_KVOP_MAXSIZE) == 0 &&
		    strlen(b) == PVBUS_KVOP_MAXSIZE - 1);
		free(b);
	}

	vmw->secure_rpc = 1;
	strlcpy(v, "new", sizeof(v));
	CHECK("secure rpc write EACCES", pv_guestinfo_op(&model,
	    PVBUS_KVWRITE, "guestinfo.x", v, sizeof(v)) == EACCES &&
	    strcmp(host_value("guestinfo.x"), "12345678") == 0);
	CHECK("secure rpc read EACCES", pv_guestinfo_op(&model, PVBUS_KVREAD,
	    "guestinfo.x", v, sizeof(v)) == EACCES);
	vmw->secure_rpc = 0;

	vmw->fault = FAULT_NOPREFIX;
	strlcpy(v, "new", sizeof(v));
	CHECK("reply without 1 is EIO", pv_guestinfo_op(&model, PVBUS_KVWRITE,
	    "guestinfo.x", v, sizeof(v)) == EIO &&
	    strcmp(host_value("guestinfo.x"), "12345678") == 0);
	vmw->fault = FAULT_HUGE;
	CHECK("reply longer than any is EIO", pv_guestinfo_op(&model,
	    PVBUS_KVREAD, "guestinfo.x", v, sizeof(v)) == EIO &&
	    !vmw->chans[0].replying);
	vmw->fault = FAULT_CLOSE;
	strlcpy(v, "a value long enough to be cut", sizeof(v));
	CHECK("channel closed mid-send is EIO", pv_guestinfo_op(&model,
	    PVBUS_KVWRITE, "guestinfo.x", v, sizeof(v)) == EIO &&
	    strcmp(host_value("guestinfo.x"), "12345678") == 0);
	vmw->no_hb = 1;
	strlcpy(v, "a value long enough to be cut", sizeof(v));
	CHECK("channel closed mid-send (lb) is EIO", pv_guestinfo_op(&model,
	    PVBUS_KVWRITE, "guestinfo.x", v, sizeof(v)) == EIO &&
	    strcmp(host_value("guestinfo.x"), "12345678") == 0);
	vmw->no_hb = 0;
	vmw->fault = FAULT_NONE;
	CHECK("faults leave no channel open", open_channels() == 0);

	/* Two channels held by someone else fill a host of two. */
	host(0, 0, 0, 2);
	vmw_host_set(vmw, "guestinfo.x", 11, "1", 1);
	CHECK("hold channel 1", pv_vmw_open(&model, PV_VMW_PROTO_TCLO,
	    &held[0]) == 0);
	CHECK("hold channel 2", pv_vmw_open(&model, PV_VMW_PROTO_TCLO,
	    &held[1]) == 0);
	strlcpy(v, "2", sizeof(v));
	error = pv_guestinfo_op(&model, PVBUS_KVWRITE, "guestinfo.x", v,
	    sizeof(v));
	CHECK("channel limit is EIO", error == EIO &&
	    strcmp(host_value("guestinfo.x"), "1") == 0);
	CHECK("idle tclo has nothing", pv_vmw_send(&held[0], "", 0) == 0 &&
	    pv_vmw_recv(&held[0], v, sizeof(v), &(size_t){ 0 }) == 0 &&
	    v[0] == '\0');
	CHECK("close held", pv_vmw_close(&held[0]) == 0 &&
	    pv_vmw_close(&held[1]) == 0);
	CHECK("closed twice is EIO", pv_vmw_close(&held[1]) == EIO);
	strlcpy(v, "2", sizeof(v));
	CHECK("free again after close", pv_guestinfo_op(&model, PVBUS_KVWRITE,
	    "guestinfo.x", v, sizeof(v)) == 0 &&
	    strcmp(host_value("guestinfo.x"), "2") == 0);

	host(0, 0, 0, 0);
	CHECK("no channels at all is EIO", pv_guestinfo_op(&model,
	    PVBUS_KVREAD, "guestinfo.x", v, sizeof(v)) == EIO);
	CHECK("the model faulted nothing", faults == 0);
}

/* A read refused with ERANGE keeps nothing: the retry asks the host. */
static void
test_erange_fresh(void)
{
	char small[8], big[64];
	unsigned long calls;

	host(0, 0, 0, VMW_MAXCHANNELS);
	vmw_host_set(vmw, "guestinfo.k", 11, "0123456789abcdef", 16);
	CHECK("ERANGE: short buffer", pv_guestinfo_op(&model, PVBUS_KVREAD,
	    "guestinfo.k", small, sizeof(small)) == ERANGE && small[0] == '\0');
	calls = vmw->calls;
	vmw_host_set(vmw, "guestinfo.k", 11, "changed", 7);
	CHECK("ERANGE: the retry sees the host's new value", pv_guestinfo_op(
	    &model, PVBUS_KVREAD, "guestinfo.k", big, sizeof(big)) == 0 &&
	    strcmp(big, "changed") == 0 && vmw->calls > calls);
}

static void
test_version(void)
{
	uint32_t version = 0, type = 0;

	host(0, 0, 0, VMW_MAXCHANNELS);
	CHECK("getversion", pv_vmw_getversion(&model, &version, &type) == 0 &&
	    version == PV_VMW_VERSION_MAGIC && type == PV_VMW_TYPE_ESX);
}

/* GET_TIME_FULL answers the host's time and leaves EAX alone. */
static void
test_time(void)
{
	struct pv_bd_regs r = { .ax = PV_BD_MAGIC, .cx = PV_VMW_CMD_GETTIMEFULL,
	    .dx = PV_BD_PORT };
	struct timeval before, after;
	uint64_t sec;

	gettimeofday(&before, NULL);
	m_in(NULL, &r);
	gettimeofday(&after, NULL);
	sec = (uint64_t)(uint32_t)r.si << 32 | (uint32_t)r.dx;
	CHECK("get_time_full", (uint32_t)r.ax == PV_BD_MAGIC &&
	    sec >= (uint64_t)before.tv_sec && sec <= (uint64_t)after.tv_sec &&
	    r.bx < 1000000);
}

/* --state keeps the table across hosts; a foreign file is refused. */
static void
test_state(void)
{
	char path[] = "/tmp/vmware_rpc.XXXXXX", v[32];
	int fd;
	FILE *f;

	if ((fd = mkstemp(path)) == -1)
		abort();
	close(fd);
	unlink(path);
	host(0, 0, 0, VMW_MAXCHANNELS);
	vmw->state = path;
	CHECK("state: new file", vmw_host_init(vmw) == 0);
	strlcpy(v, "line one\nline two", sizeof(v));
	CHECK("state: set", pv_guestinfo_op(&model, PVBUS_KVWRITE,
	    "guestinfo.s", v, sizeof(v)) == 0);
	restart();
	CHECK("state: reload", vmw_host_init(vmw) == 0);
	CHECK("state: survives", pv_guestinfo_op(&model, PVBUS_KVREAD,
	    "guestinfo.s", v, sizeof(v)) == 0 &&
	    strcmp(v, "line one\nline two") == 0);
	restart();
	vmw_host_option(vmw, OPT_GUESTINFO, "guestinfo.s=preset");
	CHECK("state: preset overrides", vmw_host_init(vmw) == 0 &&
	    strcmp(host_value("guestinfo.s"), "preset") == 0);
	restart();
	if ((f = fopen(path, "w")) != NULL) {
		fputs("something else\n", f);
		fclose(f);
	}
	fprintf(stderr, "(a refusal message follows)\n");
	CHECK("state: foreign file refused", vmw_host_init(vmw) == -1);
	vmw->state = NULL;
	unlink(path);
	CHECK("options: bad numbers refused",
	    vmw_host_option(vmw, OPT_CPT, "1") == -1 &&
	    vmw_host_option(vmw, OPT_MAX_CHANNELS, "129") == -1 &&
	    vmw_host_option(vmw, OPT_MAX_CHANNELS, "x") == -1 &&
	    vmw_host_option(vmw, OPT_FAULT, "nonsense") == -1 &&
	    vmw_host_option(vmw, OPT_GUESTINFO, "=x") == -1);
	CHECK("options: signs, blanks and wrapping numbers refused",
	    vmw_host_option(vmw, OPT_CPT, "-1") == -1 &&
	    vmw_host_option(vmw, OPT_CPT, "18446744073709551617") == -1 &&
	    vmw_host_option(vmw, OPT_CPT, "+5") == -1 &&
	    vmw_host_option(vmw, OPT_CPT, " 5") == -1 &&
	    vmw_host_option(vmw, OPT_MAX_CHANNELS, "-0") == -1 &&
	    vmw_host_option(vmw, OPT_MAX_CHANNELS, "18446744073709551744") ==
	    -1 && vmw->cpt_every == 0 && vmw->max_channels == VMW_MAXCHANNELS);
	CHECK("options: numbers in range taken",
	    vmw_host_option(vmw, OPT_CPT, "1000000000") == 0 &&
	    vmw->cpt_every == 1000000000 &&
	    vmw_host_option(vmw, OPT_MAX_CHANNELS, "0") == 0 &&
	    vmw->max_channels == 0);
}

/*
 * The real probe on this machine: without a VMware backdoor the child
 * dies of SIGSEGV and this process carries on.  QEMU's vmport may answer
 * (version 6); a VMware host must.
 */
static void
test_probe(void)
{
	uint32_t r[4], version = 0, type = 0;
	char sig[13];
	int error;

	error = pv_vmw_probe(&version, &type);
#if defined(__x86_64__)
	__asm__ volatile("cpuid" : "=a" (r[0]), "=b" (r[1]), "=c" (r[2]),
	    "=d" (r[3]) : "a" (0x40000000u), "c" (0));
#else
	memset(r, 0, sizeof(r));
#endif
	memcpy(sig, &r[1], 4);
	memcpy(sig + 4, &r[2], 4);
	memcpy(sig + 8, &r[3], 4);
	sig[12] = '\0';
	if (strcmp(sig, "VMwareVMware") == 0)
		CHECK("probe on VMware answers", error == 0 &&
		    version == PV_VMW_VERSION_MAGIC);
	else
		CHECK("probe without VMware survives", error == ENODEV ||
		    error == ENOTSUP || (error == 0 && version == 6));
}

int
main(void)
{
	test_result_parse();
	test_bad_keys();
	test_version();
	test_time();
	test_state();
	test_roundtrip();
	test_calls();
	test_erange_fresh();
	test_errors();
	test_probe();
	vmw_host_free(vmw);
	return (CHECK_EXIT());
}
