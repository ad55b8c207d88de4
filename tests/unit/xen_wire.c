/*
 * The XenStore wire helpers: error strings, path rules, the message reader,
 * reply matching and listings.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "xs_wire.h"

static const struct {
	const char	*path;
	int		 special;
	int		 error;
} paths[] = {
	{ "data/x", 0, 0 },
	{ "/local/domain/5/data/x", 0, 0 },
	{ "/", 0, 0 },
	{ "a-b_c@d/E9", 0, 0 },
	{ "", 0, EINVAL },
	{ "data/", 0, EINVAL },
	{ "data//x", 0, EINVAL },
	{ "data/x y", 0, EINVAL },
	{ "data/x.y", 0, EINVAL },
	{ "data/\xc3\xa9", 0, EINVAL },
	{ "@introduceDomain", 0, EINVAL },
	{ "@introduceDomain", 1, 0 },
};

static const char *const errnames[] = {
	"EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC",
	"EIO", "ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN",
	"E2BIG", "EPERM",
};

static size_t
pack(unsigned char *buf, uint32_t type, uint32_t id, const char *body,
    size_t len)
{
	struct xs_hdr h = { type, id, 0, (uint32_t)len };

	xs_hdr_pack(&h, buf);
	memcpy(buf + XS_HDR_LEN, body, len);
	return (XS_HDR_LEN + len);
}

static void
test_paths(void)
{
	char name[96], longp[XS_ABS_PATH_MAX + 2];
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(name, sizeof(name), "path \"%s\"%s", paths[i].path,
		    paths[i].special ? " (special)" : "");
		CHECK(name, xs_path_check(paths[i].path, paths[i].special) ==
		    paths[i].error);
	}
	memset(longp, 'a', sizeof(longp));
	longp[XS_REL_PATH_MAX] = '\0';
	CHECK("relative path of 2048 bytes", xs_path_check(longp, 0) == 0);
	longp[XS_REL_PATH_MAX] = 'a';
	longp[XS_REL_PATH_MAX + 1] = '\0';
	CHECK("relative path of 2049 bytes", xs_path_check(longp, 0) == ENAMETOOLONG);
	memset(longp, 'a', sizeof(longp));
	longp[0] = '/';
	longp[XS_ABS_PATH_MAX] = '\0';
	CHECK("absolute path of 3072 bytes", xs_path_check(longp, 0) == 0);
	longp[XS_ABS_PATH_MAX] = 'a';
	longp[XS_ABS_PATH_MAX + 1] = '\0';
	CHECK("absolute path of 3073 bytes", xs_path_check(longp, 0) == ENAMETOOLONG);
}

static void
test_errors(void)
{
	size_t i;
	int ok = 1;

	for (i = 0; i < sizeof(errnames) / sizeof(errnames[0]); i++) {
		int e = xs_error_errno(errnames[i], strlen(errnames[i]) + 1);

		if (strcmp(xs_error_string(e), errnames[i]) != 0 || e == EIO) {
			if (strcmp(errnames[i], "EIO") != 0)
				ok = 0;
		}
	}
	CHECK("error strings map to their errno and back", ok);
	CHECK("ENOENT string", xs_error_errno("ENOENT", 7) == ENOENT);
	CHECK("unknown error string is EIO",
	    xs_error_errno("EWHATEVER", 10) == EIO);
	CHECK("unterminated error string is EIO",
	    xs_error_errno("ENOENT", 6) == EIO);
	CHECK("error string with trailing bytes is EIO",
	    xs_error_errno("ENOENT\0x", 8) == EIO);
	CHECK("empty error payload is EIO", xs_error_errno("", 0) == EIO);
	CHECK_STR("errno without a string answers EINVAL",
	    xs_error_string(ETIMEDOUT), "EINVAL");
}

static void
test_reader(void)
{
	static unsigned char buf[3 * (XS_HDR_LEN + XS_PAYLOAD_MAX)];
	static struct xs_reader r;
	struct xs_hdr req = { XS_READ, 7, 0, 0 };
	size_t len = 0, off, used;
	int done, msgs = 0, skip = 0, replies = 0, error;

	len += pack(buf + len, XS_WATCH_EVENT, 0, "data\0tok\0", 9);
	len += pack(buf + len, XS_READ, 7, "value", 5);
	len += pack(buf + len, XS_ERROR, 7, "EACCES", 7);
	xs_reader_init(&r);
	/* One byte at a time: the messages still come out whole. */
	for (off = 0; off < len; off++) {
		error = xs_reader_feed(&r, buf + off, 1, &used, &done);
		if (error != 0 || used != 1)
			break;
		if (!done)
			continue;
		msgs++;
		error = xs_reply_match(&req, &r.msg);
		if (error == XS_REPLY_SKIP)
			skip++;
		else if (error == 0 && strcmp(r.msg.body, "value") == 0)
			replies++;
		else if (error == EACCES)
			replies++;
	}
	CHECK("reader: three messages byte by byte", msgs == 3);
	CHECK("reader: the watch event is skipped", skip == 1);
	CHECK("reader: reply and error matched", replies == 2);

	xs_reader_init(&r);
	len = pack(buf, XS_READ, 7, "", 0);
	memcpy(buf + 12, &(uint32_t){ XS_PAYLOAD_MAX + 1 }, 4);
	CHECK("reader: a header over the payload limit is EIO",
	    xs_reader_feed(&r, buf, len, &used, &done) == EIO);

	xs_reader_init(&r);
	len = pack(buf, XS_READ, 7, "", 0);
	memset(buf + XS_HDR_LEN, 'z', XS_PAYLOAD_MAX);
	memcpy(buf + 12, &(uint32_t){ XS_PAYLOAD_MAX }, 4);
	error = xs_reader_feed(&r, buf, XS_HDR_LEN + XS_PAYLOAD_MAX, &used,
	    &done);
	CHECK("reader: a 4096-byte payload is whole", error == 0 && done &&
	    r.msg.hdr.len == XS_PAYLOAD_MAX && r.msg.body[4096] == '\0');

	r.msg.hdr.type = XS_READ;
	r.msg.hdr.req_id = 8;
	CHECK("match: another request's id is EIO",
	    xs_reply_match(&req, &r.msg) == EIO);
	r.msg.hdr.req_id = 7;
	r.msg.hdr.type = XS_WRITE;
	CHECK("match: another type is EIO",
	    xs_reply_match(&req, &r.msg) == EIO);
}

static void
test_listing(void)
{
	char out[16];

	CHECK("listing joined by newlines",
	    xs_dir_join("a\0bb\0c\0", 7, out, sizeof(out)) == 0 &&
	    strcmp(out, "a\nbb\nc") == 0);
	CHECK("empty listing", xs_dir_join("", 0, out, sizeof(out)) == 0 &&
	    out[0] == '\0');
	CHECK("listing exactly fitting",
	    xs_dir_join("abc\0de\0", 7, out, 7) == 0 &&
	    strcmp(out, "abc\nde") == 0);
	CHECK("listing one byte short is ERANGE, empty",
	    xs_dir_join("abc\0de\0", 7, out, 6) == ERANGE && out[0] == '\0');
	CHECK("unterminated listing is EIO",
	    xs_dir_join("abc", 3, out, sizeof(out)) == EIO);
	CHECK("empty name is EIO",
	    xs_dir_join("a\0\0", 3, out, sizeof(out)) == EIO);
}

static int
part(const char *body, size_t len, const char *wgen, const char *wnames,
    size_t wlen, int wlast)
{
	const char *gen, *names;
	size_t nlen;
	int last;

	if (xs_dir_part_split(body, len, &gen, &names, &nlen, &last) != 0)
		return (0);
	return (strcmp(gen, wgen) == 0 && nlen == wlen &&
	    memcmp(names, wnames, wlen) == 0 && last == wlast);
}

static int
part_error(const char *body, size_t len)
{
	const char *gen, *names;
	size_t nlen;
	int last;

	return (xs_dir_part_split(body, len, &gen, &names, &nlen, &last));
}

static void
test_directory_part(void)
{
	CHECK("part: names, more to come",
	    part("17\0a\0bb\0", 8, "17", "a\0bb\0", 5, 0));
	CHECK("part: names and the closing NUL",
	    part("17\0a\0bb\0\0", 9, "17", "a\0bb\0", 5, 1));
	CHECK("part: past the end, the closing NUL alone",
	    part("3\0\0", 3, "3", "", 0, 1));
	CHECK("part: no generation is EIO", part_error("", 0) == EIO);
	CHECK("part: generation not terminated is EIO",
	    part_error("123", 3) == EIO);
	CHECK("part: generation not a number is EIO",
	    part_error("x1\0a\0\0", 6) == EIO);
	CHECK("part: generation too long is EIO",
	    part_error("123456789012345678901234\0\0", 26) == EIO);
	CHECK("part: a name not terminated is EIO",
	    part_error("1\0ab", 4) == EIO);
	CHECK("part: an empty name before the end is EIO",
	    part_error("1\0a\0\0b\0", 7) == EIO);
	CHECK("part: neither a name nor the end is EIO",
	    part_error("1\0", 2) == EIO);
}

int
main(void)
{
	test_paths();
	test_errors();
	test_reader();
	test_listing();
	test_directory_part();
	return (CHECK_EXIT());
}
