/* The information store drivers, one per protocol (lib/store/). */
#ifndef PV_STORES_H
#define PV_STORES_H

#include "pv.h"

extern const struct pv_store_ops pv_store_guestinfo;	/* VMware RPCI */
extern const struct pv_store_ops pv_store_xenstore;	/* XenStore */
extern const struct pv_store_ops pv_store_kvp;		/* Hyper-V KVP pools */
extern const struct pv_store_ops pv_store_fwcfg;	/* QEMU fw_cfg */
extern const struct pv_store_ops pv_store_smbios;	/* SMBIOS OEM strings */

/*
 * The firmware's OEM strings beside a unit's store (store/smbios.c): read
 * them into unit->smbios_state (0; ENOENT when the firmware has no tables;
 * another errno when they cannot be read or parsed, the state then kept to
 * answer every key with it), whether KEY is one of theirs, and free them.
 */
int	pv_smbios_probe(struct pv_unit *);
int	pv_smbios_key(const char *key);
void	pv_smbios_detach(struct pv_unit *);

#endif /* PV_STORES_H */
