/*
 * The XenStore wire protocol: header packing, names, the error table, path
 * rules and a message reader that never trusts the peer's lengths.
 */
#include <errno.h>
#include <string.h>

#include "listing.h"
#include "pv.h"
#include "xs_wire.h"

/* The protocol's error table, in Xen's order; EINVAL first on purpose. */
static const struct {
	int		 error;
	const char	*name;
} xs_errors[] = {
	{ EINVAL,	"EINVAL" },
	{ EACCES,	"EACCES" },
	{ EEXIST,	"EEXIST" },
	{ EISDIR,	"EISDIR" },
	{ ENOENT,	"ENOENT" },
	{ ENOMEM,	"ENOMEM" },
	{ ENOSPC,	"ENOSPC" },
	{ EIO,		"EIO" },
	{ ENOTEMPTY,	"ENOTEMPTY" },
	{ ENOSYS,	"ENOSYS" },
	{ EROFS,	"EROFS" },
	{ EBUSY,	"EBUSY" },
	{ EAGAIN,	"EAGAIN" },
	{ EISCONN,	"EISCONN" },
	{ E2BIG,	"E2BIG" },
	{ EPERM,	"EPERM" },
};

static const char *const xs_type_names[XS_TYPE_COUNT] = {
	[XS_CONTROL] = "CONTROL",
	[XS_DIRECTORY] = "DIRECTORY",
	[XS_READ] = "READ",
	[XS_GET_PERMS] = "GET_PERMS",
	[XS_WATCH] = "WATCH",
	[XS_UNWATCH] = "UNWATCH",
	[XS_TRANSACTION_START] = "TRANSACTION_START",
	[XS_TRANSACTION_END] = "TRANSACTION_END",
	[XS_INTRODUCE] = "INTRODUCE",
	[XS_RELEASE] = "RELEASE",
	[XS_GET_DOMAIN_PATH] = "GET_DOMAIN_PATH",
	[XS_WRITE] = "WRITE",
	[XS_MKDIR] = "MKDIR",
	[XS_RM] = "RM",
	[XS_SET_PERMS] = "SET_PERMS",
	[XS_WATCH_EVENT] = "WATCH_EVENT",
	[XS_ERROR] = "ERROR",
	[XS_IS_DOMAIN_INTRODUCED] = "IS_DOMAIN_INTRODUCED",
	[XS_RESUME] = "RESUME",
	[XS_SET_TARGET] = "SET_TARGET",
	[XS_RESTRICT] = "RESTRICT",
	[XS_RESET_WATCHES] = "RESET_WATCHES",
	[XS_DIRECTORY_PART] = "DIRECTORY_PART",
};

void
xs_hdr_pack(const struct xs_hdr *hdr, unsigned char out[XS_HDR_LEN])
{
	memcpy(out, &hdr->type, 4);
	memcpy(out + 4, &hdr->req_id, 4);
	memcpy(out + 8, &hdr->tx_id, 4);
	memcpy(out + 12, &hdr->len, 4);
}

void
xs_hdr_unpack(const unsigned char in[XS_HDR_LEN], struct xs_hdr *hdr)
{
	memcpy(&hdr->type, in, 4);
	memcpy(&hdr->req_id, in + 4, 4);
	memcpy(&hdr->tx_id, in + 8, 4);
	memcpy(&hdr->len, in + 12, 4);
}

const char *
xs_type_name(uint32_t type)
{
	if (type < XS_TYPE_COUNT && xs_type_names[type] != NULL)
		return (xs_type_names[type]);
	return ("unknown");
}

int
xs_error_errno(const char *payload, size_t len)
{
	size_t i, n;

	/* The string and its NUL, nothing after: anything else is garbage. */
	if (len == 0 || payload[len - 1] != '\0')
		return (EIO);
	n = strlen(payload);
	if (n + 1 != len)
		return (EIO);
	for (i = 0; i < nitems(xs_errors); i++)
		if (strcmp(payload, xs_errors[i].name) == 0)
			return (xs_errors[i].error);
	return (EIO);
}

const char *
xs_error_string(int error)
{
	size_t i;

	for (i = 0; i < nitems(xs_errors); i++)
		if (xs_errors[i].error == error)
			return (xs_errors[i].name);
	return (xs_errors[0].name);
}

int
xs_path_check(const char *path, int allow_special)
{
	static const char valid[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789-/_@";
	size_t len = strlen(path);

	if (len == 0)
		return (EINVAL);
	if (path[0] == '@') {
		if (!allow_special)
			return (EINVAL);
		if (len > XS_REL_PATH_MAX)
			return (ENAMETOOLONG);
	} else if (len > (path[0] == '/' ? XS_ABS_PATH_MAX : XS_REL_PATH_MAX))
		return (ENAMETOOLONG);
	if (strspn(path, valid) != len)
		return (EINVAL);
	if (strstr(path, "//") != NULL)
		return (EINVAL);
	if (path[len - 1] == '/' && len > 1)
		return (EINVAL);
	return (0);
}

void
xs_reader_init(struct xs_reader *r)
{
	r->have = 0;
	memset(&r->msg.hdr, 0, sizeof(r->msg.hdr));
}

size_t
xs_reader_need(const struct xs_reader *r)
{
	if (r->have < XS_HDR_LEN)
		return (XS_HDR_LEN - r->have);
	return (XS_HDR_LEN + r->msg.hdr.len - r->have);
}

int
xs_reader_feed(struct xs_reader *r, const void *buf, size_t len,
    size_t *used, int *done)
{
	const unsigned char *p = buf;
	size_t n, off;

	*used = 0;
	*done = 0;
	if (r->have < XS_HDR_LEN) {
		n = XS_HDR_LEN - r->have;
		if (n > len)
			n = len;
		memcpy(r->hdrbuf + r->have, p, n);
		r->have += n;
		*used += n;
		p += n;
		len -= n;
		if (r->have < XS_HDR_LEN)
			return (0);
		xs_hdr_unpack(r->hdrbuf, &r->msg.hdr);
		if (r->msg.hdr.len > XS_PAYLOAD_MAX)
			return (EIO);
	}
	off = r->have - XS_HDR_LEN;
	n = r->msg.hdr.len - off;
	if (n > len)
		n = len;
	memcpy(r->msg.body + off, p, n);
	r->have += n;
	*used += n;
	if (r->have == XS_HDR_LEN + r->msg.hdr.len) {
		r->msg.body[r->msg.hdr.len] = '\0';
		r->have = 0;
		*done = 1;
	}
	return (0);
}

int
xs_reply_match(const struct xs_hdr *req, const struct xs_msg *msg)
{
	/* Events carry req_id 0 and belong to no request. */
	if (msg->hdr.type == XS_WATCH_EVENT)
		return (XS_REPLY_SKIP);
	if (msg->hdr.req_id != req->req_id)
		return (EIO);
	if (msg->hdr.type == XS_ERROR)
		return (xs_error_errno(msg->body, msg->hdr.len));
	if (msg->hdr.type != req->type)
		return (EIO);
	return (0);
}

int
xs_dir_join(const char *body, size_t len, char *out, size_t outlen)
{
	struct pv_listing l;
	size_t off, n;
	int error;

	if ((error = pv_listing_init(&l, out, outlen)) != 0)
		return (error);
	if (len > 0 && body[len - 1] != '\0')
		return (EIO);
	for (off = 0; off < len; off += n + 1) {
		if ((n = strlen(body + off)) == 0) {
			out[0] = '\0';
			return (EIO);
		}
		if ((error = pv_listing_add(&l, body + off, n)) != 0)
			return (error);
	}
	return (0);
}

int
xs_dir_part_split(const char *body, size_t len, const char **gen,
    const char **names, size_t *nameslen, int *last)
{
	size_t glen, off, n;

	*gen = *names = NULL;
	*nameslen = 0;
	*last = 0;
	glen = strnlen(body, len);
	if (glen == 0 || glen == len || glen >= XS_GEN_MAX ||
	    strspn(body, "0123456789") != glen)
		return (EIO);
	off = glen + 1;
	*gen = body;
	*names = body + off;
	while (off < len) {
		n = strnlen(body + off, len - off);
		if (n == len - off)
			return (EIO);
		if (n == 0) {
			/* The closing NUL must be the last byte. */
			if (off + 1 != len)
				return (EIO);
			*last = 1;
			return (0);
		}
		off += n + 1;
		*nameslen += n + 1;
	}
	return (*nameslen > 0 ? 0 : EIO);
}
