/*
 * The messages of the KVP driver and their string conversions.  The host
 * speaks UTF-16; the driver hands the daemon UTF-8 with key_size and
 * value_size counting the NUL, and converts the daemon's answers back into
 * at most 254 (key) and 1022 (value) UTF-16 units.
 */
#include <string.h>

#include "kvphost.h"

long
kvphost_utf8_to_utf16(const char *s, uint16_t *out, size_t maxunits)
{
	const unsigned char *p = (const unsigned char *)s;
	unsigned long cp;
	size_t n = 0;
	int len, i;

	while (*p != '\0') {
		if (*p < 0x80) {
			cp = *p;
			len = 0;
		} else if ((*p & 0xe0) == 0xc0) {
			cp = *p & 0x1f;
			len = 1;
		} else if ((*p & 0xf0) == 0xe0) {
			cp = *p & 0x0f;
			len = 2;
		} else if ((*p & 0xf8) == 0xf0) {
			cp = *p & 0x07;
			len = 3;
		} else
			return (-1);
		for (i = 1; i <= len; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return (-1);
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((len == 1 && cp < 0x80) || (len == 2 && cp < 0x800) ||
		    (len == 3 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return (-1);
		if (n + (cp >= 0x10000 ? 2 : 1) > maxunits)
			break;
		if (out == NULL)
			n += cp >= 0x10000 ? 2 : 1;
		else if (cp >= 0x10000) {
			cp -= 0x10000;
			out[n++] = 0xd800 | (cp >> 10);
			out[n++] = 0xdc00 | (cp & 0x3ff);
		} else
			out[n++] = cp;
		p += len + 1;
	}
	return (n);
}

size_t
kvphost_utf16_to_utf8(const uint16_t *in, size_t nunits, char *out,
    size_t maxbytes)
{
	unsigned long cp;
	size_t i, o = 0, need;

	for (i = 0; i < nunits && in[i] != 0; i++) {
		cp = in[i];
		if (cp >= 0xd800 && cp < 0xdc00 && i + 1 < nunits &&
		    in[i + 1] >= 0xdc00 && in[i + 1] < 0xe000) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			    (in[i + 1] - 0xdc00);
			i++;
		}
		need = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
		if (o + need > maxbytes)
			break;
		switch (need) {
		case 1:
			out[o++] = cp;
			break;
		case 2:
			out[o++] = 0xc0 | cp >> 6;
			out[o++] = 0x80 | (cp & 0x3f);
			break;
		case 3:
			out[o++] = 0xe0 | cp >> 12;
			out[o++] = 0x80 | ((cp >> 6) & 0x3f);
			out[o++] = 0x80 | (cp & 0x3f);
			break;
		default:
			out[o++] = 0xf0 | cp >> 18;
			out[o++] = 0x80 | ((cp >> 12) & 0x3f);
			out[o++] = 0x80 | ((cp >> 6) & 0x3f);
			out[o++] = 0x80 | (cp & 0x3f);
		}
	}
	out[o] = '\0';
	return (o);
}

/*
 * A host string through the wire: into the host's UTF-16 field (FIELD
 * bytes, NUL included), then into the driver's UTF-8 buffer of MAXBYTES
 * with one byte kept for the NUL.  Returns key_size/value_size as the
 * driver computes it (bytes + 1), or -1 for what the host cannot send.
 */
static long
kvphost_host_string(const char *s, size_t field, uint8_t *out,
    size_t maxbytes)
{
	uint16_t u16[HV_KVP_EXCHANGE_MAX_VALUE_SIZE / 2];
	long n;

	if ((n = kvphost_utf8_to_utf16(s, NULL, (size_t)-1)) < 0 ||
	    (size_t)n > field / 2 - 1)
		return (-1);
	kvphost_utf8_to_utf16(s, u16, n);
	return (kvphost_utf16_to_utf8(u16, n, (char *)out, maxbytes - 1) +
	    1);
}

int
kvphost_request(struct hv_kvp_msg *msg, int op, int pool, uint32_t index,
    const char *key, const char *value)
{
	long ks, vs;

	memset(msg, 0, sizeof(*msg));	/* the driver's kzalloc */
	msg->kvp_hdr.operation = op;
	msg->kvp_hdr.pool = pool;
	switch (op) {
	case KVP_OP_SET:
		if ((vs = kvphost_host_string(value,
		    HV_KVP_EXCHANGE_MAX_VALUE_SIZE,
		    msg->body.kvp_set.data.value,
		    HV_KVP_EXCHANGE_MAX_VALUE_SIZE)) < 0)
			return (-1);
		msg->body.kvp_set.data.value_size = vs;
		msg->body.kvp_set.data.value_type = REG_SZ;
		/* FALLTHROUGH */
	case KVP_OP_GET:
		/* GET and SET share the layout of hv_kvp_exchg_msg_value. */
		if ((ks = kvphost_host_string(key,
		    HV_KVP_EXCHANGE_MAX_KEY_SIZE, msg->body.kvp_set.data.key,
		    HV_KVP_EXCHANGE_MAX_KEY_SIZE)) < 0)
			return (-1);
		msg->body.kvp_set.data.key_size = ks;
		break;
	case KVP_OP_DELETE:
		if ((ks = kvphost_host_string(key,
		    HV_KVP_EXCHANGE_MAX_KEY_SIZE, msg->body.kvp_delete.key,
		    HV_KVP_EXCHANGE_MAX_KEY_SIZE)) < 0)
			return (-1);
		msg->body.kvp_delete.key_size = ks;
		break;
	case KVP_OP_ENUMERATE:
		msg->body.kvp_enum_data.index = index;
		break;
	default:
		return (-1);
	}
	return (0);
}

/* The driver's utf8s_to_utf16s of a daemon string, and back for printing. */
static void
kvphost_to_host(const uint8_t *field, size_t fieldlen, size_t maxunits,
    char *out, size_t outlen)
{
	char s[HV_KVP_EXCHANGE_MAX_VALUE_SIZE + 1];
	uint16_t u16[HV_KVP_EXCHANGE_MAX_VALUE_SIZE / 2];
	long n;

	/* The driver runs strlen() over it; keep that within the field. */
	memcpy(s, field, fieldlen);
	s[fieldlen] = '\0';
	if ((n = kvphost_utf8_to_utf16(s, u16, maxunits)) < 0)
		n = 0;
	kvphost_utf16_to_utf8(u16, n, out, outlen - 1);
}

void
kvphost_response(const struct hv_kvp_msg *req, const struct hv_kvp_msg *ans,
    struct kvphost_reply *reply)
{
	memset(reply, 0, sizeof(*reply));
	reply->status = (uint32_t)ans->error;
	if (reply->status != HV_S_OK)
		return;
	switch (req->kvp_hdr.operation) {
	case KVP_OP_ENUMERATE:
		kvphost_to_host(ans->body.kvp_enum_data.data.key,
		    HV_KVP_EXCHANGE_MAX_KEY_SIZE,
		    HV_KVP_EXCHANGE_MAX_KEY_SIZE / 2 - 2, reply->key,
		    sizeof(reply->key));
		/* FALLTHROUGH */
	case KVP_OP_GET:
		/*
		 * For GET too the driver takes the value from the enumerate
		 * layout, four bytes past where the daemon put it (Linux
		 * drivers/hv/hv_kvp.c, kvp_respond_to_host).
		 */
		kvphost_to_host(ans->body.kvp_enum_data.data.value,
		    HV_KVP_EXCHANGE_MAX_VALUE_SIZE,
		    HV_KVP_EXCHANGE_MAX_VALUE_SIZE / 2 - 2, reply->value,
		    sizeof(reply->value));
		break;
	default:
		break;
	}
}

/*
 * The host's IP configuration of a NIC, as the driver hands it to the
 * daemon (process_ib_ipinfo): every string converted to UTF-8 into at most
 * MAX_IP_ADDR_SIZE bytes (MAX_GATEWAY_SIZE for the gateways, and
 * MAX_ADAPTER_ID_SIZE for the adapter), the rest of each field zero.
 */
int
kvphost_ip_request(struct hv_kvp_msg *msg, int op, const char *adapter,
    int family, int dhcp, const char *ip, const char *subnet,
    const char *gateway, const char *dns)
{
	struct hv_kvp_ipaddr_value *v = &msg->body.kvp_ip_val;

	memset(msg, 0, sizeof(*msg));
	msg->kvp_hdr.operation = op;
	if (kvphost_host_string(adapter, sizeof(v->adapter_id),
	    (uint8_t *)v->adapter_id, MAX_ADAPTER_ID_SIZE + 1) < 0)
		return (-1);
	v->addr_family = family;
	if (op != KVP_OP_SET_IP_INFO)
		return (0);
	v->dhcp_enabled = dhcp;
	if (kvphost_host_string(ip, sizeof(v->ip_addr),
	    (uint8_t *)v->ip_addr, MAX_IP_ADDR_SIZE + 1) < 0 ||
	    kvphost_host_string(subnet, sizeof(v->sub_net),
	    (uint8_t *)v->sub_net, MAX_IP_ADDR_SIZE + 1) < 0 ||
	    kvphost_host_string(gateway, sizeof(v->gate_way),
	    (uint8_t *)v->gate_way, MAX_GATEWAY_SIZE + 1) < 0 ||
	    kvphost_host_string(dns, sizeof(v->dns_addr),
	    (uint8_t *)v->dns_addr, MAX_IP_ADDR_SIZE + 1) < 0)
		return (-1);
	return (0);
}

/*
 * What the host receives for a GET_IP_INFO answer (process_ob_ipinfo):
 * each list converted from at most MAX_IP_ADDR_SIZE of its bytes
 * (MAX_GATEWAY_SIZE for the gateways).
 */
void
kvphost_ip_response(const struct hv_kvp_msg *ans, struct kvphost_ipreply *r)
{
	const struct hv_kvp_ipaddr_value *v = &ans->body.kvp_ip_val;

	memset(r, 0, sizeof(*r));
	r->status = (uint32_t)ans->error;
	if (r->status != HV_S_OK)
		return;
	r->family = v->addr_family;
	r->dhcp = v->dhcp_enabled;
	kvphost_to_host((const uint8_t *)v->ip_addr, MAX_IP_ADDR_SIZE,
	    MAX_IP_ADDR_SIZE, r->ip, sizeof(r->ip));
	kvphost_to_host((const uint8_t *)v->sub_net, MAX_IP_ADDR_SIZE,
	    MAX_IP_ADDR_SIZE, r->subnet, sizeof(r->subnet));
	kvphost_to_host((const uint8_t *)v->gate_way, MAX_GATEWAY_SIZE,
	    MAX_GATEWAY_SIZE, r->gateway, sizeof(r->gateway));
	kvphost_to_host((const uint8_t *)v->dns_addr, MAX_IP_ADDR_SIZE,
	    MAX_IP_ADDR_SIZE, r->dns, sizeof(r->dns));
}
