/*
 * Hyper-V KVP: the pool files hv_kvp_daemon keeps in /var/lib/hyperv.  The
 * daemon answers the host from these files and re-reads them on every host
 * request, so the guest publishes a key by adding a record to the Guest pool
 * under the lock, and reads what the host set from the External pool.
 *
 * Names follow OpenBSD's hyperv(4): "External/KEY", "Guest/KEY", "Auto/KEY",
 * "Guest/Parameters/KEY", and "Auto/Internal/KEY" for pool 4; "POOL/" lists.
 */
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pv.h"
#include "kvp_pool.h"
#include "listing.h"
#include "store/stores.h"

/* A pool file past this is not one the daemon wrote; refuse to load it. */
#define KVP_POOL_MAXBYTES	(16u * 1024 * 1024)

/*
 * A pool file open under its lock.  Every access takes the whole-file
 * fcntl write lock, as hv_kvp_daemon does, for reads too: the daemon
 * rewrites a pool by truncating it first, so an unlocked reader could see
 * it empty.
 * A caller who may not write the file (pools are 0644, root's) reads under
 * a read lock instead, which excludes the daemon's write lock all the same.
 * The file is read in pieces of whole records through one buffer
 * (kvp_scan), so that a read stops at the record it looks for and no image
 * of the whole pool is ever made.
 */
struct kvp_file {
	int	 fd;
	size_t	 len;		/* the file's size when it was locked */
	char	*buf;
};

/* Records per piece: 160 KiB, the order of a read(2) of cat. */
#define KVP_SCAN_RECORDS	64

static int
kvp_pool_path(const struct pv_unit *unit, enum kvp_pool pool, char *buf,
    size_t len)
{
	int n;

	n = snprintf(buf, len, "%s/" KVP_POOL_FILE, unit->store_path, pool);
	return (n < 0 || (size_t)n >= len ? ENAMETOOLONG : 0);
}

static void
kvp_close(struct kvp_file *f)
{
	free(f->buf);
	f->buf = NULL;
	if (f->fd != -1) {
		(void)pv_lock_wait(f->fd, F_UNLCK, 0);
		close(f->fd);
		f->fd = -1;
	}
}

/*
 * Open and lock pool POOL.  A missing pool file is an empty pool (the
 * daemon creates them all when it starts) unless CREATE.
 */
static int
kvp_open(struct pv_unit *unit, enum kvp_pool pool, int create,
    struct kvp_file *f)
{
	char path[PATH_MAX + 16];
	struct stat st;
	int error;
	short type = F_WRLCK;

	f->fd = -1;
	f->buf = NULL;
	f->len = 0;
	if ((error = kvp_pool_path(unit, pool, path, sizeof(path))) != 0)
		return (error);
	error = pv_open(unit->plat, path, O_RDWR | (create ? O_CREAT : 0),
	    0644, &f->fd);
	if (error != 0 && !create && (error == EACCES || error == EROFS ||
	    error == EPERM)) {
		error = pv_open(unit->plat, path, O_RDONLY, 0, &f->fd);
		type = F_RDLCK;
	}
	if (error != 0) {
		f->fd = -1;
		return (error == ENOENT && !create ? 0 : error);
	}
	error = pv_lock_wait(f->fd, type, unit->bus->store_timeout_ms);
	if (error == EBUSY)
		snprintf(unit->store_error, sizeof(unit->store_error),
		    "kvp: %s: locked by another process for %d ms", path,
		    unit->bus->store_timeout_ms);
	if (error != 0)
		goto fail;
	if (fstat(f->fd, &st) == -1) {
		error = errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		error = EIO;
		goto fail;
	}
	if ((size_t)st.st_size > KVP_POOL_MAXBYTES) {
		error = EFBIG;
		goto fail;
	}
	f->len = st.st_size;
	return (0);
 fail:
	kvp_close(f);
	return (error);
}

/*
 * What kvp_scan() hands each piece to: the LEN bytes at PIECE hold whole
 * records, the first of them record FIRST of the pool.  0 to go on, -1 to
 * stop there (found), or an errno.
 */
typedef int kvp_scan_fn(void *ctx, const char *piece, size_t len,
    size_t first);

/*
 * Read the whole records of the open pool F in order, a piece at a time,
 * until FN stops.  A file that is shorter or, read to its end, longer than
 * it was when locked has a foreign writer: EIO.  0 (FN stopped or the pool
 * ended), or an errno.
 */
static int
kvp_scan(struct kvp_file *f, kvp_scan_fn *fn, void *ctx)
{
	size_t n = kvp_pool_nrecords(f->len), piece, got, i, tail;
	int error;

	if (f->fd == -1 || n == 0)
		return (0);
	piece = n < KVP_SCAN_RECORDS ? n : KVP_SCAN_RECORDS;
	if (f->buf == NULL &&
	    (f->buf = malloc(piece * KVP_POOL_RECSIZE)) == NULL)
		return (ENOMEM);
	/* From the start: the descriptor was just opened. */
	for (i = 0; i < n; i += piece) {
		if (piece > n - i)
			piece = n - i;
		if ((error = pv_read_full(f->fd, f->buf,
		    piece * KVP_POOL_RECSIZE, &got)) != 0)
			return (error);
		if (got != piece * KVP_POOL_RECSIZE)
			return (EIO);
		if ((error = fn(ctx, f->buf, got, i)) != 0)
			return (error == -1 ? 0 : error);
	}
	/*
	 * The partial record at the end, if any, and one byte more: the lock
	 * holds writers off, so a file that grew has a foreign one.
	 */
	tail = f->len - n * KVP_POOL_RECSIZE;
	if ((error = pv_read_full(f->fd, f->buf, tail + 1, &got)) != 0)
		return (error);
	return (got != tail ? EIO : 0);
}

/*
 * Items of the Auto pool as hv_kvp_daemon reports them to the host when
 * it enumerates pool 2: it makes them up on each request and does not
 * store them.  Those that come from files are made up the same way here;
 * the domain name and addresses it asks the resolver and the network for,
 * which has no place in a store reader, and are left out.
 */
enum kvp_auto_item {
	KVP_AUTO_OSNAME,
	KVP_AUTO_OSMAJOR,
	KVP_AUTO_OSMINOR,
	KVP_AUTO_OSBUILD,
	KVP_AUTO_OSVERSION,
	KVP_AUTO_ARCH,
	KVP_AUTO_COUNT
};

static const char *const kvp_auto_names[KVP_AUTO_COUNT] = {
	[KVP_AUTO_OSNAME] = "OSName",
	[KVP_AUTO_OSMAJOR] = "OSMajorVersion",
	[KVP_AUTO_OSMINOR] = "OSMinorVersion",
	[KVP_AUTO_OSBUILD] = "OSBuildNumber",
	[KVP_AUTO_OSVERSION] = "OSVersion",
	[KVP_AUTO_ARCH] = "ProcessorArchitecture",
};

/*
 * An os-release value as the daemon reads it: quotes and the newline
 * dropped wherever they are, a backslash takes the next byte literally.
 */
static void
kvp_osrelease_unquote(const char *in, size_t inlen, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < inlen && o + 1 < outlen; i++) {
		if (in[i] == '\\') {
			if (++i == inlen)
				break;
			out[o++] = in[i];
		} else if (in[i] != '\'' && in[i] != '"' && in[i] != '\n')
			out[o++] = in[i];
	}
	out[o] = '\0';
}

/* The last VAR= line of /etc/os-release; ENOENT when the file has none. */
static int
kvp_osrelease(const struct pv_unit *unit, const char *var, char *buf,
    size_t len)
{
	char text[8192];
	const char *line, *next, *eq;
	size_t vlen = strlen(var);
	int error, found = 0;

	if ((error = pv_read_text(unit->plat, "/etc/os-release", text,
	    sizeof(text))) != 0)
		return (error);
	for (line = text; *line != '\0'; line = next) {
		next = line + strcspn(line, "\n");
		if (*next == '\n')
			next++;
		if (line[0] == '#' || (eq = memchr(line, '=', next - line)) ==
		    NULL)
			continue;
		if ((size_t)(eq - line) != vlen || strncmp(line, var, vlen))
			continue;
		kvp_osrelease_unquote(eq + 1, next - eq - 1, buf, len);
		found = 1;
	}
	return (found ? 0 : ENOENT);
}

static int
kvp_auto_value(const struct pv_unit *unit, enum kvp_auto_item item,
    char *buf, size_t len)
{
	int error;

	buf[0] = '\0';
	switch (item) {
	case KVP_AUTO_OSNAME:
		/* Without a NAME the daemon reports uname's sysname. */
		if (kvp_osrelease(unit, "NAME", buf, len) == 0)
			return (0);
		return (pv_read_text(unit->plat, "/proc/sys/kernel/ostype",
		    buf, len));
	case KVP_AUTO_OSMAJOR:
		if (kvp_osrelease(unit, "VERSION_ID", buf, len) != 0)
			buf[0] = '\0';
		return (0);
	case KVP_AUTO_OSMINOR:
		return (0);
	case KVP_AUTO_OSBUILD:
		return (pv_read_text(unit->plat, "/proc/sys/kernel/osrelease",
		    buf, len));
	case KVP_AUTO_OSVERSION:
		/* The host wants x.y.z; the daemon cuts at the first '-'. */
		if ((error = pv_read_text(unit->plat,
		    "/proc/sys/kernel/osrelease", buf, len)) != 0)
			return (error);
		buf[strcspn(buf, "-")] = '\0';
		return (0);
	case KVP_AUTO_ARCH:
		return (pv_read_text(unit->plat, "/proc/sys/kernel/arch", buf,
		    len));
	default:
		return (ENOENT);
	}
}

/* The intrinsic item named KEY, or -1. */
static int
kvp_auto_lookup(const char *key)
{
	int a;

	for (a = 0; a < KVP_AUTO_COUNT; a++)
		if (strcmp(key, kvp_auto_names[a]) == 0)
			return (a);
	return (-1);
}

static int
kvp_auto_named(const char *key)
{
	return (kvp_auto_lookup(key) != -1);
}

static int
kvp_scan_list(void *ctx, const char *piece, size_t len, size_t first)
{
	(void)first;
	return (kvp_lister_add(ctx, piece, len));
}

/*
 * "POOL/": the names of the pool's records; for "Auto/" the intrinsic
 * items first, as the host enumerates them, then the file's.
 */
static int
kvp_list(struct pv_unit *unit, enum kvp_pool pool, struct kvp_file *f,
    char *value, size_t valuelen)
{
	char buf[KVP_POOL_VALUESIZE];
	struct kvp_lister ls;
	struct pv_listing l;
	int a, error;

	if ((error = pv_listing_init(&l, value, valuelen)) != 0)
		return (error);
	if (pool == KVP_POOL_AUTO)
		for (a = 0; a < KVP_AUTO_COUNT; a++)
			if (kvp_auto_value(unit, a, buf, sizeof(buf)) == 0 &&
			    (error = pv_listing_add(&l, kvp_auto_names[a],
			    strlen(kvp_auto_names[a]))) != 0)
				return (error);
	if ((error = kvp_lister_init(&ls, &l, pool == KVP_POOL_AUTO ?
	    kvp_auto_named : NULL)) != 0)
		return (error);
	error = kvp_scan(f, kvp_scan_list, &ls);
	kvp_lister_fini(&ls);
	if (error != 0)
		value[0] = '\0';
	return (error);
}

/* What a read looks for, and where the value goes. */
struct kvp_lookup {
	const char	*key;
	char		*value;
	size_t		 valuelen;
	int		 found;
};

static int
kvp_scan_value(void *ctx, const char *piece, size_t len, size_t first)
{
	struct kvp_lookup *lk = ctx;
	struct kvp_rec rec;
	size_t i;

	(void)first;
	if (kvp_pool_find(piece, len, lk->key, &i) != 0)
		return (0);
	lk->found = 1;
	kvp_pool_record(piece, len, i, &rec);
	if (rec.state != KVP_REC_OK)
		return (EIO);	/* an unterminated value */
	if (strlcpy(lk->value, rec.value, lk->valuelen) >= lk->valuelen)
		return (ERANGE);
	return (-1);
}

static int
kvp_read(struct pv_unit *unit, enum kvp_pool pool, const char *key,
    char *value, size_t valuelen)
{
	char buf[KVP_POOL_VALUESIZE];
	struct kvp_lookup lk = { key, value, valuelen, 0 };
	struct kvp_file f;
	int error, a;

	if (pool == KVP_POOL_AUTO && (a = kvp_auto_lookup(key)) != -1) {
		if ((error = kvp_auto_value(unit, a, buf, sizeof(buf))) != 0)
			return (error == ENOENT ? ENOENT : EIO);
		return (strlcpy(value, buf, valuelen) >= valuelen ? ERANGE :
		    0);
	}
	if ((error = kvp_open(unit, pool, 0, &f)) != 0)
		return (error);
	if (key[0] == '\0')
		error = kvp_list(unit, pool, &f, value, valuelen);
	else if ((error = kvp_scan(&f, kvp_scan_value, &lk)) == 0 &&
	    !lk.found)
		error = ENOENT;
	/* A pool can hold more names than one value: say so. */
	if (error == ERANGE && key[0] == '\0')
		snprintf(unit->store_error, sizeof(unit->store_error),
		    "kvp: %s/: the names of the pool's %zu records do not fit "
		    "%zu bytes", kvp_pool_name(pool),
		    kvp_pool_nrecords(f.len), valuelen);
	kvp_close(&f);
	return (error);
}

/* What a write looks for: the first record of the key, and its value. */
struct kvp_slot {
	const char	*key;
	int		 found;
	size_t		 index;
	char		 old[KVP_POOL_VALUESIZE];
};

static int
kvp_scan_slot(void *ctx, const char *piece, size_t len, size_t first)
{
	struct kvp_slot *sl = ctx;
	size_t i;

	if (kvp_pool_find(piece, len, sl->key, &i) != 0)
		return (0);
	sl->found = 1;
	sl->index = first + i;
	memcpy(sl->old, piece + i * KVP_POOL_RECSIZE + KVP_POOL_KEYSIZE,
	    KVP_POOL_VALUESIZE);
	return (-1);
}

/*
 * Create or update KEY in the Guest pool.  An update rewrites the value
 * field of the first record so named in place; a new key is one record
 * appended after the last whole one (a partial tail is dropped, as the
 * daemon's next rewrite would).  Other records are never touched.
 */
static int
kvp_write(struct pv_unit *unit, enum kvp_pool pool, const char *key,
    const char *value)
{
	char rec[KVP_POOL_RECSIZE];
	struct kvp_slot sl;
	struct kvp_file f;
	size_t n;
	int error;

	memset(rec, 0, sizeof(rec));
	memcpy(rec, key, strlen(key));
	memcpy(rec + KVP_POOL_KEYSIZE, value, strlen(value));
	sl.key = key;
	sl.found = 0;

	if ((error = kvp_open(unit, pool, 1, &f)) != 0)
		return (error);
	if ((error = kvp_scan(&f, kvp_scan_slot, &sl)) != 0) {
		kvp_close(&f);
		return (error);
	}
	n = kvp_pool_nrecords(f.len);
	if (sl.found) {
		off_t at = (off_t)sl.index * KVP_POOL_RECSIZE +
		    KVP_POOL_KEYSIZE;

		error = pv_pwrite_full(f.fd, rec + KVP_POOL_KEYSIZE,
		    KVP_POOL_VALUESIZE, at);
		/* A value half written is put back as it was. */
		if (error != 0 && pv_pwrite_full(f.fd, sl.old,
		    KVP_POOL_VALUESIZE, at) != 0)
			error = EIO;
	} else {
		/* After the last whole record, over a partial one if any. */
		error = pv_pwrite_full(f.fd, rec, sizeof(rec),
		    (off_t)n * KVP_POOL_RECSIZE);
		if (error != 0 && ftruncate(f.fd, f.len) == -1)
			error = EIO;	/* could not even undo it */
	}
	kvp_close(&f);
	return (error);
}

static int
kvp_kvop(struct pv_unit *unit, enum pvbus_kvop op, const char *name,
    char *value, size_t valuelen)
{
	enum kvp_pool pool;
	const char *key;
	int error;

	if ((error = kvp_name_parse(name, &pool, &key)) != 0)
		return (error);
	/* Any name another tool may have stored can be read back. */
	if (op == PVBUS_KVREAD)
		return (kvp_read(unit, pool, key, value, valuelen));
	/* Only the Guest pool is the guest's to write. */
	if (pool != KVP_POOL_GUEST)
		return (EROFS);
	if ((error = kvp_check_key(key)) != 0 ||
	    (error = kvp_check_value(value)) != 0)
		return (error);
	return (kvp_write(unit, pool, key, value));
}

/*
 * hv_kvp_daemon rewrites a pool file whole, under its lock, when the host
 * sets or deletes a key; the directory's inotify watch sees the file
 * modified, replaced or created (the daemon makes it at start).  Every event
 * that names the pool's file, after those already queued are drained, is a
 * reason to read the key again under the lock.
 */
struct kvp_watch {
	int	fd;
	char	file[32];
};

/*
 * Not IN_CLOSE_WRITE: reading a pool opens it for writing (the lock is a
 * write lock), so every read would wake the watch again.
 */
#define KVP_WATCH_EVENTS	(IN_MODIFY | IN_CREATE | IN_MOVED_TO | \
	    IN_DELETE | IN_ATTRIB)

static int
kvp_watch_drain(struct kvp_watch *kw, int *hit)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	ssize_t n, off;

	for (;;) {
		if ((n = read(kw->fd, buf, sizeof(buf))) == -1) {
			if (errno == EINTR)
				continue;
			return (errno == EAGAIN ? 0 : errno);
		}
		for (off = 0; off + (ssize_t)sizeof(*ev) <= n;
		    off += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)(buf + off);
			if ((ev->mask & IN_Q_OVERFLOW) || (ev->len > 0 &&
			    strcmp(ev->name, kw->file) == 0))
				*hit = 1;
		}
	}
}

static int
kvp_watch(struct pv_unit *unit, struct pv_watch *w, enum pv_watch_step step)
{
	struct kvp_watch *kw = w->state;
	struct pollfd pfd;
	enum kvp_pool pool;
	const char *key;
	char dir[PATH_MAX];
	int error, hit = 0, rc;

	switch (step) {
	case PV_WATCH_ARM:
		if ((error = kvp_name_parse(w->key, &pool, &key)) != 0)
			return (error);
		if ((error = pv_path(unit->plat, unit->store_path, dir,
		    sizeof(dir))) != 0)
			return (error);
		if ((kw = calloc(1, sizeof(*kw))) == NULL)
			return (ENOMEM);
		snprintf(kw->file, sizeof(kw->file), KVP_POOL_FILE, pool);
		kw->fd = -1;
		w->state = kw;
		if ((kw->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC)) == -1)
			return (errno);
		if (inotify_add_watch(kw->fd, dir, KVP_WATCH_EVENTS) == -1)
			return (errno);
		return (0);
	case PV_WATCH_WAIT:
		while (!hit) {
			pfd.fd = kw->fd;
			pfd.events = POLLIN;
			rc = poll(&pfd, 1, pv_watch_ms_left(w));
			if (rc == -1 && errno == EINTR)
				continue;
			if (rc == -1)
				return (errno);
			if (rc == 0)
				return (ETIMEDOUT);
			if ((error = kvp_watch_drain(kw, &hit)) != 0)
				return (error);
		}
		return (0);
	case PV_WATCH_END:
		if (kw != NULL) {
			if (kw->fd != -1)
				close(kw->fd);
			free(kw);
		}
		w->state = NULL;
		break;
	}
	return (0);
}

static int
kvp_attach(struct pv_unit *unit)
{
	char path[PATH_MAX + 16];
	int pool, error, found = 0;

	if (strlcpy(unit->store_path, KVP_POOL_DIR, sizeof(unit->store_path)) >=
	    sizeof(unit->store_path))
		return (ENAMETOOLONG);
	/* The daemon creates every pool file when it starts. */
	for (pool = 0; pool < KVP_POOL_COUNT; pool++) {
		if ((error = kvp_pool_path(unit, pool, path,
		    sizeof(path))) != 0)
			return (error);
		if (pv_access(unit->plat, path, F_OK) == 0)
			found = 1;
	}
	if (!found)
		return (ENOENT);	/* store_path says where it looked */
	kvp_pool_path(unit, KVP_POOL_GUEST, path, sizeof(path));
	error = pv_access(unit->plat, path, W_OK);
	if (error == ENOENT)
		error = pv_access(unit->plat, KVP_POOL_DIR, W_OK);
	unit->store_access = error == 0 ? PVBUS_STORE_RW : PVBUS_STORE_RO;
	return (0);
}

const struct pv_store_ops pv_store_kvp = {
	.name = "kvp",
	.attach = kvp_attach,
	.kvop = kvp_kvop,
	.watch = kvp_watch,
};
