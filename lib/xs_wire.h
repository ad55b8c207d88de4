/*
 * The XenStore wire protocol (Xen's docs/misc/xenstore.txt): the message
 * header, the message types, error strings, path rules and the reading of a
 * whole message from a byte stream.  Shared by the client and by xssim.
 */
#ifndef XS_WIRE_H
#define XS_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define XS_HDR_LEN		16
#define XS_PAYLOAD_MAX		4096	/* bytes after the header */
#define XS_ABS_PATH_MAX		3072
#define XS_REL_PATH_MAX		2048

enum xs_type {
	XS_CONTROL = 0,
	XS_DIRECTORY = 1,
	XS_READ = 2,
	XS_GET_PERMS = 3,
	XS_WATCH = 4,
	XS_UNWATCH = 5,
	XS_TRANSACTION_START = 6,
	XS_TRANSACTION_END = 7,
	XS_INTRODUCE = 8,
	XS_RELEASE = 9,
	XS_GET_DOMAIN_PATH = 10,
	XS_WRITE = 11,
	XS_MKDIR = 12,
	XS_RM = 13,
	XS_SET_PERMS = 14,
	XS_WATCH_EVENT = 15,
	XS_ERROR = 16,
	XS_IS_DOMAIN_INTRODUCED = 17,
	XS_RESUME = 18,
	XS_SET_TARGET = 19,
	XS_RESTRICT = 20,
	XS_RESET_WATCHES = 21,
	XS_DIRECTORY_PART = 22,
	XS_TYPE_COUNT
};

/* The header; its fields travel in the host's byte order. */
struct xs_hdr {
	uint32_t	type;
	uint32_t	req_id;		/* echoed in the reply */
	uint32_t	tx_id;		/* 0: no transaction */
	uint32_t	len;		/* payload bytes that follow */
};

/* A whole message; body holds len bytes and a NUL after them. */
struct xs_msg {
	struct xs_hdr	hdr;
	char		body[XS_PAYLOAD_MAX + 1];
};

void	xs_hdr_pack(const struct xs_hdr *, unsigned char out[XS_HDR_LEN]);
void	xs_hdr_unpack(const unsigned char in[XS_HDR_LEN], struct xs_hdr *);

/* "READ", "WATCH_EVENT", ...; "unknown" for a type without a name. */
const char *xs_type_name(uint32_t type);

/*
 * The errno an ERROR payload names ("ENOENT" and its NUL).  A string not in
 * the protocol's table, or a malformed payload, gives EIO: the host answered
 * something this side cannot interpret.
 */
int	xs_error_errno(const char *payload, size_t len);

/* The protocol's string for an errno; "EINVAL" for one it has no name for. */
const char *xs_error_string(int error);

/*
 * Path rules: the characters [A-Za-z0-9-/_@], no "//", no trailing "/"
 * (except "/" itself), not empty; absolute paths up to XS_ABS_PATH_MAX bytes,
 * relative ones up to XS_REL_PATH_MAX.  "@"-paths (watch specials) only when
 * ALLOW_SPECIAL.  Returns 0, ENAMETOOLONG past the length limits, or
 * EINVAL.
 */
int	xs_path_check(const char *path, int allow_special);

/*
 * Reading one message from a stream.  Feed bytes as they arrive; the reader
 * takes what belongs to the current message and says when it is whole.
 */
struct xs_reader {
	unsigned char	hdrbuf[XS_HDR_LEN];
	size_t		have;		/* bytes of the message so far */
	struct xs_msg	msg;
};

void	xs_reader_init(struct xs_reader *);
/* Bytes still missing from the current message (header first). */
size_t	xs_reader_need(const struct xs_reader *);
/*
 * Take up to LEN bytes; *USED says how many were taken, *DONE is set when
 * the message is whole (then msg holds it and the next feed starts a new
 * one).  EIO when the header announces more than XS_PAYLOAD_MAX.
 */
int	xs_reader_feed(struct xs_reader *, const void *buf, size_t len,
	    size_t *used, int *done);

/*
 * Whether MSG answers REQ.  Returns 0 for a reply of the request's type and
 * id; XS_REPLY_SKIP for a watch event (not a reply); the errno of an ERROR
 * reply; EIO for anything else (another id, another type).
 */
#define XS_REPLY_SKIP	(-1)
int	xs_reply_match(const struct xs_hdr *req, const struct xs_msg *msg);

/*
 * A DIRECTORY reply (NUL-terminated names) as names joined by "\n" into OUT.
 * ERANGE when it does not fit OUTLEN with its NUL (OUT left empty), EIO for a
 * malformed list (a name not terminated, an empty name).
 */
int	xs_dir_join(const char *body, size_t len, char *out, size_t outlen);

/*
 * One DIRECTORY_PART reply: the node's generation and its NUL, then the
 * children's names from the requested offset, each with its NUL, and one
 * more NUL when the list ends in this part (xenstored sends whole names
 * only).  *GEN points at the generation in BODY, *NAMES and *NAMESLEN at the
 * names without the closing NUL, *LAST says whether the list ends here.
 * EIO for a malformed reply: no generation, a name not terminated, an empty
 * name other than the closing one, or a part that neither carries a name
 * nor ends the list (a client would ask for it again for ever).
 */
#define XS_GEN_MAX	24	/* "%llu" of a 64-bit count and its NUL */
int	xs_dir_part_split(const char *body, size_t len, const char **gen,
	    const char **names, size_t *nameslen, int *last);

#endif /* XS_WIRE_H */
