/*
 * hostctl: read and write the hypervisor's information store, as OpenBSD's
 * hostctl(8), through /dev/pvbusN when it is a character device (pvbusd) and
 * through libpvbus in the same process otherwise.  -l and -j show the tree.
 */
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <bsd/vis.h>
#include <err.h>

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

/* An output file hostctl created, removed again if no result comes. */
static const char *out_created;

static void
out_cleanup(void)
{
	if (out_created != NULL)
		unlink(out_created);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: %s [-jlqt] [-C cpuid-dump] [-f device] "
	    "[-i input] [-o output]\n\t       [-r root] key [value]\n",
	    getprogname());
	exit(1);
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
static void
bus_load(struct bus_handle *h)
{
	int error;

	if ((error = pvbus_open(&h->bus, &h->opts)) != 0) {
		errno = error;
		err(1, "%s", h->opts.cpuid_dump ? h->opts.cpuid_dump : "pvbus");
	}
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
 * all but the first line of a value.
 */
static int
kvsetstr(char *dst, const char *src, size_t srclen, size_t dstlen)
{
	char *enc;
	size_t len;

	/* vis(3) writes at most four bytes for each byte and a NUL. */
	if ((enc = reallocarray(NULL, srclen + 1, 4)) == NULL)
		err(1, "malloc");
	len = strvisx(enc, src, srclen, VIS_SAFE | VIS_CSTYLE);
	if (len > 0 && enc[len - 1] == '\n')
		enc[--len] = '\0';
	if (len >= dstlen) {
		free(enc);
		return (-1);
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
	while (error == 0 && (n = fread(buf + len, 1, dstlen + 1 - len,
	    fp)) > 0)
		len += n;
	if (error == 0 && ferror(fp))
		error = EIO;
	if (error == 0 && kvsetstr(dst, buf, len, dstlen) == -1)
		error = EFBIG;
	free(buf);
	if (fp != stdin)
		fclose(fp);
	return (error);
}

static void
print_type(FILE *outfp, const char *path, const char *type, int json)
{
	char *str;

	/* The returned type should be a simple single-line key. */
	if (stravis(&str, type, VIS_WHITE | VIS_DQ | VIS_CSTYLE) == -1)
		err(1, "stravis");
	if (json) {
		fputs("{\"device\": ", outfp);
		json_string(outfp, path);
		fputs(", \"type\": ", outfp);
		json_string(outfp, str);
		fputs("}\n", outfp);
	} else
		fprintf(outfp, "%s: %s\n", path, str);
	free(str);
}

int
main(int argc, char *argv[])
{
	static char keybuf[KVBUFSZ], valuebuf[PVBUS_KVOP_MAXSIZE];
	static struct bus_handle h = { .path = "/dev/pvbus0", .fd = -1 };
	const char *in = NULL, *out = NULL;
	struct pvbus_req pvr;
	unsigned long cmd;
	FILE *outfp = stdout;
	char *str;
	int ch, error, qflag = 0, tflag = 0, lflag = 0, jflag = 0;
	int inprocess = 0, outfd = -1;

	/* getopt(3) names the program in its messages as usage() does. */
	argv[0] = (char *)getprogname();
	while ((ch = getopt(argc, argv, "C:f:i:jlo:qr:t")) != -1) {
		switch (ch) {
		case 'C':
			h.opts.cpuid_dump = optarg;
			inprocess = 1;
			break;
		case 'f':
			h.path = optarg;
			break;
		case 'i':
			in = optarg;
			break;
		case 'j':
			jflag = 1;
			break;
		case 'l':
			lflag = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'q':
			qflag = 1;
			break;
		case 'r':
			h.opts.root = optarg;
			inprocess = 1;
			break;
		case 't':
			tflag = 1;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;

	/* -l and -t take no key; OpenBSD's -t ignores one, as here. */
	if ((jflag && !lflag && !tflag) || (lflag && (tflag || argc > 0)))
		usage();
	if (h.opts.root != NULL && (error = root_check(h.opts.root)) != 0) {
		errno = error;
		err(1, "%s", h.opts.root);
	}

	/*
	 * Open the output now, so that a bad path fails before the host is
	 * asked anything, but truncate it only when there is a result.
	 */
	if (out != NULL && strcmp("-", out) != 0) {
		if ((outfd = open(out, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		    0666)) != -1) {
			out_created = out;
			atexit(out_cleanup);
		} else if (errno != EEXIST || (outfd = open(out,
		    O_WRONLY | O_CLOEXEC)) == -1)
			err(1, "fopen: %s", out);
		if ((outfp = fdopen(outfd, "w")) == NULL)
			err(1, "fdopen: %s", out);
	}

	if (lflag || inprocess || !is_device(h.path))
		bus_load(&h);
	if (lflag) {
		if (outfd != -1 && ftruncate(outfd, 0) == -1)
			err(1, "%s", out);
		tree_print(outfp, h.bus, jflag);
		goto done;
	}

	if ((error = bus_open(&h, O_RDONLY)) != 0) {
		errno = error;
		err(1, "open: %s", h.path);
	}

	memset(&pvr, 0, sizeof(pvr));
	pvr.pvr_keylen = sizeof(keybuf);
	pvr.pvr_key = keybuf;
	pvr.pvr_valuelen = sizeof(valuebuf);
	pvr.pvr_value = valuebuf;

	if (tflag) {
		if ((error = bus_ioctl(&h, PVBUSIOC_TYPE, &pvr, 0)) != 0) {
			errno = error;
			err(1, "ioctl");
		}
		if (outfd != -1 && ftruncate(outfd, 0) == -1)
			err(1, "%s", out);
		print_type(outfp, h.path, pvr.pvr_key, jflag);
		goto done;
	}

	if (argc < 1)
		usage();
	if (kvsetstr(pvr.pvr_key, argv[0], strlen(argv[0]),
	    pvr.pvr_keylen) == -1)
		errx(1, "key too long");

	/* Validate command line options for reading or writing. */
	if (argc == 2 && in == NULL) {
		cmd = PVBUSIOC_KVWRITE;
		if (kvsetstr(pvr.pvr_value, argv[1], strlen(argv[1]),
		    pvr.pvr_valuelen) == -1)
			errx(1, "value too long");
	} else if (argc == 1 && in != NULL) {
		cmd = PVBUSIOC_KVWRITE;
		if ((error = kvsetfile(pvr.pvr_value, in,
		    pvr.pvr_valuelen)) != 0) {
			if (error == EFBIG)
				errx(1, "input file: %s: value too long", in);
			errno = error;
			err(1, "input file: %s", in);
		}
	} else if (argc == 1) {
		cmd = PVBUSIOC_KVREAD;
	} else
		usage();

	if (cmd == PVBUSIOC_KVWRITE) {
		/* Re-open read-writable. */
		bus_close(&h);
		if ((error = bus_open(&h, O_RDWR)) != 0) {
			errno = error;
			err(1, "open: %s", h.path);
		}
		error = bus_ioctl(&h, cmd, &pvr, 1);
	} else {
		/*
		 * Through a device, start small and double the buffer while
		 * the value is larger.  In process no kernel memory is at
		 * stake, and each retry would ask the host again: take the
		 * largest buffer at once.
		 */
		for (pvr.pvr_valuelen = h.fd == -1 ? PVBUS_KVOP_MAXSIZE :
		    KVBUFSZ;; pvr.pvr_valuelen *= 2) {
			error = bus_ioctl(&h, cmd, &pvr, 0);
			if (error != ERANGE ||
			    pvr.pvr_valuelen >= PVBUS_KVOP_MAXSIZE)
				break;
		}
	}
	if (error == ENXIO && h.bus != NULL &&
	    pvbus_unit_store_error(pvbus_unit(h.bus, h.unit))[0] != '\0')
		errx(1, "ioctl: %s (%s)", strerror(error),
		    pvbus_unit_store_error(pvbus_unit(h.bus, h.unit)));
	if (error != 0) {
		errno = error;
		err(1, "ioctl");
	}

	if (outfd != -1 && ftruncate(outfd, 0) == -1)
		err(1, "%s", out);
	if (!qflag && strlen(pvr.pvr_value)) {
		/*
		 * The value can contain newlines and basically anything;
		 * only encode the unsafe characters that could perform
		 * unexpected functions on the terminal.
		 */
		if (stravis(&str, pvr.pvr_value, VIS_SAFE | VIS_CSTYLE) == -1)
			err(1, "stravis");
		fprintf(outfp, "%s\n", str);
		free(str);
	}
 done:
	if (fflush(outfp) == EOF)
		err(1, "%s", out ? out : "stdout");
	out_created = NULL;
	if (outfp != stdout)
		fclose(outfp);
	bus_close(&h);
	pvbus_close(h.bus);
	return (0);
}
