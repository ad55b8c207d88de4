/*
 * Least privilege once the devices exist.  Making /dev/pvbusN takes
 * CAP_CHOWN (-g) and CAP_MKNOD (no devtmpfs); serving it takes only what
 * the unit's store uses on each request: fw_cfg's I/O ports are granted per
 * request with ioperm (CAP_SYS_RAWIO), VMware's RPCI may go over vsock from
 * a port below 1024 (CAP_NET_BIND_SERVICE); the KVP pools and XenStore are
 * files and sockets of root's.  The supervisor only waits and signals its
 * children, so it keeps nothing.
 *
 * Capabilities belong to each thread: the caller drops them before it
 * starts any thread, and threads created later inherit what is left.
 * Only the effective, permitted and inheritable sets shrink (the bounding
 * set would take CAP_SETPCAP, which the service unit does not grant);
 * pvbusd executes no program that could regain them.
 */
#include <sys/syscall.h>
#include <linux/capability.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "pvbusd.h"

#define CAPBIT(c)	((uint64_t)1 << (c))

/* What a device process keeps, by the name of its unit's store. */
static const struct {
	const char	*store;
	uint64_t	 keep;
} store_caps[] = {
	{ "fw_cfg",	CAPBIT(CAP_SYS_RAWIO) },
	{ "guestinfo",	CAPBIT(CAP_NET_BIND_SERVICE) },
};

uint64_t
pvbusd_caps_needed(const struct pvbus_unit *unit)
{
	const char *store = pvbus_unit_store(unit);
	size_t i;

	for (i = 0; store != NULL && i < sizeof(store_caps) /
	    sizeof(store_caps[0]); i++)
		if (strcmp(store, store_caps[i].store) == 0)
			return (store_caps[i].keep);
	return (0);
}

int
pvbusd_caps_limit(uint64_t keep)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	size_t i;

	if (syscall(SYS_capget, &hdr, data) == -1)
		return (errno);
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		data[i].permitted &= (uint32_t)(keep >> (32 * i));
		data[i].effective &= data[i].permitted;
		data[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &hdr, data) == -1)
		return (errno);
	return (0);
}
