/*
 * pvbusd's KVP message handler (cmd/pvbusd/kvp_msg.c and the pools of
 * kvp_pools.c) on pools under a scratch root: the daemon's answers to the
 * driver's requests, then some thousands of mutated and cut messages, after
 * each of which the pools must still be whole records with NUL padded
 * fields, and a message of the wrong size or on a pool past 4 must leave
 * them as they were.
 */
#include <sys/stat.h>
#include <linux/hyperv.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "pv.h"
#include "../../cmd/pvbusd/agent.h"
#include "../../cmd/pvbusd/kvp.h"
#include "../../cmd/pvbusd/machine.h"

#define RECSIZE		(HV_KVP_EXCHANGE_MAX_KEY_SIZE + \
			 HV_KVP_EXCHANGE_MAX_VALUE_SIZE)
#define ROUNDS		4000

static char root[64];

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return ((uint32_t)(rng >> 16));
}

static void
msg_kv(struct hv_kvp_msg *m, int op, int pool, const char *key,
    const char *value)
{
	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = op;
	m->kvp_hdr.pool = pool;
	if (op == KVP_OP_DELETE) {
		m->body.kvp_delete.key_size = strlen(key) + 1;
		memcpy(m->body.kvp_delete.key, key, strlen(key));
		return;
	}
	m->body.kvp_set.data.key_size = strlen(key) + 1;
	memcpy(m->body.kvp_set.data.key, key, strlen(key));
	if (value != NULL) {
		m->body.kvp_set.data.value_size = strlen(value) + 1;
		memcpy(m->body.kvp_set.data.value, value, strlen(value));
	}
}

static __u32
handle(struct kvpd *k, struct hv_kvp_msg *m, size_t len)
{
	size_t n = kvpd_handle(k, m, len);

	return (n == sizeof(*m) ? (__u32)m->error : 0xdeadbeef);
}

/* The pool file's bytes, malloc'd, and its length. */
static char *
pool_bytes(int pool, size_t *len)
{
	char path[128];
	struct stat st;
	char *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/var/lib/hyperv/.kvp_pool_%d", root,
	    pool);
	if ((fd = open(path, O_RDONLY)) == -1 || fstat(fd, &st) == -1)
		return (NULL);
	buf = malloc(st.st_size + 1);
	*len = buf != NULL && read(fd, buf, st.st_size) == st.st_size ?
	    (size_t)st.st_size : 0;
	close(fd);
	return (buf);
}

/* Whole records, each field a string padded with NULs. */
static int
pool_clean(int pool)
{
	size_t len, i, j, n;
	char *b = pool_bytes(pool, &len);
	int ok = b != NULL && len % RECSIZE == 0;

	for (i = 0; ok && i < len; i += RECSIZE) {
		const char *f[2] = { b + i, b + i + HV_KVP_EXCHANGE_MAX_KEY_SIZE };
		size_t sz[2] = { HV_KVP_EXCHANGE_MAX_KEY_SIZE,
		    HV_KVP_EXCHANGE_MAX_VALUE_SIZE };

		for (j = 0; j < 2 && ok; j++) {
			n = strnlen(f[j], sz[j]);
			ok = n < sz[j];
			for (; ok && n < sz[j]; n++)
				ok = f[j][n] == '\0';
		}
	}
	free(b);
	return (ok);
}

static int
pools_same(char **saved, size_t *lens)
{
	size_t len;
	int p, same = 1;
	char *b;

	for (p = 0; p < KVP_POOL_COUNT; p++) {
		b = pool_bytes(p, &len);
		same &= b != NULL && len == lens[p] &&
		    memcmp(b, saved[p], len) == 0;
		free(b);
	}
	return (same);
}

int
main(void)
{
	static const char *const exclude[] = { NULL };
	struct agent_conf conf = { .exclude = exclude, .interval = 1 };
	struct pv_platform plat;
	struct hv_kvp_msg *m, *orig;
	struct kvpd k;
	char path[128], *saved[KVP_POOL_COUNT];
	size_t lens[KVP_POOL_COUNT], len, i;
	struct stat st;
	int p, clean = 1, kept = 1, sized = 1;
	__u32 st_;

	snprintf(root, sizeof(root), "/tmp/kvpd_msg.XXXXXX");
	if (mkdtemp(root) == NULL) {
		perror("mkdtemp");
		return (1);
	}
	snprintf(path, sizeof(path), "%s/var", root);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/var/lib", root);
	mkdir(path, 0755);
	if (pv_platform_init(&plat, root, NULL) != 0) {
		perror(root);
		return (1);
	}
	memset(&k, 0, sizeof(k));
	k.conf = &conf;
	k.plat = &plat;
	m = calloc(1, sizeof(*m) + 1);
	orig = calloc(1, sizeof(*orig));

	CHECK("pools created", kvpd_pools_open(&k) == 0);
	snprintf(path, sizeof(path), "%s/var/lib/hyperv/.kvp_pool_3", root);
	CHECK("a new pool is 0600", stat(path, &st) == 0 &&
	    (st.st_mode & 0777) == 0600);

	msg_kv(m, KVP_OP_SET, KVP_POOL_EXTERNAL, "Key", "a long first value");
	CHECK("SET", handle(&k, m, sizeof(*m)) == HV_S_OK);
	msg_kv(m, KVP_OP_SET, KVP_POOL_EXTERNAL, "Key2", "second");
	CHECK("SET another", handle(&k, m, sizeof(*m)) == HV_S_OK);
	msg_kv(m, KVP_OP_SET, KVP_POOL_EXTERNAL, "Key", "short");
	CHECK("SET over", handle(&k, m, sizeof(*m)) == HV_S_OK);
	msg_kv(m, KVP_OP_GET, KVP_POOL_EXTERNAL, "Key", NULL);
	CHECK("GET", handle(&k, m, sizeof(*m)) == HV_S_OK);
	CHECK_STR("GET: the value where the driver reads it",
	    (char *)m->body.kvp_enum_data.data.value, "short");
	msg_kv(m, KVP_OP_GET, KVP_POOL_EXTERNAL, "Ke", NULL);
	CHECK("GET of a prefix is a missing key",
	    handle(&k, m, sizeof(*m)) == HV_S_CONT);
	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = KVP_OP_ENUMERATE;
	m->body.kvp_enum_data.index = 1;
	CHECK("ENUMERATE 1", handle(&k, m, sizeof(*m)) == HV_S_OK);
	CHECK_STR("ENUMERATE 1: key", (char *)m->body.kvp_enum_data.data.key,
	    "Key2");
	/* The answer's status took the header's place. */
	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = KVP_OP_ENUMERATE;
	m->body.kvp_enum_data.index = 2;
	CHECK("ENUMERATE past the end", handle(&k, m, sizeof(*m)) ==
	    HV_S_CONT);
	msg_kv(m, KVP_OP_DELETE, KVP_POOL_EXTERNAL, "Key", NULL);
	CHECK("DELETE", handle(&k, m, sizeof(*m)) == HV_S_OK);
	msg_kv(m, KVP_OP_DELETE, KVP_POOL_EXTERNAL, "Key", NULL);
	CHECK("DELETE again: missing", handle(&k, m, sizeof(*m)) == HV_S_CONT);
	CHECK("pool 0 NUL padded after overwrite and delete", pool_clean(0));
	for (i = 0; i < 11; i++) {
		memset(m, 0, sizeof(*m));
		m->kvp_hdr.operation = KVP_OP_ENUMERATE;
		m->kvp_hdr.pool = KVP_POOL_AUTO;
		m->body.kvp_enum_data.index = i;
		st_ = handle(&k, m, sizeof(*m));
		if ((i < 10 && st_ != HV_S_OK) || (i == 10 && st_ != HV_S_CONT))
			break;
	}
	CHECK("Auto pool: ten items, then HV_S_CONT", i == 11);

	/* Mutations of good requests and messages cut or grown. */
	for (i = 0; i < ROUNDS; i++) {
		static const char *const keys[] = { "A", "Key2", "", "long key" };
		int op = rnd() % 7, pool = rnd() % 7;
		uint32_t r = rnd();

		msg_kv(orig, op > 3 ? KVP_OP_SET : op, pool, keys[r % 4],
		    op == KVP_OP_SET ? "v" : NULL);
		if (op == 4 || op == 5)
			orig->kvp_hdr.operation = rnd() % 2 ?
			    (uint32_t)(KVP_OP_GET_IP_INFO + op - 4) :
			    rnd() % 256;
		if (r & 0x10)
			orig->body.kvp_set.data.key_size = rnd() % 700;
		if (r & 0x20)
			orig->body.kvp_set.data.value_size = rnd() % 3000;
		if (r & 0x40)
			memset(orig->body.kvp_set.data.key, 'k',
			    rnd() % HV_KVP_EXCHANGE_MAX_KEY_SIZE + 1);
		if (r & 0x80)
			orig->body.kvp_enum_data.index = rnd();
		if (r & 0x100)
			((unsigned char *)orig)[rnd() % sizeof(*orig)] = rnd();
		len = (r & 0x200) ? rnd() % (sizeof(*orig) + 2) : sizeof(*orig);
		if (len == 0)
			len = 1;
		if (len != sizeof(*orig) || orig->kvp_hdr.pool >= 5)
			for (p = 0; p < KVP_POOL_COUNT; p++)
				saved[p] = pool_bytes(p, &lens[p]);
		memcpy(m, orig, sizeof(*orig));
		st_ = handle(&k, m, len);
		sized &= st_ != 0xdeadbeef;
		if (len != sizeof(*orig) || orig->kvp_hdr.pool >= 5) {
			if (orig->kvp_hdr.operation <= KVP_OP_ENUMERATE ||
			    len != sizeof(*orig))
				kept &= st_ == HV_E_FAIL && pools_same(saved,
				    lens);
			for (p = 0; p < KVP_POOL_COUNT; p++)
				free(saved[p]);
		}
		for (p = 0; p < KVP_POOL_COUNT && (i % 64 == 0 || i == ROUNDS - 1);
		    p++)
			clean &= pool_clean(p);
	}
	CHECK("mutated messages: every answer a whole message", sized);
	CHECK("wrong size or pool past 4: HV_E_FAIL, pools untouched", kept);
	CHECK("mutated messages: pools stay whole, NUL padded records", clean);

	kvpd_pools_close(&k);
	free(m);
	free(orig);
	for (p = 0; p < KVP_POOL_COUNT; p++) {
		snprintf(path, sizeof(path), "%s/var/lib/hyperv/.kvp_pool_%d",
		    root, p);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/var/lib/hyperv", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/var/lib", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/var", root);
	rmdir(path);
	rmdir(root);
	pv_platform_fini(&plat);
	return (CHECK_EXIT());
}
