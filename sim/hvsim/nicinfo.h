/*
 * The host's decoder of NIC info v3 (open-vm-tools lib/guestRpc/nicinfo.x),
 * what a guest sends after "SetGuestInfo  10 ".  The lab's host is the
 * tests' peer, so this is written apart from the guest's encoder
 * (lib/vmware_nicinfo.c) and decodes all of v3, routes, DNS, WINS and DHCP
 * included, as vmtoolsd sends them.
 */
#ifndef HVSIM_NICINFO_H
#define HVSIM_NICINFO_H

#include <stddef.h>
#include <stdio.h>

/*
 * Check the LEN bytes at P and, when F is not NULL, print the NICs to F as
 * a JSON array: [{"mac":"...","ips":["10.0.0.5/24",...]},...].  0, or -1
 * with why in ERR (nothing printed): a version other than 3, a length or
 * count past nicinfo.x's limits, a boolean not 0 or 1, padding not zero,
 * an address whose length is not its type's, a prefix longer than the
 * address, a route to a NIC that is not there, bytes left over.
 */
int	nicinfo_decode(const unsigned char *p, size_t len, FILE *f, char *err,
	    size_t errlen);

/* S (LEN bytes) as a JSON string to F. */
void	json_string(FILE *f, const void *s, size_t len);

#endif /* HVSIM_NICINFO_H */
