/*
 * hvsim's decoder of NIC info v3 (sim/hvsim/nicinfo.c): what the guest's
 * encoder (lib/vmware_nicinfo.c) sends decodes to the same NICs, a message
 * with routes, DNS, WINS and DHCP as vmtoolsd sends them decodes, and
 * whatever breaks nicinfo.x is refused with nothing printed.
 */
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "vmware_nicinfo.h"
#include "../../sim/hvsim/nicinfo.h"

#define U32(v)	(v) >> 24 & 0xff, (v) >> 16 & 0xff, (v) >> 8 & 0xff, (v) & 0xff

static char out[4096];

/* Decode into OUT; the return of nicinfo_decode(). */
static int
decode(const unsigned char *p, size_t len)
{
	char err[128];
	FILE *f = fmemopen(out, sizeof(out), "w");
	int rc;

	memset(out, 0, sizeof(out));
	rc = nicinfo_decode(p, len, f, err, sizeof(err));
	fclose(f);
	return (rc);
}

int
main(void)
{
	/* One NIC with one address, a route, and DNS, WINS, DHCP. */
	static const unsigned char full[] = {
		U32(3), U32(1), U32(1),
		U32(17), '0', '2', ':', '0', '0', ':', '0', '0', ':',
		'0', 'a', ':', '0', '9', ':', '0', '7', 0, 0, 0,
		U32(1), U32(1), U32(4), 10, 9, 8, 7, U32(24),
		U32(1), U32(4), U32(1), U32(1),	/* origin dhcp, preferred */
		U32(0), U32(0), U32(0), U32(0),
		U32(1),				/* a route */
		U32(1), U32(4), 0, 0, 0, 0, U32(0),
		U32(1), U32(1), U32(4), 10, 9, 8, 1,	/* via 10.9.8.1 */
		U32(0), U32(4), U32(0xffffffff),
		U32(1),				/* DNS */
		U32(1), U32(3), 'v', 'm', 't', 0,
		U32(0),
		U32(1), U32(1), U32(4), 10, 9, 8, 1,
		U32(1), U32(7), 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0,
		U32(1),				/* WINS */
		U32(1), U32(4), 10, 9, 8, 2, U32(1), U32(4), 10, 9, 8, 3,
		U32(1), U32(1), U32(4), 'x', '=', '1', ';',	/* DHCPv4 */
		U32(0),
	};
	static unsigned char buf[PV_NICINFO_MAXSIZE], bad[sizeof(full) + 4];
	struct pv_nic_addr a[2];
	struct pv_nic nic;
	size_t len;

	memset(a, 0, sizeof(a));
	a[0].family = AF_INET;
	memcpy(a[0].addr, "\x0a\x09\x08\x07", 4);
	a[0].prefix = 24;
	a[1].family = AF_INET6;
	a[1].addr[0] = 0xfd;
	a[1].addr[15] = 7;
	a[1].prefix = 64;
	memset(&nic, 0, sizeof(nic));
	strcpy(nic.mac, "02:00:00:0a:09:07");
	nic.addrs = a;
	nic.naddrs = 2;
	CHECK("the guest's encoding", pv_nicinfo_encode(&nic, 1, buf,
	    sizeof(buf), &len) == 0);
	CHECK("decodes", decode(buf, len) == 0);
	CHECK_STR("to its NICs", out, "[{\"mac\":\"02:00:00:0a:09:07\","
	    "\"ips\":[\"10.9.8.7/24\",\"fd00::7/64\"]}]");

	CHECK("routes, DNS, WINS and DHCP decode",
	    decode(full, sizeof(full)) == 0);
	CHECK_STR("to the NICs alone", out, "[{\"mac\":\"02:00:00:0a:09:07\","
	    "\"ips\":[\"10.9.8.7/24\"]}]");

	memcpy(bad, full, sizeof(full));
	bad[3] = 2;
	CHECK("version 2 is refused", decode(bad, sizeof(full)) == -1 &&
	    out[0] == '\0');
	memcpy(bad, full, sizeof(full));
	bad[11] = 17;
	CHECK("17 NICs are refused", decode(bad, sizeof(full)) == -1);
	memcpy(bad, full, sizeof(full));
	bad[16 + 17] = 'x';
	CHECK("padding not zero is refused", decode(bad, sizeof(full)) == -1);
	memcpy(bad, full, sizeof(full));
	bad[7] = 2;
	CHECK("a boolean of 2 is refused", decode(bad, sizeof(full)) == -1);
	memcpy(bad, full, sizeof(full));
	bad[4 * 13 + 3] = 33;
	CHECK("a prefix of 33 is refused", decode(bad, sizeof(full)) == -1);
	memcpy(bad, full, sizeof(full));
	bad[4 * 13 - 5] = 5;
	CHECK("an IPv4 address of 5 bytes is refused",
	    decode(bad, sizeof(full)) == -1);
	CHECK("a message cut short is refused",
	    decode(full, sizeof(full) - 4) == -1 && out[0] == '\0');
	memcpy(bad, full, sizeof(full));
	memset(bad + sizeof(full), 0, 4);
	CHECK("bytes left over are refused",
	    decode(bad, sizeof(full) + 4) == -1);
	memcpy(bad, full, sizeof(full));
	bad[4 * 31 + 3] = 1;		/* the route's NIC index */
	CHECK("a route on a NIC that is not there is refused",
	    decode(bad, sizeof(full)) == -1);
	CHECK("nothing is refused", decode(NULL, 0) == -1);
	return (CHECK_EXIT());
}
