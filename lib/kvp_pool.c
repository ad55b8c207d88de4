/*
 * The KVP pool image: records, names, the checks a key and a value pass
 * before they go into a pool.  Bytes in memory only; lib/store/kvp.c does
 * the files and their locks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kvp_pool.h"
#include "listing.h"

static const char *const kvp_pool_names[KVP_POOL_COUNT] = {
	[KVP_POOL_EXTERNAL] = "External",
	[KVP_POOL_GUEST] = "Guest",
	[KVP_POOL_AUTO] = "Auto",
	[KVP_POOL_AUTO_EXTERNAL] = "Guest/Parameters",
	[KVP_POOL_AUTO_INTERNAL] = "Auto/Internal",
};

size_t
kvp_pool_nrecords(size_t len)
{
	return (len / KVP_POOL_RECSIZE);
}

void
kvp_pool_record(const void *image, size_t len, size_t i, struct kvp_rec *rec)
{
	const char *r = (const char *)image + i * KVP_POOL_RECSIZE;

	(void)len;
	rec->key = r;
	rec->value = r + KVP_POOL_KEYSIZE;
	if (memchr(r, '\0', KVP_POOL_KEYSIZE) == NULL)
		rec->state = KVP_REC_BAD_KEY;
	else if (r[0] == '\0')
		rec->state = KVP_REC_EMPTY_KEY;
	else if (memchr(rec->value, '\0', KVP_POOL_VALUESIZE) == NULL)
		rec->state = KVP_REC_BAD_VALUE;
	else
		rec->state = KVP_REC_OK;
}

/*
 * Whether the record at R has a key that is a name (terminated and not
 * empty), whatever its value holds.
 */
static int
kvp_key_named(const char *r)
{
	return (r[0] != '\0' && memchr(r, '\0', KVP_POOL_KEYSIZE) != NULL);
}

int
kvp_pool_find(const void *image, size_t len, const char *key, size_t *index)
{
	const char *r = image;
	size_t i, n = kvp_pool_nrecords(len), klen = strlen(key);

	/* Whole key and NUL: neither "" nor an overlong key can match. */
	if (klen == 0 || klen >= KVP_POOL_KEYSIZE)
		return (ENOENT);
	for (i = 0; i < n; i++, r += KVP_POOL_RECSIZE)
		if (r[0] == key[0] && memcmp(r, key, klen + 1) == 0) {
			*index = i;
			return (0);
		}
	return (ENOENT);
}

/* A name listed: where its text is in the listing.  len 0: a free slot. */
struct kvp_lister_slot {
	size_t		off;
	size_t		len;
	uint32_t	hash;
};

#define KVP_LISTER_MINSLOTS	64

/* FNV-1a over the LEN bytes of S. */
static uint32_t
kvp_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return (h);
}

int
kvp_lister_init(struct kvp_lister *ls, struct pv_listing *l,
    int (*skip)(const char *key))
{
	ls->l = l;
	ls->skip = skip;
	ls->slots = NULL;
	ls->nslots = 0;
	ls->nnames = 0;
	return (0);
}

void
kvp_lister_fini(struct kvp_lister *ls)
{
	free(ls->slots);
	ls->slots = NULL;
	ls->nslots = 0;
	ls->nnames = 0;
}

/* The table twice as large (or first made), the names kept.  0 or ENOMEM. */
static int
kvp_lister_grow(struct kvp_lister *ls)
{
	struct kvp_lister_slot *slots;
	size_t n = ls->nslots ? ls->nslots * 2 : KVP_LISTER_MINSLOTS, i, j;

	if ((slots = calloc(n, sizeof(*slots))) == NULL)
		return (ENOMEM);
	for (i = 0; i < ls->nslots; i++) {
		if (ls->slots[i].len == 0)
			continue;
		for (j = ls->slots[i].hash & (n - 1); slots[j].len != 0;
		    j = (j + 1) & (n - 1))
			;
		slots[j] = ls->slots[i];
	}
	free(ls->slots);
	ls->slots = slots;
	ls->nslots = n;
	return (0);
}

int
kvp_lister_add(struct kvp_lister *ls, const void *piece, size_t len)
{
	struct pv_listing *l = ls->l;
	const char *r = piece;
	size_t i, j, n = kvp_pool_nrecords(len), klen, off;
	uint32_t h;
	int error;

	for (i = 0; i < n; i++, r += KVP_POOL_RECSIZE) {
		if (!kvp_key_named(r) || (ls->skip != NULL && ls->skip(r)))
			continue;
		/* Half full at most, so that a probe ends soon. */
		if (2 * (ls->nnames + 1) > ls->nslots &&
		    (error = kvp_lister_grow(ls)) != 0) {
			l->out[0] = '\0';
			return (error);
		}
		klen = strlen(r);
		h = kvp_hash(r, klen);
		/* A name the daemon would find first is listed once. */
		for (j = h & (ls->nslots - 1); ls->slots[j].len != 0;
		    j = (j + 1) & (ls->nslots - 1))
			if (ls->slots[j].hash == h && ls->slots[j].len == klen &&
			    memcmp(l->out + ls->slots[j].off, r, klen) == 0)
				break;
		if (ls->slots[j].len != 0)
			continue;
		off = l->off + (l->off > 0);
		if ((error = pv_listing_add(l, r, klen)) != 0)
			return (error);
		ls->slots[j].off = off;
		ls->slots[j].len = klen;
		ls->slots[j].hash = h;
		ls->nnames++;
	}
	return (0);
}

int
kvp_pool_list_add(const void *image, size_t len, struct pv_listing *l,
    int (*skip)(const char *key))
{
	struct kvp_lister ls;
	int error;

	if ((error = kvp_lister_init(&ls, l, skip)) != 0)
		return (error);
	error = kvp_lister_add(&ls, image, len);
	kvp_lister_fini(&ls);
	return (error);
}

int
kvp_pool_list(const void *image, size_t len, char *out, size_t outlen)
{
	struct pv_listing l;
	int error;

	if ((error = pv_listing_init(&l, out, outlen)) != 0)
		return (error);
	return (kvp_pool_list_add(image, len, &l, NULL));
}

int
kvp_name_parse(const char *name, enum kvp_pool *pool, const char **key)
{
	const char *slash = strrchr(name, '/');
	size_t plen;
	int i;

	if (slash == NULL)
		return (EINVAL);
	plen = slash - name;
	for (i = 0; i < KVP_POOL_COUNT; i++)
		if (strlen(kvp_pool_names[i]) == plen &&
		    strncmp(kvp_pool_names[i], name, plen) == 0) {
			*pool = i;
			*key = slash + 1;
			return (0);
		}
	return (EINVAL);
}

const char *
kvp_pool_name(enum kvp_pool pool)
{
	if ((unsigned int)pool >= KVP_POOL_COUNT)
		return (NULL);
	return (kvp_pool_names[pool]);
}

long
kvp_utf16_units(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	long units = 0;
	int n, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			p++;
			units++;
			continue;
		}
		if ((*p & 0xe0) == 0xc0) {
			n = 1;
			cp = *p & 0x1f;
		} else if ((*p & 0xf0) == 0xe0) {
			n = 2;
			cp = *p & 0x0f;
		} else if ((*p & 0xf8) == 0xf0) {
			n = 3;
			cp = *p & 0x07;
		} else
			return (-1);
		for (i = 1; i <= n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return (-1);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		/* Shortest form only; no surrogates; Unicode's range. */
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) ||
		    (n == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (-1);
		units += cp >= 0x10000 ? 2 : 1;
		p += n + 1;
	}
	return (units);
}

int
kvp_check_key(const char *key)
{
	long units;

	if (key[0] == '\0' || strchr(key, '/') != NULL ||
	    !pv_listing_name_ok(key))
		return (EINVAL);
	if ((units = kvp_utf16_units(key)) < 0)
		return (EINVAL);
	if (units > KVP_HOST_KEYMAX || strlen(key) >= KVP_POOL_KEYSIZE)
		return (ENAMETOOLONG);
	return (0);
}

int
kvp_check_value(const char *value)
{
	long units;

	if ((units = kvp_utf16_units(value)) < 0)
		return (EINVAL);
	if (units > KVP_HOST_VALUEMAX || strlen(value) >= KVP_POOL_VALUESIZE)
		return (E2BIG);
	return (0);
}

