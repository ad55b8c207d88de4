/*
 * QEMU's fw_cfg, the read-only store of KVM and TCG guests run by QEMU
 * (the protocol in lib/fwcfg.c).
 *
 * Two ways in: the qemu_fw_cfg module's sysfs tree when it is there, else
 * the x86 ports (selector, data, DMA where offered), which need ioperm and
 * so root.  The ports are touched only on a machine pv_fwcfg_qemu_machine()
 * vouches for and only after the signature at item 0 reads "QEMU".  Without
 * fw_cfg the unit has no store and reads fail with ENXIO, as on OpenBSD.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pv.h"
#include "fwcfg.h"
#include "store/stores.h"

struct fwcfg_state {
	int	ports;		/* through the ports, not sysfs */
	int	dma;		/* the device offers DMA */
};

static int
fwcfg_attach(struct pv_unit *unit)
{
	const struct pv_platform *plat = unit->plat;
	struct fwcfg_state *st;
	uint32_t features = 0;
	int error;

	if ((st = calloc(1, sizeof(*st))) == NULL)
		return (ENOMEM);
	if (pv_access(plat, PV_FWCFG_SYSFS "/by_key", F_OK) == 0) {
		strlcpy(unit->store_path, PV_FWCFG_SYSFS,
		    sizeof(unit->store_path));
	} else if (pv_fwcfg_qemu_machine(plat) &&
	    pv_fwcfg_ports.open(NULL) == 0) {
		error = pv_fwcfg_probe(&pv_fwcfg_ports, &features);
		pv_fwcfg_ports.close(NULL);
		if (error != 0) {
			free(st);
			return (error);
		}
		st->ports = 1;
		st->dma = (features & PV_FWCFG_FEATURE_DMA) != 0;
		snprintf(unit->store_path, sizeof(unit->store_path),
		    "port 0x%x%s", PV_FWCFG_PORT_SEL,
		    st->dma ? ", dma 0x514" : "");
	} else {
		free(st);
		strlcpy(unit->store_path, PV_FWCFG_SYSFS,
		    sizeof(unit->store_path));
		return (ENOENT);
	}
	unit->store_state = st;
	unit->store_access = PVBUS_STORE_RO;
	return (0);
}

static int
fwcfg_kvop(struct pv_unit *unit, enum pvbus_kvop op, const char *key,
    char *value, size_t valuelen)
{
	const struct fwcfg_state *st = unit->store_state;
	int error;

	if (op != PVBUS_KVREAD)
		return (EROFS);
	if (st->ports)
		error = pv_fwcfg_io_kvread(&pv_fwcfg_ports, st->dma, key,
		    value, valuelen);
	else
		error = pv_fwcfg_sysfs_kvread(unit->plat, key, value,
		    valuelen);
	if (error == EOPNOTSUPP)
		snprintf(unit->store_error, sizeof(unit->store_error),
		    "fw_cfg: %s: binary, not text", key);
	return (error);
}

static void
fwcfg_detach(struct pv_unit *unit)
{
	free(unit->store_state);
	unit->store_state = NULL;
}

const struct pv_store_ops pv_store_fwcfg = {
	.name = "fw_cfg",
	.attach = fwcfg_attach,
	.kvop = fwcfg_kvop,
	.detach = fwcfg_detach,
};
