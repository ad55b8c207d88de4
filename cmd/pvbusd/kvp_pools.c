/*
 * The KVP agent's pool files (kvp.h): the records of lib/kvp_pool.h, under
 * the daemon's whole-file fcntl write lock.  hv_kvp_daemon rewrites a pool
 * by truncating it and writing every record again; here the new records go
 * over the old ones and the file is cut (or grown) to its new length
 * afterwards, so that a reader that does not lock never sees it empty, and
 * a rewrite that fails is put back as it was.  Fields are NUL padded: the
 * daemon leaves in them the bytes of longer keys and values it moved or
 * overwrote, which a host that deleted a value would not expect to stay.
 */
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pv.h"
#include "kvp_pool.h"
#include "pvbusd.h"
#include "kvp.h"

/* A pool past this is not one the daemon wrote (lib/store/kvp.c agrees). */
#define KVPD_POOL_MAXBYTES	(16u * 1024 * 1024)

_Static_assert(KVPD_KEYSIZE == KVP_POOL_KEYSIZE, "key field");
_Static_assert(KVPD_VALUESIZE == KVP_POOL_VALUESIZE, "value field");
_Static_assert(KVPD_NPOOLS == KVP_POOL_COUNT, "pools");

struct pool_image {
	char	*buf;
	size_t	 len;		/* whole records only */
	size_t	 filelen;	/* as found, a partial tail included */
};

static int
pool_lock(int fd, short type, int pool)
{
	int error;

	if ((error = pv_lock_wait(fd, type, KVPD_LOCK_MS)) == EBUSY)
		logit(LOG_WARNING, "KVP pool %d: locked by another process "
		    "for %d ms: request refused", pool, KVPD_LOCK_MS);
	else if (error != 0)
		logit(LOG_ERR, "KVP pool %d: lock: %s", pool, strerror(error));
	return (error);
}

static void
pool_unlock(int fd)
{
	(void)pv_lock_wait(fd, F_UNLCK, 0);
}

int
kvpd_pools_open(struct kvpd *k)
{
	char path[PATH_MAX];
	int i, error, fd;

	for (i = 0; i < KVPD_NPOOLS; i++)
		k->pools[i] = -1;
	if ((error = pv_path(k->plat, KVP_POOL_DIR, path,
	    sizeof(path))) != 0)
		return (error);
	if (mkdir(path, 0755) == -1 && errno != EEXIST) {
		error = errno;
		logit(LOG_ERR, "KVP: %s: %s", path, strerror(error));
		return (error);
	}
	for (i = 0; i < KVPD_NPOOLS; i++) {
		snprintf(path, sizeof(path), KVP_POOL_DIR "/" KVP_POOL_FILE, i);
		/* A pool that exists keeps its mode; a new one is root's. */
		if ((error = pv_open(k->plat, path, O_RDWR | O_CREAT, 0600,
		    &fd)) != 0) {
			logit(LOG_ERR, "KVP: %s%s: %s",
			    k->plat->root, path, strerror(error));
			kvpd_pools_close(k);
			return (error);
		}
		k->pools[i] = fd;
	}
	return (0);
}

void
kvpd_pools_close(struct kvpd *k)
{
	int i;

	for (i = 0; i < KVPD_NPOOLS; i++) {
		if (k->pools[i] != -1)
			close(k->pools[i]);
		k->pools[i] = -1;
	}
}

/* Lock POOL and load its records; on success the caller unlocks. */
static int
pool_load(struct kvpd *k, int pool, struct pool_image *im)
{
	struct stat st;
	size_t got;
	int fd = k->pools[pool], error;

	im->buf = NULL;
	im->len = im->filelen = 0;
	if (fd == -1)
		return (EBADF);
	if ((error = pool_lock(fd, F_WRLCK, pool)) != 0)
		return (error);
	if (fstat(fd, &st) == -1)
		error = errno;
	else if (!S_ISREG(st.st_mode))
		error = EIO;
	else if ((size_t)st.st_size > KVPD_POOL_MAXBYTES)
		error = EFBIG;
	else if ((im->buf = malloc((size_t)st.st_size + 1)) == NULL)
		error = ENOMEM;
	else if (lseek(fd, 0, SEEK_SET) == -1)
		error = errno;
	else if ((error = pv_read_full(fd, im->buf, (size_t)st.st_size + 1,
	    &got)) == 0 && got != (size_t)st.st_size)
		error = EIO;	/* changed under the lock: a foreign writer */
	if (error != 0) {
		logit(LOG_ERR, "KVP pool %d: cannot read it: %s", pool,
		    strerror(error));
		free(im->buf);
		im->buf = NULL;
		pool_unlock(fd);
		return (error);
	}
	im->filelen = got;
	im->len = kvp_pool_nrecords(got) * KVP_POOL_RECSIZE;
	return (0);
}

static void
pool_done(struct kvpd *k, int pool, struct pool_image *im)
{
	pool_unlock(k->pools[pool]);
	free(im->buf);
	im->buf = NULL;
}

/*
 * Make the file NEW (NEWLEN bytes) in place of OLD.  The daemon's rewrite
 * also drops a partial record at the end; so does this one.
 */
static int
pool_store(struct kvpd *k, int pool, const struct pool_image *old,
    const char *new, size_t newlen)
{
	int fd = k->pools[pool], error;

	if ((error = pv_pwrite_full(fd, new, newlen, 0)) == 0 &&
	    ftruncate(fd, (off_t)newlen) == -1)
		error = errno;
	if (error == 0)
		return (0);
	logit(LOG_ERR, "KVP pool %d: cannot write it: %s", pool,
	    strerror(error));
	if (pv_pwrite_full(fd, old->buf, old->filelen, 0) != 0 ||
	    ftruncate(fd, (off_t)old->filelen) == -1)
		logit(LOG_ERR, "KVP pool %d: cannot put it back either",
		    pool);
	return (error);
}

/* The first record named KEY, as the daemon compares: KEY and its NUL. */
static int
pool_find(const struct pool_image *im, const char *key, size_t *at)
{
	size_t i, n = strlen(key) + 1;

	for (i = 0; i < im->len; i += KVP_POOL_RECSIZE)
		if (memcmp(im->buf + i, key, n) == 0) {
			*at = i;
			return (0);
		}
	return (ENOENT);
}

static void
field_set(char *field, size_t size, const char *s)
{
	size_t n = strlen(s);

	memcpy(field, s, n);
	memset(field + n, 0, size - n);
}

int
kvpd_pool_set(struct kvpd *k, int pool, const char *key, const char *value)
{
	struct pool_image im;
	char *new;
	size_t at, newlen;
	int error;

	if (strlen(key) >= KVP_POOL_KEYSIZE ||
	    strlen(value) >= KVP_POOL_VALUESIZE)
		return (E2BIG);
	if ((error = pool_load(k, pool, &im)) != 0)
		return (error);
	newlen = im.len;
	if (pool_find(&im, key, &at) != 0) {
		at = im.len;
		newlen += KVP_POOL_RECSIZE;
	}
	if ((new = malloc(newlen)) == NULL) {
		pool_done(k, pool, &im);
		return (ENOMEM);
	}
	memcpy(new, im.buf, im.len);
	field_set(new + at, KVP_POOL_KEYSIZE, key);
	field_set(new + at + KVP_POOL_KEYSIZE, KVP_POOL_VALUESIZE, value);
	error = pool_store(k, pool, &im, new, newlen);
	free(new);
	pool_done(k, pool, &im);
	return (error);
}

int
kvpd_pool_get(struct kvpd *k, int pool, const char *key, char *value)
{
	struct pool_image im;
	size_t at;
	int error;

	if ((error = pool_load(k, pool, &im)) != 0)
		return (error);
	if ((error = pool_find(&im, key, &at)) == 0)
		memcpy(value, im.buf + at + KVP_POOL_KEYSIZE,
		    KVP_POOL_VALUESIZE);
	pool_done(k, pool, &im);
	return (error);
}

int
kvpd_pool_delete(struct kvpd *k, int pool, const char *key)
{
	struct pool_image im;
	size_t at;
	int error;

	if ((error = pool_load(k, pool, &im)) != 0)
		return (error);
	if ((error = pool_find(&im, key, &at)) == 0) {
		/* The old image is kept whole to put back on failure. */
		char *new = malloc(im.len);

		if (new == NULL)
			error = ENOMEM;
		else {
			memcpy(new, im.buf, at);
			memcpy(new + at, im.buf + at + KVP_POOL_RECSIZE,
			    im.len - at - KVP_POOL_RECSIZE);
			error = pool_store(k, pool, &im, new,
			    im.len - KVP_POOL_RECSIZE);
			free(new);
		}
	}
	pool_done(k, pool, &im);
	return (error);
}

int
kvpd_pool_record(struct kvpd *k, int pool, uint32_t index, char *key,
    char *value)
{
	struct pool_image im;
	size_t at;
	int error;

	if ((error = pool_load(k, pool, &im)) != 0)
		return (error);
	if (index >= kvp_pool_nrecords(im.len))
		error = ENOENT;
	else {
		at = (size_t)index * KVP_POOL_RECSIZE;
		memcpy(key, im.buf + at, KVP_POOL_KEYSIZE);
		memcpy(value, im.buf + at + KVP_POOL_KEYSIZE,
		    KVP_POOL_VALUESIZE);
	}
	pool_done(k, pool, &im);
	return (error);
}
