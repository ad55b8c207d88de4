/*
 * A listing: the names a read of a directory-like key returns, joined by
 * "\n" into the caller's buffer (lib/listing.c).  Every store whose keys
 * have children (KVP pools, fw_cfg directories, XenStore nodes) builds its
 * answer with it, so that all of them bound it and fail alike.
 */
#ifndef PV_LISTING_H
#define PV_LISTING_H

#include <stddef.h>

struct pv_listing {
	char	*out;
	size_t	 outlen;	/* bytes of OUT, the NUL included */
	size_t	 off;		/* length of the text so far */
};

/* An empty listing in OUT: 0, or ERANGE when OUTLEN leaves no room for NUL. */
int	pv_listing_init(struct pv_listing *, char *out, size_t outlen);

/*
 * Append the LEN bytes of NAME, after a "\n" unless it is the first.  0, or
 * ERANGE when the name, its separator and the NUL do not fit: OUT is then
 * left empty.
 */
int	pv_listing_add(struct pv_listing *, const char *name, size_t len);

/*
 * Whether NAME can appear in a listing as itself: 1, or 0 when it holds a
 * control character (C0, DEL, or C1 in UTF-8), a newline above all, which
 * would show as names that do not exist.  Stores whose keys are listed
 * refuse such keys on a write.
 */
int	pv_listing_name_ok(const char *name);

#endif /* PV_LISTING_H */
