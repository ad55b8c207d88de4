/*
 * pvbusd's Hyper-V KVP agent (kvp_agent.c): what hv_kvp_daemon does on
 * /dev/vmbus/hv_kvp, the character device through which the Linux driver
 * (hv_utils) forwards the host's key-value requests.  The agent registers
 * (KVP_OP_REGISTER1), then reads one request and writes one answer per
 * message; the pools live in /var/lib/hyperv in the daemon's format
 * (lib/kvp_pool.h), the Auto pool and a NIC's IP configuration come from
 * the live system.
 *
 * linux/hyperv.h and lib/kvp_pool.h name the pools alike, so no file
 * includes both: the message handler (kvp_msg.c) sees the uapi, the pool
 * files (kvp_pools.c) see the record format, and this header neither.
 */
#ifndef PVBUSD_KVP_H
#define PVBUSD_KVP_H

#include <sys/utsname.h>
#include <stddef.h>
#include <stdint.h>

#include "agent.h"

/* The agent of a Hyper-V unit whose /dev/vmbus/hv_kvp exists (agent.h). */
extern const struct agent_ops kvp_agent;

/* Inside the agent. */

#define KVPD_DEVICE	"/dev/vmbus/hv_kvp"
#define KVPD_DAEMON	"hv_kvp_daemon"
#define KVPD_NPOOLS	5
#define KVPD_KEYSIZE	512	/* HV_KVP_EXCHANGE_MAX_KEY_SIZE */
#define KVPD_VALUESIZE	2048	/* HV_KVP_EXCHANGE_MAX_VALUE_SIZE */
/* How long a pool lock held by another process is waited for. */
#define KVPD_LOCK_MS	5000
/*
 * The distribution's scripts the daemon runs (Debian builds it with
 * KVP_SCRIPTS_PATH at this place): DNS servers, a NIC's DHCP state, and
 * the one that applies the host's IP configuration.
 */
#define KVPD_SCRIPTS	"/usr/libexec/hypervkvpd/"
#define KVPD_DNS_SCRIPT		KVPD_SCRIPTS "hv_get_dns_info"
#define KVPD_DHCP_SCRIPT	KVPD_SCRIPTS "hv_get_dhcp_info"
#define KVPD_SETIP_SCRIPT	KVPD_SCRIPTS "hv_set_ifconfig"

struct pv_platform;

struct kvpd {
	const struct agent_conf		*conf;
	const struct pv_platform	*plat;		/* the root prefix */
	int				 pools[KVPD_NPOOLS];	/* -1: closed */
	/* IntegrationServicesVersion: the driver's, from the handshake. */
	char				 version[64];
	/* The domain name answered for the host name it was resolved for. */
	char				 fqdn_host[256];
	char				 fqdn[256];
	/*
	 * The system's names for the Auto pool, read when an enumeration
	 * starts (an item not after the last one asked, names_index) and
	 * used by its later items.
	 */
	int				 names_read;
	uint32_t			 names_index;
	struct utsname			 uts;
	char				 os_name[KVPD_VALUESIZE];  /* NAME */
	char				 os_version_id[KVPD_VALUESIZE];
	size_t				 refused;	/* bad messages, for the log */
};

/*
 * The pool files (kvp_pools.c).  kvpd_pools_open() creates the directory
 * (0755) and any missing pool file (0600) and keeps them open; 0 or an
 * errno (logged).  The others take the pool's whole-file fcntl lock for
 * KVPD_LOCK_MS at most, as hv_kvp_daemon takes it (EBUSY after that), and
 * match a KEY as the daemon does: the first record whose key field holds
 * KEY and its NUL.  A record written has its fields NUL padded.
 *
 * kvpd_pool_set() updates the first such record's value or appends one;
 * kvpd_pool_get() copies its value field (KVPD_VALUESIZE bytes, as stored);
 * kvpd_pool_delete() removes it, moving the later ones up;
 * kvpd_pool_record() copies record INDEX's fields as stored.  0, ENOENT
 * (no such key; INDEX past the end), or an errno (logged).
 */
int	kvpd_pools_open(struct kvpd *k);
void	kvpd_pools_close(struct kvpd *k);
int	kvpd_pool_set(struct kvpd *k, int pool, const char *key,
	    const char *value);
int	kvpd_pool_get(struct kvpd *k, int pool, const char *key, char *value);
int	kvpd_pool_delete(struct kvpd *k, int pool, const char *key);
int	kvpd_pool_record(struct kvpd *k, int pool, uint32_t index, char *key,
	    char *value);

/*
 * One message from the driver (kvp_msg.c): MSG holds LEN bytes of a buffer
 * of at least sizeof(struct hv_kvp_msg) bytes.  It becomes
 * the answer, sizeof(struct hv_kvp_msg) bytes, with its status in the
 * header's error field; a message the driver could not have sent is
 * answered HV_E_FAIL and logged.  Returns the size of the answer.
 */
size_t	kvpd_handle(struct kvpd *k, void *msg, size_t len);

/*
 * Answer MSG, a request the driver could not have sent, HV_E_FAIL, and say
 * why in the log (the first ones in full, then one in a hundred).
 */
void	kvpd_refuse(struct kvpd *k, void *msg, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/* The size of the driver's messages, sizeof(struct hv_kvp_msg). */
size_t	kvpd_msg_size(void);

/*
 * The handshake (kvp_msg.c): the message pvbusd registers with into BUF
 * (kvpd_msg_size() bytes), and the driver's answer MSG of LEN bytes: 1 when
 * it is the REGISTER1 answer (its version kept in K), 0 when it is a request
 * instead.
 */
void	kvpd_register_msg(void *buf);
int	kvpd_register_answer(struct kvpd *k, const void *msg, size_t len);

/*
 * Item INDEX of the Auto pool as the daemon numbers them
 * (FullyQualifiedDomainName, IntegrationServicesVersion, NetworkAddressIPv4,
 * NetworkAddressIPv6, OSBuildNumber, OSName, OSMajorVersion, OSMinorVersion,
 * OSVersion, ProcessorArchitecture), from the live system (kvp_auto.c),
 * whose names are read again when an enumeration starts (INDEX 0):
 * its name into KEY (KVPD_KEYSIZE bytes) and value into VALUE
 * (KVPD_VALUESIZE bytes).  0, or ENOENT past the last.
 */
int	kvpd_auto_item(struct kvpd *k, uint32_t index, char *key, char *value);

/*
 * The addresses of family FAMILY (AF_UNSPEC: both) of the N interfaces
 * IFS, in the order getifaddrs(3) gave them, joined by ';' into OUT (LEN
 * bytes), as the daemon joins them: an address is added while LEN leaves
 * room for the longest of its family and two bytes more.  0, or ENOSPC
 * when one did not fit (OUT holds those that did).
 */
struct m_iface;
int	kvpd_addr_list(const struct m_iface *ifs, size_t n, int family,
	    char *out, size_t len);

/*
 * KVP_OP_GET_IP_INFO (SET 0) and KVP_OP_SET_IP_INFO (SET 1) on MSG, a
 * whole struct hv_kvp_msg (kvp_ip.c).
 */
void	kvpd_ipinfo(struct kvpd *k, void *msg, int set);

#endif /* PVBUSD_KVP_H */
