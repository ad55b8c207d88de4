/*
 * The NIC info v3 encoder against bytes written out by hand from nicinfo.x
 * (open-vm-tools lib/guestRpc), and its limits.
 */
#include <sys/socket.h>
#include <errno.h>
#include <string.h>

#include "check.h"
#include "vmware_nicinfo.h"

#define U32(v)	(v) >> 24 & 0xff, (v) >> 16 & 0xff, (v) >> 8 & 0xff, (v) & 0xff

int
main(void)
{
	static const unsigned char want[] = {
		U32(3), U32(1),			/* NIC_INFO_V3, present */
		U32(1),				/* one NIC */
		U32(17), '0', '0', ':', '5', '0', ':', '5', '6', ':',
		'a', 'b', ':', 'c', 'd', ':', 'e', 'f', 0, 0, 0,
		U32(2),				/* two addresses */
		U32(1), U32(4), 10, 9, 8, 7,	/* IAT_IPV4 10.9.8.7 */
		U32(24), U32(0), U32(0),	/* /24, no origin, status */
		U32(2), U32(16),		/* IAT_IPV6 fd00::5 */
		0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5,
		U32(64), U32(0), U32(0),
		U32(0), U32(0), U32(0), U32(0),	/* NIC: no dns .. dhcpv6 */
		U32(0),				/* no routes */
		U32(0), U32(0), U32(0), U32(0),	/* no dns .. dhcpv6 */
	};
	static const unsigned char empty[] = {
		U32(3), U32(1), U32(0), U32(0), U32(0), U32(0), U32(0), U32(0)
	};
	static struct pv_nic_addr many[PV_NICINFO_MAXADDRS + 1];
	static struct pv_nic nics[PV_NICINFO_MAXNICS + 1];
	static unsigned char buf[PV_NICINFO_MAXSIZE];
	struct pv_nic_addr a[2];
	struct pv_nic nic;
	size_t len, i;

	memset(a, 0, sizeof(a));
	a[0].family = AF_INET;
	memcpy(a[0].addr, "\x0a\x09\x08\x07", 4);
	a[0].prefix = 24;
	a[1].family = AF_INET6;
	a[1].addr[0] = 0xfd;
	a[1].addr[15] = 5;
	a[1].prefix = 64;
	memset(&nic, 0, sizeof(nic));
	strcpy(nic.mac, "00:50:56:ab:cd:ef");
	nic.addrs = a;
	nic.naddrs = 2;
	CHECK("one NIC encodes",
	    pv_nicinfo_encode(&nic, 1, buf, sizeof(buf), &len) == 0);
	CHECK("one NIC is the XDR of nicinfo.x",
	    len == sizeof(want) && memcmp(buf, want, len) == 0);
	CHECK("no NIC encodes",
	    pv_nicinfo_encode(NULL, 0, buf, sizeof(buf), &len) == 0 &&
	    len == sizeof(empty) && memcmp(buf, empty, len) == 0);
	CHECK("a short buffer is ENOSPC",
	    pv_nicinfo_encode(&nic, 1, buf, sizeof(want) - 1, &len) ==
	    ENOSPC && len == 0);

	strcpy(nic.mac, "00:50:56:ab:cd:e");
	CHECK("a short MAC is EINVAL",
	    pv_nicinfo_encode(&nic, 1, buf, sizeof(buf), &len) == EINVAL);
	strcpy(nic.mac, "00:50:56:ab:cd:eg");
	CHECK("a MAC with a non-hex digit is EINVAL",
	    pv_nicinfo_encode(&nic, 1, buf, sizeof(buf), &len) == EINVAL);
	strcpy(nic.mac, "00:50:56:ab:cd:ef");
	a[0].prefix = 33;
	CHECK("an IPv4 prefix of 33 is EINVAL",
	    pv_nicinfo_encode(&nic, 1, buf, sizeof(buf), &len) == EINVAL);
	a[0].prefix = 24;
	a[1].family = AF_UNIX;
	CHECK("another family is EINVAL",
	    pv_nicinfo_encode(&nic, 1, buf, sizeof(buf), &len) == EINVAL);

	for (i = 0; i < PV_NICINFO_MAXADDRS + 1; i++) {
		many[i].family = AF_INET6;
		many[i].addr[15] = i;
		many[i].prefix = 128;
	}
	for (i = 0; i < PV_NICINFO_MAXNICS + 1; i++) {
		snprintf(nics[i].mac, sizeof(nics[i].mac),
		    "02:00:00:00:00:%02zx", i);
		nics[i].addrs = many;
		nics[i].naddrs = PV_NICINFO_MAXADDRS;
	}
	CHECK("the most NICs and addresses fit PV_NICINFO_MAXSIZE",
	    pv_nicinfo_encode(nics, PV_NICINFO_MAXNICS, buf, sizeof(buf),
	    &len) == 0 && len == PV_NICINFO_MAXSIZE);
	CHECK("one NIC more is E2BIG",
	    pv_nicinfo_encode(nics, PV_NICINFO_MAXNICS + 1, buf, sizeof(buf),
	    &len) == E2BIG);
	nics[3].naddrs = PV_NICINFO_MAXADDRS + 1;
	CHECK("one address more is E2BIG",
	    pv_nicinfo_encode(nics, 4, buf, sizeof(buf), &len) == E2BIG);
	CHECK("the largest message fits an RPCI message of 64 KiB",
	    sizeof(PV_NICINFO_CMD) - 1 + PV_NICINFO_MAXSIZE <= 65536);
	return (CHECK_EXIT());
}
