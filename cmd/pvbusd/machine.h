/*
 * What a guest agent tells its host about the machine: the host name, the
 * operating system's names, the uptime and the network interfaces an
 * administrator would want shown, with their MACs and addresses.  Nothing
 * here is VMware's: the TCLO agent (vmt.c) encodes it as NIC info v3, an
 * agent for another host would encode it its own way.
 */
#ifndef PVBUSD_MACHINE_H
#define PVBUSD_MACHINE_H

#include <limits.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>

/* Limits of what one collection keeps. */
#define M_MAXIFACES	64
#define M_MAXADDRS	256	/* per interface */

struct m_addr {
	int		family;		/* AF_INET or AF_INET6 */
	unsigned char	addr[16];
	unsigned int	prefix;
	unsigned int	seq;		/* its place in getifaddrs(3)'s list */
};

struct m_iface {
	char		name[IF_NAMESIZE];
	unsigned int	index;
	unsigned char	mac[6];
	struct m_addr	*addrs;		/* naddrs of them */
	size_t		naddrs;
	size_t		addrcap;	/* room in addrs */
	size_t		dropped;	/* addresses past M_MAXADDRS */
};

struct machine {
	char		hostname[HOST_NAME_MAX + 1];
	char		os_full[256];	/* "Debian GNU/Linux 12 (bookworm)" */
	char		os_name[64];	/* VMware's kind: "other6xlinux-64" */
	struct m_iface	*ifaces;	/* ordered by interface index */
	size_t		 nifaces;
	size_t		 ifacecap;	/* room in ifaces */
	size_t		 dropped;	/* interfaces past M_MAXIFACES */
};

/*
 * The exclude patterns used when none are given: loopback and interfaces
 * that are down are always left out, and so are these, which belong to
 * containers, bridges, virtual machines and tunnels of this machine rather
 * than to its own connections.  NULL-terminated.
 */
extern const char *const machine_default_exclude[];

/*
 * Collect into SI.  EXCLUDE is a NULL-terminated list of shell patterns
 * (fnmatch(3)) of interface names to leave out.  Interfaces without an
 * Ethernet address and loopback addresses are left out too; IPv6
 * link-local addresses are kept, as vmtoolsd keeps them.  Interfaces are
 * ordered by index, each one's IPv4 addresses before its IPv6 ones, each
 * family in address order, so that the same machine gives the same answer.
 * The arrays are as long as the machine needs, not the limits: an agent
 * collects every interval.  0 or an errno value; free with machine_free().
 */
int	machine_collect(struct machine *si, const char *const *exclude);
void	machine_free(struct machine *si);

/* Whether NAME matches one of the patterns of EXCLUDE. */
int	machine_excluded(const char *name, const char *const *exclude);

/* The time since boot in hundredths of a second. */
uint64_t machine_uptime(void);

#endif /* PVBUSD_MACHINE_H */
