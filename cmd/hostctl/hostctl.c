/*
 * hostctl: read and write the hypervisor's information store, as OpenBSD's
 * hostctl(8), through /dev/pvbusN when it is a character device (pvbusd) and
 * through libpvbus in the same process otherwise.  -l and -j show the tree.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/err.h>
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/vis.h>

#include "pvbus.h"
#include "hostctl.h"

#define KVBUFSZ		4096			/* first read buffer */

/* A pvbus unit reached through a device or the library. */
struct bus_handle {
	const char	*path;
	int		 fd;		/* device mode, else -1 */
	struct pvbus	*bus;		/* in-process mode */
	size_t		 unit;
	struct pvbus_options opts;
};

/* What the command line asks for. */
struct args {
	const char	*in;
	const char	*out;
	int		 qflag, tflag, lflag, jflag, sflag, vflag, wflag;
	int		 timeout_ms;	/* -W, or -1 */
	int		 inprocess;	/* -C or -r: never a device */
	int		 argc;		/* key and value */
	char	       **argv;
};

/*
 * The output.  It is opened before the host is asked anything, so that a bad
 * path fails first, and truncated only when there is a result; a file that
 * hostctl created is removed again when none comes.
 */
struct output {
	const char	*path;		/* as given, NULL for stdout */
	FILE		*fp;
	int		 fd;		/* -1: stdout */
	int		 created;
};

/* A mode's result that asks for the usage message. */
#define RC_USAGE	2

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-jlqstv] [-C cpuid-dump] [-f device] "
	    "[-i input] [-o output]\n\t       [-r root] key [value]\n"
	    "       %s -w [-jq] [-C cpuid-dump] [-f device] [-o output] "
	    "[-r root]\n\t       [-W seconds] key\n",
	    getprogname(), getprogname());
	exit(1);
}

/* Report ERROR as err(3) would, for a mode to return 1 with. */
static int __attribute__((format(printf, 2, 3)))
fail(int error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnc(error, fmt, ap);
	va_end(ap);
	return (1);
}

/* Report a message as errx(3) would, for a mode to return 1 with. */
static int __attribute__((format(printf, 1, 2)))
failx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarnx(fmt, ap);
	va_end(ap);
	return (1);
}

/* "/dev/pvbus3" names unit 3 of the in-process bus; nothing else does. */
static int
unit_number(const char *path, size_t *unit)
{
	static const char prefix[] = "/dev/pvbus";
	const char *p = path + sizeof(prefix) - 1;
	char *end;
	unsigned long n;

	if (strncmp(path, prefix, sizeof(prefix) - 1) != 0 ||
	    *p < '0' || *p > '9' || (*p == '0' && p[1] != '\0'))
		return (-1);
	errno = 0;
	n = strtoul(p, &end, 10);
	if (errno != 0 || *end != '\0')
		return (-1);
	*unit = n;
	return (0);
}

/*
 * Whether to open PATH as it is (pvbusd's device, or any other file, whose
 * ioctl then fails as on OpenBSD) rather than use the library's unit: a
 * /dev/pvbusN that is not a character device is the library's.
 */
static int
is_device(const char *path)
{
	struct stat st;
	size_t unit;

	if (unit_number(path, &unit) == -1)
		return (1);
	return (stat(path, &st) == 0 && S_ISCHR(st.st_mode));
}

/* A root prefix must be a directory. */
static int
root_check(const char *root)
{
	struct stat st;

	if (stat(root, &st) == -1)
		return (errno);
	return (S_ISDIR(st.st_mode) ? 0 : ENOTDIR);
}

/*
 * Open the unit.  ENODEV when there is no hypervisor at all and ENXIO for a
 * unit number with no interface, as OpenBSD's pvbusopen.
 */
static int
bus_open(struct bus_handle *h, int flags)
{
	if (h->bus == NULL) {
		if ((h->fd = open(h->path, flags | O_CLOEXEC)) == -1)
			return (errno);
		return (0);
	}
	h->fd = -1;
	if (unit_number(h->path, &h->unit) == -1)
		return (ENOENT);
	if (pvbus_nunits(h->bus) == 0)
		return (ENODEV);
	if (h->unit >= pvbus_nunits(h->bus))
		return (ENXIO);
	return (0);
}

/* The in-process bus; its errors are those of the CPUID dump. */
static int
bus_load(struct bus_handle *h)
{
	char why[256];
	int error;

	if ((error = pvbus_open(&h->bus, &h->opts)) == 0)
		return (0);
	if (error == EINVAL && h->opts.cpuid_dump != NULL &&
	    pvbus_cpuid_dump_check(h->opts.cpuid_dump, why, sizeof(why)) ==
	    EINVAL)
		return (failx("%s: %s", h->opts.cpuid_dump, why));
	return (fail(error, "%s",
	    h->opts.cpuid_dump ? h->opts.cpuid_dump : "pvbus"));
}

static int
bus_ioctl(struct bus_handle *h, unsigned long cmd, struct pvbus_req *pvr,
    int writable)
{
	int error;

	if (h->fd != -1)
		return (ioctl(h->fd, cmd, pvr) == -1 ? errno : 0);
	error = pvbus_ioctl(h->bus, h->unit, cmd, writable, pvr, NULL);
	return (error == PVBUS_ERESTART ? EIO : error);
}

static void
bus_close(struct bus_handle *h)
{
	if (h->fd != -1)
		close(h->fd);
	h->fd = -1;
}

/*
 * Sanitize a key or value before it goes to the host, as OpenBSD does, and
 * drop one trailing newline.  OpenBSD cuts at the first newline, which loses
 * all but the first line of a value.  0, EFBIG when it does not fit DSTLEN,
 * or ENOMEM.
 */
static int
kvsetstr(char *dst, const char *src, size_t srclen, size_t dstlen)
{
	char *enc;
	size_t len;

	/* vis(3) writes at most four bytes for each byte and a NUL. */
	if ((enc = reallocarray(NULL, srclen + 1, 4)) == NULL)
		return (ENOMEM);
	len = strvisx(enc, src, srclen, VIS_SAFE | VIS_CSTYLE);
	if (len > 0 && enc[len - 1] == '\n')
		enc[--len] = '\0';
	if (len >= dstlen) {
		free(enc);
		return (EFBIG);
	}
	memcpy(dst, enc, len + 1);
	free(enc);
	return (0);
}

/* Read the whole input (file or "-"); 0, or an errno. */
static int
kvsetfile(char *dst, const char *input, size_t dstlen)
{
	char *buf;
	size_t len = 0, n;
	FILE *fp;
	int error = 0;

	if (strcmp("-", input) == 0)
		fp = stdin;
	else if ((fp = fopen(input, "r")) == NULL)
		return (errno);
	/* One byte more than fits tells an input that is too long. */
	if ((buf = malloc(dstlen + 1)) == NULL)
		error = ENOMEM;
	errno = 0;
	while (error == 0 && (n = fread(buf + len, 1, dstlen + 1 - len,
	    fp)) > 0)
		len += n;
	/* The read's own error: EISDIR for a directory, EIO for a fault. */
	if (error == 0 && ferror(fp))
		error = errno != 0 ? errno : EIO;
	if (error == 0)
		error = kvsetstr(dst, buf, len, dstlen);
	free(buf);
	if (fp != stdin)
		fclose(fp);
	return (error);
}

static void
parse_args(int argc, char *argv[], struct args *a, struct bus_handle *h)
{
	const char *env, *errstr;
	int ch;

	/* getopt(3) names the program in its messages as usage() does. */
	argv[0] = (char *)getprogname();
	while ((ch = getopt(argc, argv, "C:f:i:jlo:qr:stvW:w")) != -1) {
		switch (ch) {
		case 'C':
			h->opts.cpuid_dump = optarg;
			a->inprocess = 1;
			break;
		case 'f':
			h->path = optarg;
			break;
		case 'i':
			a->in = optarg;
			break;
		case 'j':
			a->jflag = 1;
			break;
		case 'l':
			a->lflag = 1;
			break;
		case 'o':
			a->out = optarg;
			break;
		case 'q':
			a->qflag = 1;
			break;
		case 'r':
			h->opts.root = optarg;
			a->inprocess = 1;
			break;
		case 's':
			a->sflag = 1;
			break;
		case 't':
			a->tflag = 1;
			break;
		case 'v':
			a->vflag = 1;
			break;
		case 'W':
			a->timeout_ms = watch_timeout(optarg);
			break;
		case 'w':
			a->wflag = 1;
			break;
		default:
			usage();
		}
	}
	a->argc = argc - optind;
	a->argv = argv + optind;

	/*
	 * For tests in a guest whose only vsock is the loopback: the context
	 * of VMware's secure RPC.
	 */
	if ((env = getenv("PVBUS_VSOCK_CID")) != NULL) {
		h->opts.vmware_vsock_cid = strtonum(env, 0, UINT_MAX, &errstr);
		if (errstr != NULL)
			errx(1, "PVBUS_VSOCK_CID %s: %s", env, errstr);
	}

	/* -l and -t take no key; OpenBSD's -t ignores one, as here. */
	if ((a->jflag && !a->lflag && !a->tflag && !a->sflag && !a->wflag) ||
	    (a->lflag && (a->tflag || a->argc > 0)) ||
	    (a->sflag && (a->lflag || a->tflag || a->argc > 0)) ||
	    (a->vflag && !a->lflag && !a->tflag && !a->sflag) ||
	    (a->timeout_ms != -1 && !a->wflag) ||
	    (a->wflag && (a->lflag || a->tflag || a->sflag || a->in != NULL ||
	    a->argc != 1)))
		usage();
	if (a->vflag) {
		h->opts.evidence = ident_evidence;
		h->opts.evidence_ctx = stderr;
	}
	/* The type and the hypervisor's name need no device, store or probe. */
	if (a->tflag || a->sflag)
		h->opts.flags = PVBUS_OPEN_NO_DEVICES | PVBUS_OPEN_NO_STORES |
		    PVBUS_OPEN_NO_PROBE;
}

static void
out_open(struct output *o, const char *path)
{
	int error;

	o->path = path;
	o->fp = stdout;
	o->fd = -1;
	o->created = 0;
	if (path == NULL || strcmp("-", path) == 0)
		return;
	if ((o->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0666)) != -1)
		o->created = 1;
	else if (errno != EEXIST || (o->fd = open(path,
	    O_WRONLY | O_CLOEXEC)) == -1)
		err(1, "fopen: %s", path);
	if ((o->fp = fdopen(o->fd, "w")) == NULL) {
		error = errno;
		if (o->created)
			unlink(path);
		errc(1, error, "fdopen: %s", path);
	}
}

/*
 * There is a result: empty the output for it.  Only a regular file can be
 * emptied; anything else (/dev/null, a pipe, a FIFO, a terminal) is written
 * as it is, as fopen(3)'s "w" would.
 */
static int
out_commit(struct output *o)
{
	struct stat st;

	if (o->fd == -1)
		return (0);
	if (fstat(o->fd, &st) == -1)
		return (fail(errno, "%s", o->path));
	if (S_ISREG(st.st_mode) && ftruncate(o->fd, 0) == -1)
		return (fail(errno, "%s", o->path));
	return (0);
}

/* Flush and close the output; without a result (RC) remove what was made. */
static int
out_close(struct output *o, int rc)
{
	if (rc == 0 && fflush(o->fp) == EOF)
		rc = fail(errno, "%s", o->path ? o->path : "stdout");
	if (rc != 0 && o->created)
		unlink(o->path);
	if (o->fp != stdout)
		fclose(o->fp);
	return (rc);
}

static int
print_type(FILE *outfp, const char *path, const char *type, int json)
{
	char *str;

	/* The returned type should be a simple single-line key. */
	if (stravis(&str, type, VIS_WHITE | VIS_DQ | VIS_CSTYLE) == -1)
		return (fail(errno, "stravis"));
	if (json) {
		fputs("{\"device\": ", outfp);
		json_string(outfp, path);
		fputs(", \"type\": ", outfp);
		json_string(outfp, str);
		fputs("}\n", outfp);
	} else
		fprintf(outfp, "%s: %s\n", path, str);
	free(str);
	return (0);
}

static void
req_init(struct pvbus_req *pvr)
{
	static char keybuf[KVBUFSZ], valuebuf[PVBUS_KVOP_MAXSIZE];

	memset(pvr, 0, sizeof(*pvr));
	pvr->pvr_keylen = sizeof(keybuf);
	pvr->pvr_key = keybuf;
	pvr->pvr_valuelen = sizeof(valuebuf);
	pvr->pvr_value = valuebuf;
}

/* -l: the tree, always in process. */
static int
mode_tree(const struct args *a, struct bus_handle *h, struct output *o)
{
	int error;

	if (out_commit(o) != 0)
		return (1);
	if ((error = tree_print(o->fp, h->bus, a->jflag)) != 0)
		return (fail(error, "tree"));
	return (0);
}

/*
 * -s: the hypervisor as systemd-detect-virt --vm names it.  *none is set
 * when it is "none", for the exit status that command gives.
 */
static int
mode_vm(const struct args *a, struct bus_handle *h, struct output *o,
    int *none)
{
	if (out_commit(o) != 0)
		return (1);
	*none = vm_print(o->fp, h->bus, a->jflag);
	return (0);
}

/* -t: the type of the unit. */
static int
mode_type(const struct args *a, struct bus_handle *h, struct output *o)
{
	struct pvbus_req pvr;
	int error;

	req_init(&pvr);
	if ((error = bus_ioctl(h, PVBUSIOC_TYPE, &pvr, 0)) != 0)
		return (fail(error, "ioctl"));
	if (out_commit(o) != 0)
		return (1);
	return (print_type(o->fp, h->path, pvr.pvr_key, a->jflag));
}

/* Which request the arguments make, with its key and value set; RC_USAGE. */
static int
kv_request(const struct args *a, struct pvbus_req *pvr, unsigned long *cmd)
{
	int error;

	if (a->argc < 1)
		return (RC_USAGE);
	if ((error = kvsetstr(pvr->pvr_key, a->argv[0], strlen(a->argv[0]),
	    pvr->pvr_keylen)) != 0)
		return (error == EFBIG ? failx("key too long") :
		    fail(error, "key"));

	/* Validate command line options for reading or writing. */
	if (a->argc == 2 && a->in == NULL) {
		*cmd = PVBUSIOC_KVWRITE;
		if ((error = kvsetstr(pvr->pvr_value, a->argv[1],
		    strlen(a->argv[1]), pvr->pvr_valuelen)) != 0)
			return (error == EFBIG ? failx("value too long") :
			    fail(error, "value"));
	} else if (a->argc == 1 && a->in != NULL) {
		*cmd = PVBUSIOC_KVWRITE;
		if ((error = kvsetfile(pvr->pvr_value, a->in,
		    pvr->pvr_valuelen)) != 0)
			return (error == EFBIG ?
			    failx("input file: %s: value too long", a->in) :
			    fail(error, "input file: %s", a->in));
	} else if (a->argc == 1) {
		*cmd = PVBUSIOC_KVREAD;
	} else
		return (RC_USAGE);
	return (0);
}

/* Read or write a key. */
static int
mode_kv(const struct args *a, struct bus_handle *h, struct output *o)
{
	struct pvbus_req pvr;
	unsigned long cmd = PVBUSIOC_KVREAD;
	const char *why;
	char *str;
	int error, rc;

	req_init(&pvr);
	if ((rc = kv_request(a, &pvr, &cmd)) != 0)
		return (rc);
	if (cmd == PVBUSIOC_KVWRITE) {
		/* Re-open read-writable. */
		bus_close(h);
		if ((error = bus_open(h, O_RDWR)) != 0)
			return (fail(error, "open: %s", h->path));
		error = bus_ioctl(h, cmd, &pvr, 1);
	} else {
		/*
		 * Through a device, start small and double the buffer while
		 * the value is larger.  In process no kernel memory is at
		 * stake, and each retry would ask the host again: take the
		 * largest buffer at once.
		 */
		for (pvr.pvr_valuelen = h->fd == -1 ? PVBUS_KVOP_MAXSIZE :
		    KVBUFSZ;; pvr.pvr_valuelen *= 2) {
			error = bus_ioctl(h, cmd, &pvr, 0);
			if (error != ERANGE ||
			    pvr.pvr_valuelen >= PVBUS_KVOP_MAXSIZE)
				break;
		}
	}
	/* Why there is no store, or what the store gave up waiting for. */
	if (error != 0 && h->bus != NULL && (why =
	    pvbus_unit_store_error(pvbus_unit(h->bus, h->unit)))[0] != '\0') {
		/* The reason can carry the host's text, as -l shows it. */
		if (stravis(&str, why, VIS_CSTYLE | VIS_TAB | VIS_NL) == -1)
			return (fail(errno, "stravis"));
		rc = failx("ioctl: %s (%s)", strerror(error), str);
		free(str);
		return (rc);
	}
	/* A refusal of guestinfo says which channels were tried. */
	if (error == EACCES && h->bus != NULL &&
	    pvbus_unit_store(pvbus_unit(h->bus, h->unit)) != NULL &&
	    strcmp(pvbus_unit_store(pvbus_unit(h->bus, h->unit)),
	    "guestinfo") == 0)
		return (failx("ioctl: %s (guestinfo: %s)", strerror(error),
		    pvbus_unit_store_path(pvbus_unit(h->bus, h->unit))));
	if (error != 0)
		return (fail(error, "ioctl"));

	if (out_commit(o) != 0)
		return (1);
	if (!a->qflag && strlen(pvr.pvr_value)) {
		/*
		 * The value can contain newlines and basically anything;
		 * only encode the unsafe characters that could perform
		 * unexpected functions on the terminal.
		 */
		if (stravis(&str, pvr.pvr_value, VIS_SAFE | VIS_CSTYLE) == -1)
			return (fail(errno, "stravis"));
		fprintf(o->fp, "%s\n", str);
		free(str);
	}
	return (0);
}

/* -w: wait for the key to change, in process (see watch.c). */
static int
mode_watch(const struct args *a, struct bus_handle *h, struct output *o)
{
	const struct pvbus_unit *u = pvbus_unit(h->bus, h->unit);
	struct pvbus_req pvr;
	int error;

	req_init(&pvr);
	if ((error = kvsetstr(pvr.pvr_key, a->argv[0], strlen(a->argv[0]),
	    pvr.pvr_keylen)) != 0)
		return (error == EFBIG ? failx("key too long") :
		    fail(error, "key"));
	error = pvbus_watch(h->bus, h->unit, pvr.pvr_key, pvr.pvr_value,
	    pvr.pvr_valuelen, a->timeout_ms);
	switch (error) {
	case 0:
	case ENOENT:		/* removed */
		break;
	case ETIMEDOUT:
		return (failx("%s: timed out", pvr.pvr_key));
	case EOPNOTSUPP:
		return (failx("watch: %s: %s does not change", pvr.pvr_key,
		    strncmp(pvr.pvr_key, "smbios/", 7) != 0 &&
		    pvbus_unit_store(u) != NULL ? pvbus_unit_store(u) :
		    "the firmware's table"));
	case ENXIO:
		if (pvbus_unit_store_error(u)[0] != '\0')
			return (failx("watch: %s (%s)", strerror(error),
			    pvbus_unit_store_error(u)));
		/* FALLTHROUGH */
	default:
		return (fail(error, "watch: %s", pvr.pvr_key));
	}
	if (out_commit(o) != 0)
		return (1);
	return (watch_report(o->fp, pvr.pvr_key, pvr.pvr_value, error,
	    a->jflag, a->qflag));
}

int
main(int argc, char *argv[])
{
	struct bus_handle h = { .path = "/dev/pvbus0", .fd = -1 };
	struct args a;
	struct output o;
	int error, rc, none = 0;

	memset(&a, 0, sizeof(a));
	a.timeout_ms = -1;
	parse_args(argc, argv, &a, &h);
	if (h.opts.root != NULL && (error = root_check(h.opts.root)) != 0)
		errc(1, error, "%s", h.opts.root);
	out_open(&o, a.out);

	/* Only -l shows devices (-t and -s leave out more, parse_args). */
	if (!a.lflag)
		h.opts.flags |= PVBUS_OPEN_NO_DEVICES;
	/*
	 * -v -t through pvbusd's device explains what the library sees;
	 * pvbusd's device has no request to wait with: -w is in process.
	 */
	if ((a.lflag || a.sflag || a.vflag || a.wflag || a.inprocess ||
	    !is_device(h.path)) && bus_load(&h) != 0)
		rc = 1;
	else if (a.sflag)
		rc = mode_vm(&a, &h, &o, &none);
	else if (a.lflag)
		rc = mode_tree(&a, &h, &o);
	else if ((error = bus_open(&h, O_RDONLY)) != 0)
		rc = fail(error, "open: %s", h.path);
	else if (a.tflag)
		rc = mode_type(&a, &h, &o);
	else if (a.wflag)
		rc = mode_watch(&a, &h, &o);
	else
		rc = mode_kv(&a, &h, &o);

	rc = out_close(&o, rc);
	if (rc == RC_USAGE)
		usage();
	bus_close(&h);
	pvbus_close(h.bus);
	/* As systemd-detect-virt: 1 when there is no hypervisor. */
	return (rc == 0 && none ? 1 : rc);
}
