/*
 * The hypervisor table, as OpenBSD's pvbus_types: every interface the bus
 * knows, in the order lookups try them, OpenBSD's six first.  Adding an
 * interface is its ops table (in its own file, or others.c) and a row here.
 */
#include <string.h>

#include "hv/hv.h"

static const struct pv_hv_ops *const pv_hv_table[] = {
	&pv_hv_kvm,
	&pv_hv_hyperv,
	&pv_hv_vmware,
	&pv_hv_xen,
	&pv_hv_bhyve,
	&pv_hv_openbsd,
	&pv_hv_tcg,
	&pv_hv_fex,
	&pv_hv_acrn,
	&pv_hv_qnx,
	&pv_hv_sre,
	&pv_hv_apple,
	&pv_hv_kvmtool,
	&pv_hv_virtualbox,
	&pv_hv_parallels,
	&pv_hv_jailhouse,
	&pv_hv_nvmm,
	&pv_hv_haxm,
	&pv_hv_unisys,
	&pv_hv_evmm,
	&pv_hv_tdx,
};

/* A printable signature nobody knows still makes a unit. */
const struct pv_hv_ops pv_hv_unknown = {
	.name = "unknown",
};

const struct pv_hv_ops *
pv_hv_lookup(const char *sig)
{
	const struct pv_hv_ops *hv;
	size_t i, j;

	for (i = 0; i < nitems(pv_hv_table); i++) {
		hv = pv_hv_table[i];
		for (j = 0; j < nitems(hv->signatures) &&
		    hv->signatures[j] != NULL; j++)
			if (memcmp(hv->signatures[j], sig, PV_SIGLEN) == 0)
				return (hv);
	}
	return (NULL);
}
