/*
 * pvbusd's CUSE ioctl rounds against pvbus_ioctl(), with the kernel's side
 * (fs/fuse/ioctl.c, unrestricted mode) played in-process: each round copies
 * the in iovecs the previous answer asked for, caps each direction at 32
 * pages with ENOMEM, faults on unmapped addresses and copies the reply into
 * the out iovecs in order.  The bus is built by hand: Hyper-V with a
 * writable in-memory store, KVM with none.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pv.h"
#include "../../cmd/pvbusd/pvbusd.h"

#define LIMIT		(32 * 4096)
#define MAXROUNDS	16

struct memstore {
	char	key[PVBUS_KVOP_MAXSIZE + 1];
	char	value[PVBUS_KVOP_MAXSIZE + 1];
	int	writes;
	int	calls;		/* kvop calls, reads and writes */
};

/*
 * A write stores the value as given and answers with it upper-cased, so
 * that the echo the caller gets back can be told from its own bytes left
 * in place.
 */
static int
mem_kvop(struct pv_unit *u, enum pvbus_kvop op, const char *key, char *value,
    size_t valuelen)
{
	struct memstore *m = u->store_state;
	size_t i;

	m->calls++;
	if (op == PVBUS_KVWRITE) {
		snprintf(m->key, sizeof(m->key), "%s", key);
		snprintf(m->value, sizeof(m->value), "%s", value);
		m->writes++;
		for (i = 0; i < valuelen && value[i] != '\0'; i++)
			value[i] = (char)toupper((unsigned char)value[i]);
		return (0);
	}
	if (strcmp(key, m->key) != 0)
		return (ENOENT);
	if (strlen(m->value) + 1 > valuelen)
		return (ERANGE);
	memcpy(value, m->value, strlen(m->value) + 1);
	return (0);
}

static const struct pv_store_ops mem_store = {
	.name = "mem",
	.kvop = mem_kvop,
};
static const struct pv_hv_ops hv_hyperv = { .name = "Hyper-V" };
static const struct pv_hv_ops hv_kvm = { .name = "KVM" };

static struct memstore store;
static int rounds;
static int begin_stored;	/* a round's checks called the store */
static int other_finished;	/* another command got past its checks */

/* Addresses in the first page fault, as unmapped memory would. */
static int
bad(const void *p, size_t len)
{
	return (len > 0 && (uintptr_t)p < 4096);
}

static int
sim_ioctl(struct pvbus *bus, size_t unit, int fwrite, unsigned long cmd,
    void *arg)
{
	struct iovec in[1 + PVBUSD_MAXREGIONS], out[PVBUSD_MAXREGIONS];
	struct pvbusd_answer ans;
	struct pvbusd_xfer x;
	size_t nin = 0, nout = 0, insz, outsz, i, off;
	char *buf, *copy;
	int calls;

	for (rounds = 1; rounds <= MAXROUNDS; rounds++) {
		for (i = insz = 0; i < nin; i++)
			insz += in[i].iov_len;
		for (i = outsz = 0; i < nout; i++)
			outsz += out[i].iov_len;
		if (insz > LIMIT || outsz > LIMIT)
			return (ENOMEM);
		if ((buf = malloc(insz + 1)) == NULL)
			return (ENOMEM);
		for (i = off = 0; i < nin; i++) {
			if (bad(in[i].iov_base, in[i].iov_len)) {
				free(buf);
				return (EFAULT);
			}
			memcpy(buf + off, in[i].iov_base, in[i].iov_len);
			off += in[i].iov_len;
		}
		/*
		 * The checks reach no store; the rest runs from a copy of the
		 * fetched data, the original gone, as pvbusd's store thread
		 * runs it.
		 */
		calls = store.calls;
		if (pvbusd_xfer_begin(&x, bus, unit, cmd, fwrite, arg,
		    nin ? buf : NULL, insz, outsz, LIMIT, &ans)) {
			begin_stored |= store.calls != calls;
			other_finished |= !pvbusd_xfer_needs_store(cmd) &&
			    cmd != PVBUSIOC_TYPE;
			if ((copy = malloc(insz + 1)) == NULL) {
				free(buf);
				return (ENOMEM);
			}
			memcpy(copy, buf, insz);
			memset(buf, 'Z', insz);
			free(buf);
			pvbusd_xfer_finish(&x, bus, unit, nin ? copy : NULL,
			    &ans);
			free(copy);
		} else {
			begin_stored |= store.calls != calls;
			free(buf);
		}
		switch (ans.kind) {
		case PVBUSD_ANSWER_ERROR:
			return (ans.error);
		case PVBUSD_ANSWER_DONE:
			if (ans.outlen > outsz) {
				free(ans.out);
				return (EIO);
			}
			for (i = off = 0; off < ans.outlen; i++) {
				size_t n = out[i].iov_len;

				if (n > ans.outlen - off)
					n = ans.outlen - off;
				if (bad(out[i].iov_base, n)) {
					free(ans.out);
					return (EFAULT);
				}
				memcpy(out[i].iov_base, ans.out + off, n);
				off += n;
			}
			free(ans.out);
			return (0);
		case PVBUSD_ANSWER_RETRY:
			nin = ans.nin;
			nout = ans.nout;
			memcpy(in, ans.in_iov, nin * sizeof(in[0]));
			memcpy(out, ans.out_iov, nout * sizeof(out[0]));
			break;
		}
	}
	return (ELOOP);
}

static int
req(struct pvbus *bus, size_t unit, int fwrite, unsigned long cmd,
    char *key, size_t keylen, char *value, size_t valuelen)
{
	struct pvbus_req r = { keylen, key, valuelen, value };

	return (sim_ioctl(bus, unit, fwrite, cmd, &r));
}

static struct pvbus *
make_bus(size_t nunits)
{
	struct pvbus *bus;

	if ((bus = calloc(1, sizeof(*bus))) == NULL)
		exit(2);
	bus->nunits = nunits;
	bus->units[0].hv = &hv_hyperv;
	bus->units[0].store = &mem_store;
	bus->units[0].store_state = &store;
	bus->units[0].store_access = PVBUS_STORE_RW;
	bus->units[1].hv = &hv_kvm;
	return (bus);
}

static void
test_checks(struct pvbus *bus)
{
	struct pvbus *none = make_bus(0);
	char key[64] = "k", val[64];

	CHECK("no bus: ENODEV", req(none, 0, 1, PVBUSIOC_TYPE, key,
	    sizeof(key), val, sizeof(val)) == ENODEV);
	free(none);
	CHECK("no such unit: ENXIO", req(bus, 5, 1, PVBUSIOC_TYPE, key,
	    sizeof(key), val, sizeof(val)) == ENXIO);
	CHECK("write read-only fd: EPERM", req(bus, 0, 0, PVBUSIOC_KVWRITE,
	    key, 2, val, sizeof(val)) == EPERM);
	CHECK("EPERM before ENXIO", req(bus, 1, 0, PVBUSIOC_KVWRITE, key, 2,
	    val, sizeof(val)) == EPERM);
	CHECK("EPERM before EINVAL", req(bus, 0, 0, PVBUSIOC_KVWRITE, key, 0,
	    val, 0) == EPERM);
	CHECK("read, no store: ENXIO", req(bus, 1, 0, PVBUSIOC_KVREAD, key, 2,
	    val, sizeof(val)) == ENXIO);
	CHECK("write, no store: ENXIO", req(bus, 1, 1, PVBUSIOC_KVWRITE, key,
	    2, val, sizeof(val)) == ENXIO);
	CHECK("unknown command: ENOTTY", req(bus, 0, 1,
	    _IOWR('V', 4, struct pvbus_req), key, 2, val, sizeof(val)) ==
	    ENOTTY);
	CHECK("unknown command without argument: ENOTTY",
	    sim_ioctl(bus, 0, 1, _IO('V', 9), NULL) == ENOTTY);
	CHECK("keylen 0: EINVAL", req(bus, 0, 0, PVBUSIOC_KVREAD, key, 0, val,
	    sizeof(val)) == EINVAL);
	CHECK("keylen 65537: ENAMETOOLONG", req(bus, 0, 0, PVBUSIOC_KVREAD,
	    key, PVBUS_KVOP_MAXSIZE + 1, val, sizeof(val)) == ENAMETOOLONG);
	CHECK("valuelen 0: EINVAL", req(bus, 0, 0, PVBUSIOC_KVREAD, key, 2,
	    val, 0) == EINVAL);
	CHECK("valuelen 65537: ENAMETOOLONG", req(bus, 0, 0, PVBUSIOC_KVREAD,
	    key, 2, val, PVBUS_KVOP_MAXSIZE + 1) == ENAMETOOLONG);
	CHECK("key length checked first", req(bus, 0, 0, PVBUSIOC_KVREAD, key,
	    0, val, PVBUS_KVOP_MAXSIZE + 1) == EINVAL);
	CHECK("bad request pointer: EFAULT", sim_ioctl(bus, 0, 0,
	    PVBUSIOC_KVREAD, (void *)8) == EFAULT);
	CHECK("bad key pointer: EFAULT", req(bus, 0, 0, PVBUSIOC_KVREAD,
	    (char *)16, 4, val, sizeof(val)) == EFAULT);
	CHECK("bad value pointer on write: EFAULT", req(bus, 0, 1,
	    PVBUSIOC_KVWRITE, key, 2, (char *)16, 4) == EFAULT);
	/* OpenBSD's order: keylen, the key's copyin, then valuelen. */
	CHECK("bad key pointer before valuelen 0: EFAULT", req(bus, 0, 0,
	    PVBUSIOC_KVREAD, (char *)16, 4, val, 0) == EFAULT);
	CHECK("bad key pointer before valuelen 65537: EFAULT", req(bus, 0, 1,
	    PVBUSIOC_KVWRITE, (char *)16, 4, val, PVBUS_KVOP_MAXSIZE + 1) ==
	    EFAULT);
	CHECK("readable key, valuelen 0: EINVAL", req(bus, 0, 0,
	    PVBUSIOC_KVREAD, key, 2, (char *)16, 0) == EINVAL);
	CHECK("bad key pointer, keylen 0: EINVAL", req(bus, 0, 0,
	    PVBUSIOC_KVREAD, (char *)16, 0, val, 0) == EINVAL);
}

/* The same order on the in-process path, where NULL is the bad pointer. */
static void
test_inprocess_order(struct pvbus *bus)
{
	struct pvbus_req r = { 4, NULL, 0, NULL };
	char val[8];

	CHECK("in process: NULL key before valuelen 0: EFAULT",
	    pvbus_ioctl(bus, 0, PVBUSIOC_KVREAD, 0, &r, NULL) == EFAULT);
	r.pvr_key = (char *)"k";
	r.pvr_keylen = 2;
	r.pvr_value = val;
	CHECK("in process: valuelen 0 with a key: EINVAL",
	    pvbus_ioctl(bus, 0, PVBUSIOC_KVREAD, 0, &r, NULL) == EINVAL);
}

static void
test_type(struct pvbus *bus)
{
	char key[32], *big;

	memset(key, 'X', sizeof(key));
	CHECK("type: 1-byte buffer: ENOMEM", req(bus, 0, 0, PVBUSIOC_TYPE,
	    key, 1, NULL, 0) == ENOMEM && key[0] == 'X');
	CHECK("type: strlen-byte buffer: ENOMEM", req(bus, 0, 0,
	    PVBUSIOC_TYPE, key, 7, NULL, 0) == ENOMEM);
	CHECK("type: exact buffer", req(bus, 0, 0, PVBUSIOC_TYPE, key, 8,
	    NULL, 0) == 0 && strcmp(key, "Hyper-V") == 0 && rounds == 3);
	CHECK("type: nothing past the NUL", key[8] == 'X');
	CHECK("type: no store needed", req(bus, 1, 0, PVBUSIOC_TYPE, key,
	    sizeof(key), NULL, 0) == 0 && strcmp(key, "KVM") == 0);
	CHECK("type: KVTYPE alias", PVBUSIOC_KVTYPE == PVBUSIOC_TYPE);
	/* A huge key buffer: only the name's bytes travel. */
	if ((big = malloc(8)) == NULL)
		exit(2);
	CHECK("type: 1 GiB key length", req(bus, 1, 0, PVBUSIOC_TYPE, big,
	    (size_t)1 << 30, NULL, 0) == 0 && strcmp(big, "KVM") == 0);
	free(big);
}

static void
test_kv(struct pvbus *bus)
{
	char key[16] = "greeting", val[64];

	memset(val, 'X', sizeof(val));
	memcpy(val, "hello, world", 13);
	CHECK("write", req(bus, 0, 1, PVBUSIOC_KVWRITE, key, sizeof(key), val,
	    sizeof(val)) == 0 && strcmp(store.key, "greeting") == 0 &&
	    strcmp(store.value, "hello, world") == 0);
	/* The store's answer (upper-cased), not the caller's own bytes. */
	CHECK_STR("write copies out the store's echo", val, "HELLO, WORLD");
	CHECK("write echo is strlen+1 bytes", val[13] == 'X');

	memset(val, 'X', sizeof(val));
	CHECK("read", req(bus, 0, 0, PVBUSIOC_KVREAD, key, sizeof(key), val,
	    sizeof(val)) == 0 && strcmp(val, "hello, world") == 0 &&
	    rounds == 3);
	CHECK("read copies strlen+1 bytes", val[13] == 'X');
	memset(val, 'X', sizeof(val));
	CHECK("read, exact buffer", req(bus, 0, 0, PVBUSIOC_KVREAD, key, 9,
	    val, 13) == 0 && strcmp(val, "hello, world") == 0);
	memset(val, 'X', sizeof(val));
	CHECK("read, short buffer: ERANGE", req(bus, 0, 0, PVBUSIOC_KVREAD,
	    key, 9, val, 12) == ERANGE);
	CHECK("ERANGE writes nothing", val[0] == 'X' && val[11] == 'X');
	CHECK("read, 1-byte buffer: ERANGE", req(bus, 0, 0, PVBUSIOC_KVREAD,
	    key, 9, val, 1) == ERANGE && val[0] == 'X');

	/* keylen bytes and a forced NUL: "greet" is not the key. */
	CHECK("key cut at keylen", req(bus, 0, 0, PVBUSIOC_KVREAD, key, 5,
	    val, sizeof(val)) == ENOENT);
	memcpy(key, "greetingXYZ", 11);
	CHECK("key without NUL taken as keylen bytes", req(bus, 0, 0,
	    PVBUSIOC_KVREAD, key, 8, val, sizeof(val)) == 0 &&
	    strcmp(val, "hello, world") == 0);
}

static void
test_large(struct pvbus *bus)
{
	size_t max = PVBUS_KVOP_MAXSIZE;
	char *key, *val;
	int writes;

	if ((key = calloc(1, max)) == NULL || (val = calloc(1, max)) == NULL)
		exit(2);
	strcpy(key, "big");
	strcpy(val, "small value");
	CHECK("write, 64 KiB key and value buffers", req(bus, 0, 1,
	    PVBUSIOC_KVWRITE, key, max, val, max) == 0 &&
	    strcmp(store.key, "big") == 0 &&
	    strcmp(store.value, "small value") == 0);
	memset(val, 'v', max - 1);
	CHECK("write, 64 KiB key buffer, 65535-byte value", req(bus, 0, 1,
	    PVBUSIOC_KVWRITE, key, max, val, max) == 0 &&
	    strcmp(store.key, "big") == 0 &&
	    strlen(store.value) == max - 1);
	memset(val, 0, max);
	CHECK("read it back, 64 KiB buffers", req(bus, 0, 0, PVBUSIOC_KVREAD,
	    key, max, val, max) == 0 && strlen(val) == max - 1 &&
	    val[0] == 'v' && val[max - 2] == 'v');
	memset(key, 'k', max);
	memset(val, 'v', max);
	writes = store.writes;
	CHECK("write, both strings 64 KiB: E2BIG", req(bus, 0, 1,
	    PVBUSIOC_KVWRITE, key, max, val, max) == E2BIG &&
	    store.writes == writes);
	/* The key ends inside the prefix a later stage fetches. */
	key[max - 40] = '\0';
	CHECK("write, long key, 64 KiB value", req(bus, 0, 1,
	    PVBUSIOC_KVWRITE, key, max, val, max) == 0 &&
	    strlen(store.key) == max - 40 && strlen(store.value) == max);
	free(key);
	free(val);
}

static void
test_overlap(struct pvbus *bus)
{
	char buf[64] = "same";

	CHECK("key and value in one buffer", req(bus, 0, 1, PVBUSIOC_KVWRITE,
	    buf, sizeof(buf), buf, sizeof(buf)) == 0 &&
	    strcmp(store.key, "same") == 0 &&
	    strcmp(store.value, "same") == 0);
}

int
main(void)
{
	struct pvbus *bus = make_bus(2);

	test_checks(bus);
	test_inprocess_order(bus);
	test_type(bus);
	test_kv(bus);
	test_large(bus);
	test_overlap(bus);
	CHECK("no round's checks call the store", !begin_stored);
	CHECK("only KVREAD and KVWRITE need the store", !other_finished &&
	    pvbusd_xfer_needs_store(PVBUSIOC_KVREAD) &&
	    pvbusd_xfer_needs_store(PVBUSIOC_KVWRITE) &&
	    !pvbusd_xfer_needs_store(PVBUSIOC_TYPE));
	free(bus);
	return (CHECK_EXIT());
}
