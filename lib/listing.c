/* Names joined by "\n" in a bounded buffer, as every store lists them. */
#include <errno.h>
#include <string.h>

#include "listing.h"

int
pv_listing_init(struct pv_listing *l, char *out, size_t outlen)
{
	l->out = out;
	l->outlen = outlen;
	l->off = 0;
	if (outlen == 0)
		return (ERANGE);
	out[0] = '\0';
	return (0);
}

int
pv_listing_add(struct pv_listing *l, const char *name, size_t len)
{
	/* The separator, the name and the final NUL. */
	if (l->off + (l->off > 0) + len + 1 > l->outlen) {
		l->out[0] = '\0';
		return (ERANGE);
	}
	if (l->off > 0)
		l->out[l->off++] = '\n';
	memcpy(l->out + l->off, name, len);
	l->off += len;
	l->out[l->off] = '\0';
	return (0);
}

int
pv_listing_name_ok(const char *name)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p != '\0'; p++)
		if (*p < 0x20 || *p == 0x7f ||
		    (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return (0);
	return (1);
}
