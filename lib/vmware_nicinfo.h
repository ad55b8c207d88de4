/*
 * NIC info version 3, the guest's network interfaces as VMware Tools report
 * them: the XDR of open-vm-tools' GuestNicProto (lib/guestRpc/nicinfo.x)
 * with the version NIC_INFO_V3, sent as "SetGuestInfo  10 " followed by
 * these bytes on an RPCI channel.
 */
#ifndef PV_VMWARE_NICINFO_H
#define PV_VMWARE_NICINFO_H

#include <stddef.h>
#include <stdint.h>

/* The RPCI command that carries the encoding (INFO_IPADDRESS_V3 = 10). */
#define PV_NICINFO_CMD		"SetGuestInfo  10 "

/*
 * Limits.  NICINFO_MAX_NICS is 16; v3 allows 2048 addresses per NIC
 * (NICINFO_MAX_IPS), but hosts older than that limit take 64
 * (INFO_IPADDRESS_V2_MAX_IPS), which open-vm-tools falls back to: sending
 * no more than 64 works with every host.  A MAC is "aa:bb:cc:dd:ee:ff".
 */
#define PV_NICINFO_MAXNICS	16
#define PV_NICINFO_MAXADDRS	64
#define PV_NICINFO_MACLEN	17

/*
 * The largest encoding: the header, each NIC with a MAC of 20 bytes with
 * its length and padding and 64 IPv6 entries of 36 bytes, the trailer.
 */
#define PV_NICINFO_MAXSIZE	(12 + PV_NICINFO_MAXNICS * \
	(24 + 4 + PV_NICINFO_MAXADDRS * 36 + 16) + 20)

/* One address with its prefix length; FAMILY is AF_INET or AF_INET6. */
struct pv_nic_addr {
	int		family;
	unsigned char	addr[16];	/* 4 bytes for AF_INET */
	unsigned int	prefix;
};

/* One interface: its MAC as text and its addresses, in order. */
struct pv_nic {
	char				 mac[PV_NICINFO_MACLEN + 1];
	const struct pv_nic_addr	*addrs;
	size_t				 naddrs;
};

/*
 * Encode N interfaces into BUF (CAP bytes); *LENP is the length.  No
 * routes, DNS, WINS or DHCP are sent (each absent).  E2BIG for more than
 * PV_NICINFO_MAXNICS interfaces or PV_NICINFO_MAXADDRS addresses on one,
 * EINVAL for a MAC that is not six hex pairs, a family other than AF_INET
 * or AF_INET6 or a prefix longer than the address, ENOSPC when CAP is too
 * small (PV_NICINFO_MAXSIZE always suffices).
 */
int	pv_nicinfo_encode(const struct pv_nic *nics, size_t n,
	    unsigned char *buf, size_t cap, size_t *lenp);

#endif /* PV_VMWARE_NICINFO_H */
