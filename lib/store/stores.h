/* The information store drivers, one per protocol (lib/store/). */
#ifndef PV_STORES_H
#define PV_STORES_H

#include "pv.h"

extern const struct pv_store_ops pv_store_guestinfo;	/* VMware RPCI */
extern const struct pv_store_ops pv_store_xenstore;	/* XenStore */
extern const struct pv_store_ops pv_store_kvp;		/* Hyper-V KVP pools */
extern const struct pv_store_ops pv_store_fwcfg;	/* QEMU fw_cfg */

#endif /* PV_STORES_H */
