/*
 * kvphost: the host's side of Hyper-V KVP as the Linux driver (hv_utils,
 * drivers/hv/hv_kvp.c) presents it to hv_kvp_daemon on /dev/vmbus/hv_kvp:
 * one struct hv_kvp_msg (uapi linux/hyperv.h) per read and per write.
 */
#ifndef KVPHOST_H
#define KVPHOST_H

#include <stddef.h>
#include <stdint.h>
#include <linux/hyperv.h>

/* The version string the driver announces in its REGISTER1 reply. */
#define KVPHOST_DRV_VERSION	"3.1"

/* What the host gets back for one request. */
struct kvphost_reply {
	uint32_t	status;		/* HV_S_OK, HV_S_CONT, HV_E_FAIL, ... */
	char		key[HV_KVP_EXCHANGE_MAX_KEY_SIZE * 2];
	char		value[HV_KVP_EXCHANGE_MAX_VALUE_SIZE * 2];
};

/*
 * The request the driver writes for a host request, its strings already
 * converted from the host's UTF-16 as the driver converts them.  KEY and
 * VALUE are UTF-8; VALUE only for SET.  0, or -1 when the host could not
 * have sent them (not UTF-8, past the host's field sizes).
 */
int	kvphost_request(struct hv_kvp_msg *msg, int op, int pool,
	    uint32_t index, const char *key, const char *value);

/*
 * What the host receives for the daemon's answer ANS to request REQ, as
 * the driver converts it back to UTF-16 (and here once more to UTF-8).
 */
void	kvphost_response(const struct hv_kvp_msg *req,
	    const struct hv_kvp_msg *ans, struct kvphost_reply *reply);

/* What the host gets back for GET_IP_INFO. */
struct kvphost_ipreply {
	uint32_t	status;
	unsigned int	family;		/* ADDR_FAMILY_* bits */
	unsigned int	dhcp;
	char		ip[MAX_IP_ADDR_SIZE * 4];
	char		subnet[MAX_IP_ADDR_SIZE * 4];
	char		gateway[MAX_GATEWAY_SIZE * 4];
	char		dns[MAX_IP_ADDR_SIZE * 4];
};

/*
 * The request the driver writes for the host's GET_IP_INFO (OP
 * KVP_OP_GET_IP_INFO: ADAPTER a MAC, FAMILY) or SET_IP_INFO (ADAPTER the
 * NIC's VMBus instance, DHCP and the ';'-separated lists IP, SUBNET,
 * GATEWAY and DNS), strings UTF-8.  0, or -1 when the host could not have
 * sent them.
 */
int	kvphost_ip_request(struct hv_kvp_msg *msg, int op, const char *adapter,
	    int family, int dhcp, const char *ip, const char *subnet,
	    const char *gateway, const char *dns);

/* What the host receives for the daemon's GET_IP_INFO answer ANS. */
void	kvphost_ip_response(const struct hv_kvp_msg *ans,
	    struct kvphost_ipreply *reply);

/*
 * UTF-8 to UTF-16 code units, at most MAXUNITS: the count, or -1 for input
 * that is not UTF-8.  With OUT NULL, only counts.  Conversion stops before a character that does not
 * fit, as the kernel's utf8s_to_utf16s does.
 */
long	kvphost_utf8_to_utf16(const char *s, uint16_t *out, size_t maxunits);

/* UTF-16 to UTF-8 into at most MAXBYTES bytes, NUL added after them. */
size_t	kvphost_utf16_to_utf8(const uint16_t *in, size_t nunits, char *out,
	    size_t maxbytes);

#endif /* KVPHOST_H */
