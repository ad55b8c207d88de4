/*
 * The KVP agent's messages (kvp.h): one struct hv_kvp_msg of
 * <linux/hyperv.h> per request, answered in place as hv_kvp_daemon answers
 * (tools/hv/hv_kvp_daemon.c): the status in the header's error field,
 * HV_S_CONT for a key that is not there and an index past the end.
 *
 * The driver's requests carry UTF-8 it converted from the host's UTF-16,
 * with key_size and value_size counting the NUL.  Everything in a message
 * is checked before it is used: the daemon trusts the pool number (an
 * index into its table) and the enumeration index (a negative int past
 * its records), which here are refused.
 */
#include <linux/hyperv.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "pvbusd.h"
#include "kvp.h"

_Static_assert(KVPD_KEYSIZE == HV_KVP_EXCHANGE_MAX_KEY_SIZE, "key field");
_Static_assert(KVPD_VALUESIZE == HV_KVP_EXCHANGE_MAX_VALUE_SIZE, "value");
_Static_assert(KVPD_NPOOLS == KVP_POOL_COUNT, "pools");

/* Log the first refusals in full, then one in a hundred. */
#define KVPD_REFUSED_LOGGED	16

size_t
kvpd_msg_size(void)
{
	return (sizeof(struct hv_kvp_msg));
}

void
kvpd_refuse(struct kvpd *k, void *msg, const char *fmt, ...)
{
	struct hv_kvp_msg *m = msg;
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	k->refused++;
	if (k->refused <= KVPD_REFUSED_LOGGED || k->refused % 100 == 0)
		logit(LOG_WARNING, "KVP: refused a request (%zu so far): %s",
		    k->refused, why);
	m->error = HV_E_FAIL;
}

/*
 * A string of the driver's: the first NUL must be the last of its SIZE
 * bytes, within the field of FIELD bytes.
 */
static int
string_ok(const __u8 *s, __u32 size, size_t field)
{
	return (size >= 1 && size <= field &&
	    memchr(s, '\0', size) == s + size - 1);
}

void
kvpd_register_msg(void *buf)
{
	struct hv_kvp_msg *m = buf;

	memset(m, 0, sizeof(*m));
	m->kvp_hdr.operation = KVP_OP_REGISTER1;
}

int
kvpd_register_answer(struct kvpd *k, const void *msg, size_t len)
{
	const struct hv_kvp_msg *m = msg;
	const char *v = (const char *)m->body.kvp_register.version;
	size_t n;

	if (len != sizeof(*m) || m->kvp_hdr.operation != KVP_OP_REGISTER1) {
		logit(LOG_WARNING, "KVP: the driver did not answer the "
		    "handshake (operation %u): no IntegrationServicesVersion",
		    len >= 1 ? m->kvp_hdr.operation : 0);
		return (0);
	}
	n = strnlen(v, sizeof(m->body.kvp_register.version));
	if (n == 0 || n >= sizeof(k->version)) {
		logit(LOG_WARNING, "KVP: the driver's version is %s: "
		    "IntegrationServicesVersion left unknown", n == 0 ?
		    "empty" : "too long");
		return (1);
	}
	memcpy(k->version, v, n);
	k->version[n] = '\0';
	logit(LOG_INFO, "KVP: driver version %s", k->version);
	return (1);
}

static __u32
status_of(int error)
{
	return (error == 0 ? HV_S_OK : error == ENOENT ? HV_S_CONT :
	    HV_E_FAIL);
}

static void
op_set(struct kvpd *k, struct hv_kvp_msg *m, int pool)
{
	struct hv_kvp_exchg_msg_value *d = &m->body.kvp_set.data;

	if (!string_ok(d->key, d->key_size, sizeof(d->key))) {
		kvpd_refuse(k, m, "SET: key of %u bytes not ended by its NUL",
		    d->key_size);
		return;
	}
	if (!string_ok(d->value, d->value_size, sizeof(d->value))) {
		kvpd_refuse(k, m, "SET: value of %u bytes not ended by its NUL",
		    d->value_size);
		return;
	}
	m->error = status_of(kvpd_pool_set(k, pool, (const char *)d->key,
	    (const char *)d->value));
}

/*
 * The driver hands the host a GET's value from where an enumeration's
 * value lies (kvp_respond_to_host), four bytes past the GET layout's:
 * the value goes there, so that the host receives it.
 */
static void
op_get(struct kvpd *k, struct hv_kvp_msg *m, int pool)
{
	struct hv_kvp_exchg_msg_value *d = &m->body.kvp_get.data;
	char key[HV_KVP_EXCHANGE_MAX_KEY_SIZE];
	char value[HV_KVP_EXCHANGE_MAX_VALUE_SIZE];
	int error;

	if (!string_ok(d->key, d->key_size, sizeof(d->key))) {
		kvpd_refuse(k, m, "GET: key of %u bytes not ended by its NUL",
		    d->key_size);
		return;
	}
	memcpy(key, d->key, d->key_size);
	if ((error = kvpd_pool_get(k, pool, key, value)) == 0) {
		memset(d->value, 0, sizeof(d->value));
		memcpy(m->body.kvp_enum_data.data.value, value,
		    sizeof(value));
		/* An unterminated value would run on into the message. */
		m->body.kvp_enum_data.data.value[sizeof(value) - 1] = '\0';
	}
	m->error = status_of(error);
}

static void
op_delete(struct kvpd *k, struct hv_kvp_msg *m, int pool)
{
	const __u8 *key = m->body.kvp_delete.key;
	__u32 size = m->body.kvp_delete.key_size;
	char name[HV_KVP_EXCHANGE_MAX_KEY_SIZE];

	if (!string_ok(key, size, sizeof(m->body.kvp_delete.key))) {
		kvpd_refuse(k, m, "DELETE: key of %u bytes not ended by its NUL",
		    size);
		return;
	}
	memcpy(name, key, size);
	m->error = status_of(kvpd_pool_delete(k, pool, name));
}

static void
op_enumerate(struct kvpd *k, struct hv_kvp_msg *m, int pool)
{
	char key[HV_KVP_EXCHANGE_MAX_KEY_SIZE];
	char value[HV_KVP_EXCHANGE_MAX_VALUE_SIZE];
	__u32 index = m->body.kvp_enum_data.index;
	int error;

	if (pool == KVP_POOL_AUTO)
		error = kvpd_auto_item(k, index, key, value);
	else
		error = kvpd_pool_record(k, pool, index, key, value);
	if (error == 0) {
		memcpy(m->body.kvp_enum_data.data.key, key, sizeof(key));
		memcpy(m->body.kvp_enum_data.data.value, value,
		    sizeof(value));
	}
	m->error = status_of(error);
}

size_t
kvpd_handle(struct kvpd *k, void *msg, size_t len)
{
	struct hv_kvp_msg *m = msg;
	int op, pool;

	if (len != sizeof(*m)) {
		/* Answered all the same: the driver waits for an answer. */
		op = len >= 1 ? m->kvp_hdr.operation : 0;
		memset(m, 0, sizeof(*m));
		m->kvp_hdr.operation = op;
		kvpd_refuse(k, m, "a message of %zu bytes, want %zu", len,
		    sizeof(*m));
		return (sizeof(*m));
	}
	op = m->kvp_hdr.operation;
	pool = m->kvp_hdr.pool;
	m->error = HV_S_OK;
	switch (op) {
	case KVP_OP_SET:
	case KVP_OP_GET:
	case KVP_OP_DELETE:
	case KVP_OP_ENUMERATE:
		if (pool >= KVP_POOL_COUNT) {
			kvpd_refuse(k, m, "operation %d on pool %d", op, pool);
			break;
		}
		if (op == KVP_OP_SET)
			op_set(k, m, pool);
		else if (op == KVP_OP_GET)
			op_get(k, m, pool);
		else if (op == KVP_OP_DELETE)
			op_delete(k, m, pool);
		else
			op_enumerate(k, m, pool);
		break;
	case KVP_OP_GET_IP_INFO:
	case KVP_OP_SET_IP_INFO:
		kvpd_ipinfo(k, m, op == KVP_OP_SET_IP_INFO);
		break;
	default:
		kvpd_refuse(k, m, "unknown operation %d", op);
		break;
	}
	return (sizeof(*m));
}
