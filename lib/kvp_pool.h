/*
 * Hyper-V KVP pool files as hv_kvp_daemon keeps them in /var/lib/hyperv:
 * .kvp_pool_0 .. .kvp_pool_4, each a headerless array of records of a
 * 512-byte key and a 2048-byte value, NUL padded.  Whole-file fcntl write
 * locks (F_SETLKW) guard every access, reads included.
 *
 * The functions here (lib/kvp_pool.c) only look at bytes in memory;
 * lib/store/kvp.c does the file access.  They never read outside the
 * buffer they are given, whatever it holds.
 */
#ifndef KVP_POOL_H
#define KVP_POOL_H

#include <stddef.h>

#include "listing.h"

#define KVP_POOL_DIR		"/var/lib/hyperv"
#define KVP_POOL_FILE		".kvp_pool_%d"
#define KVP_POOL_KEYSIZE	512
#define KVP_POOL_VALUESIZE	2048
#define KVP_POOL_RECSIZE	(KVP_POOL_KEYSIZE + KVP_POOL_VALUESIZE)

/* Pools, as the uapi numbers them (enum hv_kvp_exchg_pool). */
enum kvp_pool {
	KVP_POOL_EXTERNAL,	/* host to guest */
	KVP_POOL_GUEST,		/* guest to host */
	KVP_POOL_AUTO,		/* intrinsic items the guest reports */
	KVP_POOL_AUTO_EXTERNAL,	/* "Guest/Parameters": host name and such */
	KVP_POOL_AUTO_INTERNAL,
	KVP_POOL_COUNT
};

/*
 * What the host can carry: keys and values travel as UTF-16, and the Linux
 * driver converts at most 254 and 1022 code units of them (the fields are
 * 512 and 2048 bytes with a two-unit terminator reserve).  The guest-side
 * record holds the UTF-8 form, which must also fit its field with a NUL.
 */
#define KVP_HOST_KEYMAX		254
#define KVP_HOST_VALUEMAX	1022

/* One record of a pool image. */
enum kvp_rec_state {
	KVP_REC_OK,		/* key and value are NUL-terminated */
	KVP_REC_EMPTY_KEY,	/* key[0] is NUL: no name to address it by */
	KVP_REC_BAD_KEY,	/* no NUL in the key field */
	KVP_REC_BAD_VALUE	/* no NUL in the value field */
};

struct kvp_rec {
	enum kvp_rec_state	 state;
	const char		*key;	/* into the image; valid if state OK */
	const char		*value;	/* likewise, or BAD_KEY/BAD_VALUE */
};

/*
 * Records in an image of LEN bytes.  A partial record at the end (a file
 * cut short) does not count, as hv_kvp_daemon's fread ignores it.
 */
size_t	kvp_pool_nrecords(size_t len);

/* Record I of the image; I must be below kvp_pool_nrecords(len). */
void	kvp_pool_record(const void *image, size_t len, size_t i,
	    struct kvp_rec *rec);

/*
 * The first record named KEY, as the daemon matches (the whole key and its
 * NUL).  0 with *index set, or ENOENT.  Records with a bad key never match.
 * Only the key fields are looked at.
 */
int	kvp_pool_find(const void *image, size_t len, const char *key,
	    size_t *index);

/*
 * The names of the pool joined by "\n", each once, in file order, into OUT
 * (OUTLEN bytes with the NUL).  Records without an addressable name (empty,
 * unterminated) are left out.  0, or ERANGE or ENOMEM with OUT set to "".
 */
int	kvp_pool_list(const void *image, size_t len, char *out, size_t outlen);

/*
 * The same names appended to listing L, leaving out those SKIP (when not
 * NULL) returns non-zero for.  0, ERANGE as pv_listing_add(), or ENOMEM.
 */
int	kvp_pool_list_add(const void *image, size_t len, struct pv_listing *l,
	    int (*skip)(const char *key));

/*
 * The same listing for a pool read in pieces: kvp_lister_init(), then
 * kvp_lister_add() with each piece of whole records in file order, then
 * kvp_lister_fini() (also after an error).  The names already listed are
 * kept in a hash table (offsets into the listing's text), so that a pool of
 * N records lists in time linear in N and needs no image of the whole file.
 */
struct kvp_lister_slot;

struct kvp_lister {
	struct pv_listing	*l;
	int			(*skip)(const char *key);
	struct kvp_lister_slot	*slots;
	size_t			 nslots;	/* a power of two, or 0 */
	size_t			 nnames;
};

/* Start listing into L, which may already hold names: 0. */
int	kvp_lister_init(struct kvp_lister *, struct pv_listing *l,
	    int (*skip)(const char *key));

/*
 * Append the names of the whole records of the LEN bytes at PIECE that no
 * earlier record named: 0, ERANGE (the listing is then "") or ENOMEM.
 */
int	kvp_lister_add(struct kvp_lister *, const void *piece, size_t len);

/* Free what the lister holds. */
void	kvp_lister_fini(struct kvp_lister *);

/*
 * Split a store name ("External/KEY", "Guest/Parameters/KEY", "Auto/") at
 * its last "/" into a pool and a key ("" for a listing).  Pool names:
 * External, Guest, Auto, Guest/Parameters and Auto/Internal (pool 4, which
 * OpenBSD does not name).  0, or EINVAL for a name without "/" or with an
 * unknown pool.
 */
int	kvp_name_parse(const char *name, enum kvp_pool *pool,
	    const char **key);

/* The store name of a pool ("Guest/Parameters"), or NULL. */
const char *kvp_pool_name(enum kvp_pool pool);

/*
 * UTF-16 code units of the NUL-terminated UTF-8 string S, or -1 when S is
 * not well-formed UTF-8 (overlong forms, surrogates, beyond U+10FFFF), which
 * the host could not receive.
 */
long	kvp_utf16_units(const char *s);

/*
 * Whether a key or value can go into a pool and reach the host: 0, EINVAL
 * (empty key, "/" or a control character in a key, which the listing
 * would show as other names; not UTF-8), ENAMETOOLONG (key past the
 * limits), E2BIG (value past the limits).
 */
int	kvp_check_key(const char *key);
int	kvp_check_value(const char *value);

#endif /* KVP_POOL_H */
