/*
 * pvbusd's Xen agent (xen_agent.c): the guest metrics XenServer and XCP-ng
 * read from XenStore, in the paths and formats xe-guest-utilities'
 * xe-daemon writes them.
 */
#ifndef PVBUSD_XEN_AGENT_H
#define PVBUSD_XEN_AGENT_H

#include <stddef.h>

#include "agent.h"

/* The agent of a Xen unit whose interface offers XenStore (agent.h). */
extern const struct agent_ops xen_agent;

/* Inside the agent. */
#include "pv.h"

/*
 * Addresses published per family of one interface, and so per vif: the
 * host shows a few, and every one costs the domain a node of its quota
 * (xenstored's default: 1000 for everything the guest and its kernel
 * keep), which the frontends' state must not run out of.
 */
#define XA_MAXADDRS	16

#define XA_PATHLEN	128
#define XA_VALUELEN	256

/* One node of XenStore with its value, relative to the domain's home. */
struct xa_node {
	char	path[XA_PATHLEN];
	char	value[XA_VALUELEN];
};

/* A set of nodes, kept sorted by path by xa_set_sort(). */
struct xa_set {
	struct xa_node	*v;
	size_t		 n, cap;
};

/* Append PATH = VALUE (a printf format); 0 or ENOMEM, ENAMETOOLONG. */
int	xa_set_add(struct xa_set *s, const char *path, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));
void	xa_set_sort(struct xa_set *s);
/* The node of a sorted set at PATH, or NULL. */
struct xa_node *xa_set_find(const struct xa_set *s, const char *path);
void	xa_set_clear(struct xa_set *s);
void	xa_set_free(struct xa_set *s);

/*
 * What the vif of an interface is (xen_metrics.c): the device id N of its
 * frontend device/vif/N, from the interface's device in sysfs
 * (/sys/class/net/IF/device: its nodename, else the link's name, vif-N),
 * under PLAT's root.  0, or ENOENT for an interface that is no vif.
 */
int	xa_vif_devid(const struct pv_platform *plat, const char *ifname,
	    unsigned long *devid);

/*
 * Everything to publish now, into WANT (cleared first): the OS, the
 * memory, the tools' versions and the vifs' addresses.  Files are read
 * under PLAT's root.  *DROPPED counts the addresses past XA_MAXADDRS.
 * 0 or an errno; what could not be read is left out, and logged once
 * through *LOGGED (a mask the caller keeps).
 */
int	xa_collect(const struct pv_platform *plat, const char *const *exclude,
	    struct xa_set *want, size_t *dropped, unsigned int *logged);

#endif /* PVBUSD_XEN_AGENT_H */
