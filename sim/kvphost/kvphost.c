/*
 * kvphost: a Hyper-V host for an unmodified hv_kvp_daemon.  It starts the
 * daemon with an LD_PRELOAD interposer (build/hv_kvp_dev.so) that turns its
 * /dev/vmbus/hv_kvp into one end of a SOCK_SEQPACKET pair, completes the
 * REGISTER1 handshake as the driver does, and sends the host's requests.
 *
 *   kvphost [-d daemon] [-p preload.so] [command ...]
 *
 * Commands, one per argument or, without arguments, one per line of stdin:
 *   set POOL KEY VALUE   prints "ok" or "error 0xSTATUS"
 *   get POOL KEY         prints "ok VALUE" or "error 0xSTATUS"
 *   delete POOL KEY      prints "ok" or "error 0xSTATUS"
 *   enum POOL            prints KEY=VALUE per item, then "end N"
 *   busy N               N rounds of enumerating Guest and setting the
 *                        External key Busy, as a busy host; prints "busy N"
 *   ipinfo MAC [FAMILY]  GET_IP_INFO: "ok family=F dhcp=D ip=... subnet=...
 *                        gateway=... dns=..." or "error 0xSTATUS"
 *   setip GUID DHCP IP SUBNET GATEWAY DNS
 *                        SET_IP_INFO ("-" for an empty list): "ok" or
 *                        "error 0xSTATUS"
 *   raw NAME=N ...       a malformed message (kvphost(1)): "status 0x..."
 *   mark NAME            prints "mark NAME"
 * Pools by number: 0 External, 1 Guest, 2 Auto, 3 Auto-external, 4 Auto-
 * internal.  Exit status 0, 1 for usage, 2 when the daemon fails us.
 *
 * Run it in a private mount namespace with its own /var/lib/hyperv: the
 * daemon keeps its pools there.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../number.h"
#include "kvphost.h"

#define KVPHOST_DAEMON	"/usr/sbin/hv_kvp_daemon"
#define KVPHOST_TIMEOUT	10000	/* ms for one answer of the daemon */
#define KVPHOST_MAXBUSY	1000000	/* rounds of one busy command */
#define KVPHOST_MAXARGS	32	/* of -d */

struct kvphost {
	int	sock;
	pid_t	daemon;
};

static void
usage(void)
{
	fprintf(stderr, "usage: kvphost [-d daemon] [-p preload.so] "
	    "[command ...]\n");
	exit(1);
}

/* One message from the daemon, whole: 0, or -1 with a message printed. */
static int
kvphost_recv(struct kvphost *h, struct hv_kvp_msg *msg)
{
	struct pollfd pfd = { .fd = h->sock, .events = POLLIN };
	ssize_t n;
	int r;

	while ((r = poll(&pfd, 1, KVPHOST_TIMEOUT)) == -1 && errno == EINTR)
		;
	if (r == 0) {
		fprintf(stderr, "kvphost: the daemon does not answer\n");
		return (-1);
	}
	n = recv(h->sock, msg, sizeof(*msg), MSG_TRUNC);
	if (n != (ssize_t)sizeof(*msg)) {
		fprintf(stderr, "kvphost: daemon message of %zd bytes, "
		    "want %zu\n", n, sizeof(*msg));
		return (-1);
	}
	return (0);
}

static int
kvphost_send(struct kvphost *h, const struct hv_kvp_msg *msg)
{
	if (send(h->sock, msg, sizeof(*msg), MSG_NOSIGNAL) !=
	    (ssize_t)sizeof(*msg)) {
		perror("kvphost: send");
		return (-1);
	}
	return (0);
}

static char *
kvphost_default_preload(void)
{
	static char path[PATH_MAX];
	char *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", path, sizeof(path) - 32)) <= 0)
		return (NULL);
	path[n] = '\0';
	if ((slash = strrchr(path, '/')) == NULL)
		return (NULL);
	strcpy(slash + 1, "hv_kvp_dev.so");
	return (path);
}

/*
 * Run DAEMON: a program alone gets -n (hv_kvp_daemon's foreground); one
 * with arguments, split at spaces, gets them instead.
 */
static void __attribute__((noreturn))
kvphost_exec(const char *daemon)
{
	char *copy, *argv[KVPHOST_MAXARGS + 2], *p;
	int n = 0;

	if ((copy = strdup(daemon)) == NULL)
		_exit(127);
	while ((p = strsep(&copy, " ")) != NULL && n < KVPHOST_MAXARGS)
		if (*p != '\0')
			argv[n++] = p;
	if (n == 0)
		_exit(127);
	if (n == 1)
		argv[n++] = "-n";
	argv[n] = NULL;
	execv(argv[0], argv);
	fprintf(stderr, "kvphost: %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

/* Start the daemon on our socket pair and register it as the driver does. */
static int
kvphost_start(struct kvphost *h, const char *daemon, const char *preload)
{
	struct hv_kvp_msg msg;
	char fdstr[16];
	int sv[2], fd;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) == -1) {
		perror("kvphost: socketpair");
		return (-1);
	}
	if ((h->daemon = fork()) == -1) {
		perror("kvphost: fork");
		return (-1);
	}
	if (h->daemon == 0) {
		/* The daemon must not outlive its host. */
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if ((fd = dup(sv[1])) == -1)
			_exit(127);
		snprintf(fdstr, sizeof(fdstr), "%d", fd);
		setenv("KVPHOST_FD", fdstr, 1);
		setenv("LD_PRELOAD", preload, 1);
		kvphost_exec(daemon);
	}
	close(sv[1]);
	h->sock = sv[0];

	if (kvphost_recv(h, &msg) != 0)
		return (-1);
	if (msg.kvp_hdr.operation != KVP_OP_REGISTER1) {
		fprintf(stderr, "kvphost: incompatible daemon: operation "
		    "%d\n", msg.kvp_hdr.operation);
		return (-1);
	}
	memset(&msg, 0, sizeof(msg));
	msg.kvp_hdr.operation = KVP_OP_REGISTER1;
	strcpy((char *)msg.body.kvp_register.version, KVPHOST_DRV_VERSION);
	return (kvphost_send(h, &msg));
}

static void
kvphost_stop(struct kvphost *h)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	int i, status;

	/* A closed device makes the daemon's read fail, and it exits. */
	close(h->sock);
	for (i = 0; i < 300; i++) {
		if (waitpid(h->daemon, &status, WNOHANG) == h->daemon)
			return;
		nanosleep(&ts, NULL);
	}
	kill(h->daemon, SIGKILL);
	waitpid(h->daemon, &status, 0);
}

/* One host transaction: 0 with REPLY filled, -1 on transport failure. */
static int
kvphost_transact(struct kvphost *h, int op, int pool, uint32_t index,
    const char *key, const char *value, struct kvphost_reply *reply)
{
	struct hv_kvp_msg req, ans;

	if (kvphost_request(&req, op, pool, index, key, value) != 0) {
		memset(reply, 0, sizeof(*reply));
		reply->status = HV_E_FAIL;	/* the host would refuse it */
		return (0);
	}
	if (kvphost_send(h, &req) != 0 || kvphost_recv(h, &ans) != 0)
		return (-1);
	kvphost_response(&req, &ans, reply);
	return (0);
}

/* Enumerate POOL; print the items when PRINT.  Items, or -1. */
static long
kvphost_enum(struct kvphost *h, int pool, int print)
{
	struct kvphost_reply r;
	uint32_t i;

	for (i = 0;; i++) {
		if (kvphost_transact(h, KVP_OP_ENUMERATE, pool, i, NULL, NULL,
		    &r) != 0)
			return (-1);
		if (r.status == HV_S_CONT)
			break;
		if (r.status != HV_S_OK) {
			if (print)
				printf("error 0x%08x at %u\n", r.status, i);
			return (i);
		}
		if (print)
			printf("%s=%s\n", r.key, r.value);
	}
	if (print)
		printf("end %u\n", i);
	return (i);
}

/* "-" for an empty list in a command. */
static const char *
kvphost_list(const char *s)
{
	return (s == NULL || strcmp(s, "-") == 0 ? "" : s);
}

/* ipinfo MAC [FAMILY]: the host asks for a NIC's IP configuration. */
static int
kvphost_ipinfo(struct kvphost *h, const char *mac, const char *family)
{
	struct hv_kvp_msg req, ans;
	struct kvphost_ipreply *r;
	unsigned long f = 0;

	if (family != NULL && sim_number(family, 0, 255, &f) == -1) {
		sim_number_error("kvphost", "ipinfo family", family, 0, 255);
		return (1);
	}
	if (kvphost_ip_request(&req, KVP_OP_GET_IP_INFO, mac, (int)f, 0, "",
	    "", "", "") != 0) {
		printf("error 0x%08x\n", HV_E_FAIL);
		return (0);
	}
	if (kvphost_send(h, &req) != 0 || kvphost_recv(h, &ans) != 0)
		return (2);
	if ((r = malloc(sizeof(*r))) == NULL)
		return (2);
	kvphost_ip_response(&ans, r);
	if (r->status != HV_S_OK)
		printf("error 0x%08x\n", r->status);
	else
		printf("ok family=%u dhcp=%u ip=%s subnet=%s gateway=%s "
		    "dns=%s\n", r->family, r->dhcp, r->ip, r->subnet,
		    r->gateway, r->dns);
	free(r);
	return (0);
}

/* setip GUID DHCP IP SUBNET GATEWAY DNS: the host configures a NIC. */
static int
kvphost_setip(struct kvphost *h, const char *guid, const char *dhcp,
    char *rest)
{
	struct hv_kvp_msg req, ans;
	char *f[4];
	int i;

	for (i = 0; i < 4; i++)
		f[i] = rest != NULL ? strsep(&rest, " ") : NULL;
	if (f[3] == NULL || (strcmp(dhcp, "0") != 0 &&
	    strcmp(dhcp, "1") != 0)) {
		fprintf(stderr, "kvphost: setip GUID 0|1 IP SUBNET GATEWAY "
		    "DNS\n");
		return (1);
	}
	if (kvphost_ip_request(&req, KVP_OP_SET_IP_INFO, guid, 0,
	    dhcp[0] == '1', kvphost_list(f[0]), kvphost_list(f[1]),
	    kvphost_list(f[2]), kvphost_list(f[3])) != 0) {
		printf("error 0x%08x\n", HV_E_FAIL);
		return (0);
	}
	if (kvphost_send(h, &req) != 0 || kvphost_recv(h, &ans) != 0)
		return (2);
	if ((uint32_t)ans.error != HV_S_OK)
		printf("error 0x%08x\n", (uint32_t)ans.error);
	else
		printf("ok\n");
	return (0);
}

/*
 * raw NAME=N...: a message no driver sends, for the daemon's checks: len
 * (bytes sent), op, pool, index, ksize and klen (key_size, and bytes of
 * 'k' in the key field, of the SET and GET layout or of DELETE's), vsize
 * and vlen (the same for the value), alen (bytes of 'a' in the adapter
 * id).  Prints the status of the answer.
 */
static int
kvphost_raw(struct kvphost *h, char *a1, char *a2, char *rest)
{
	static const char *const names[] = { "len", "op", "pool", "index",
	    "ksize", "klen", "vsize", "vlen", "alen" };
	static const unsigned long max[] = { sizeof(struct hv_kvp_msg) + 64,
	    255, 255, 0xffffffffUL, 0xffffffffUL, HV_KVP_EXCHANGE_MAX_KEY_SIZE,
	    0xffffffffUL, HV_KVP_EXCHANGE_MAX_VALUE_SIZE,
	    sizeof(((struct hv_kvp_ipaddr_value *)0)->adapter_id) };
	unsigned long v[9] = { sizeof(struct hv_kvp_msg), 0, 0, 0, 0, 0, 0,
	    0, 0 };
	char *tok, *eq, buf[sizeof(struct hv_kvp_msg) + 64];
	struct hv_kvp_msg *m = (struct hv_kvp_msg *)buf, ans;
	size_t i;

	for (tok = a1; tok != NULL; tok = a2, a2 = rest != NULL ?
	    strsep(&rest, " ") : NULL) {
		if ((eq = strchr(tok, '=')) == NULL)
			goto bad;
		*eq++ = '\0';
		for (i = 0; i < 9 && strcmp(tok, names[i]) != 0; i++)
			;
		if (i == 9 || sim_number(eq, i == 0, max[i], &v[i]) == -1)
			goto bad;
	}
	memset(buf, 0, sizeof(buf));
	m->kvp_hdr.operation = v[1];
	m->kvp_hdr.pool = v[2];
	if (v[1] == KVP_OP_DELETE) {
		m->body.kvp_delete.key_size = v[4];
		memset(m->body.kvp_delete.key, 'k', v[5]);
	} else if (v[1] == KVP_OP_ENUMERATE)
		m->body.kvp_enum_data.index = v[3];
	else if (v[1] == KVP_OP_GET_IP_INFO || v[1] == KVP_OP_SET_IP_INFO)
		memset(m->body.kvp_ip_val.adapter_id, 'a', v[8]);
	else {
		m->body.kvp_set.data.key_size = v[4];
		memset(m->body.kvp_set.data.key, 'k', v[5]);
		m->body.kvp_set.data.value_size = v[6];
		memset(m->body.kvp_set.data.value, 'v', v[7]);
	}
	if (send(h->sock, buf, v[0], MSG_NOSIGNAL) != (ssize_t)v[0]) {
		perror("kvphost: send");
		return (2);
	}
	if (kvphost_recv(h, &ans) != 0)
		return (2);
	printf("status 0x%08x\n", (uint32_t)ans.error);
	return (0);
 bad:
	fprintf(stderr, "kvphost: raw: want NAME=N of len (1 up), op, pool, "
	    "index, ksize, klen, vsize, vlen, alen\n");
	return (1);
}

static int
kvphost_pool(const char *s)
{
	if (s == NULL || s[0] < '0' || s[0] > '4' || s[1] != '\0')
		return (-1);
	return (s[0] - '0');
}

/* Run one command line; 0, 1 for a bad command, 2 for a failed daemon. */
static int
kvphost_command(struct kvphost *h, char *line)
{
	struct kvphost_reply r;
	char *cmd, *a1, *a2, *rest = line, buf[64];
	int pool, op;
	unsigned long n, i;

	line[strcspn(line, "\n")] = '\0';
	cmd = strsep(&rest, " ");
	a1 = rest ? strsep(&rest, " ") : NULL;
	a2 = rest ? strsep(&rest, " ") : NULL;
	if (strcmp(cmd, "busy") == 0 && a1 != NULL) {
		if (sim_number(a1, 0, KVPHOST_MAXBUSY, &n) == -1) {
			sim_number_error("kvphost", "busy", a1, 0,
			    KVPHOST_MAXBUSY);
			return (1);
		}
		for (i = 0; i < n; i++) {
			snprintf(buf, sizeof(buf), "round %lu", i);
			if (kvphost_enum(h, 1, 0) < 0 ||
			    kvphost_transact(h, KVP_OP_SET, 0, 0, "Busy", buf,
			    &r) != 0)
				return (2);
			if (r.status != HV_S_OK) {
				printf("error 0x%08x in round %lu\n",
				    r.status, i);
				return (0);
			}
		}
		printf("busy %lu\n", n);
		return (0);
	}
	/* A script's own marks between its cases. */
	if (strcmp(cmd, "mark") == 0 && a1 != NULL && a2 == NULL) {
		printf("mark %s\n", a1);
		return (0);
	}
	if (strcmp(cmd, "ipinfo") == 0 && a1 != NULL)
		return (kvphost_ipinfo(h, a1, a2));
	if (strcmp(cmd, "setip") == 0 && a1 != NULL && a2 != NULL)
		return (kvphost_setip(h, a1, a2, rest));
	if (strcmp(cmd, "raw") == 0 && a1 != NULL)
		return (kvphost_raw(h, a1, a2, rest));
	if ((pool = kvphost_pool(a1)) < 0) {
		fprintf(stderr, "kvphost: bad command: %s\n", cmd);
		return (1);
	}
	if (strcmp(cmd, "enum") == 0)
		return (kvphost_enum(h, pool, 1) < 0 ? 2 : 0);
	if (a2 == NULL)
		return (1);
	if (strcmp(cmd, "set") == 0 && rest != NULL)
		op = KVP_OP_SET;
	else if (strcmp(cmd, "get") == 0)
		op = KVP_OP_GET;
	else if (strcmp(cmd, "delete") == 0)
		op = KVP_OP_DELETE;
	else {
		fprintf(stderr, "kvphost: bad command: %s\n", cmd);
		return (1);
	}
	if (kvphost_transact(h, op, pool, 0, a2, rest, &r) != 0)
		return (2);
	if (r.status != HV_S_OK)
		printf("error 0x%08x\n", r.status);
	else if (op == KVP_OP_GET)
		printf("ok %s\n", r.value);
	else
		printf("ok\n");
	return (0);
}

int
main(int argc, char *argv[])
{
	struct kvphost h = { .sock = -1, .daemon = 0 };
	const char *daemon = KVPHOST_DAEMON, *preload = NULL;
	char *line = NULL;
	size_t cap = 0;
	int ch, i, rc = 0;

	while ((ch = getopt(argc, argv, "d:p:")) != -1) {
		switch (ch) {
		case 'd':
			daemon = optarg;
			break;
		case 'p':
			preload = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (preload == NULL && (preload = kvphost_default_preload()) == NULL)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	if (kvphost_start(&h, daemon, preload) != 0) {
		if (h.daemon > 0) {
			kill(h.daemon, SIGKILL);
			waitpid(h.daemon, NULL, 0);
		}
		return (2);
	}
	if (argc > 0)
		for (i = 0; i < argc && rc != 2; i++) {
			char *copy = strdup(argv[i]);

			if (copy == NULL)
				rc = 2;
			else if ((ch = kvphost_command(&h, copy)) != 0)
				rc = ch;
			free(copy);
		}
	else
		while (rc != 2 && getline(&line, &cap, stdin) != -1)
			if ((ch = kvphost_command(&h, line)) != 0)
				rc = ch;
	free(line);
	kvphost_stop(&h);
	return (rc);
}
