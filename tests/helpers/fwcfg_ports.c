/*
 * fw_cfg through the x86 ports, for the in-guest tests: one access method
 * at a time, with no silent fallback from DMA to the data port.
 *
 *   fwcfg_ports probe             prints the feature bitmap ("0x3")
 *   fwcfg_ports pio|dma KEY       prints KEY's value (a listing for a
 *                                 directory) as the store would return it
 *   fwcfg_ports vmport            prints "version V type T" when QEMU's
 *                                 vmport answers GETVERSION
 * Exit status: 0, or 1 with the error on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"
#include "arch/ioport.h"
#include "fwcfg.h"
#include "vmware_rpc.h"

/* The real DMA, but a failure is a failure: no retry through the data port. */
static int
strict_dma_read(void *ctx, uint16_t key, void *buf, size_t len)
{
	int error;

	error = pv_fwcfg_ports.dma_read(ctx, key, buf, len);
	return (error == ENOTSUP ? EIO : error);
}

static int
probe(void)
{
	uint32_t features;
	int error;

	if ((error = pv_fwcfg_ports.open(NULL)) != 0)
		return (error);
	error = pv_fwcfg_probe(&pv_fwcfg_ports, &features);
	pv_fwcfg_ports.close(NULL);
	if (error == 0)
		printf("0x%x\n", features);
	return (error);
}

static int
vmport(void)
{
	uint32_t version, type;
	int error;

	if ((error = pv_io_permit(PV_BD_PORT, PV_VMPORT_NPORTS, 1)) != 0)
		return (error);
	error = pv_vmw_probe(&version, &type);
	pv_io_permit(PV_BD_PORT, PV_VMPORT_NPORTS, 0);
	if (error == 0)
		printf("version %u type %u\n", version, type);
	return (error);
}

int
main(int argc, char *argv[])
{
	struct pv_fwcfg_io io = pv_fwcfg_ports;
	static char value[PVBUS_KVOP_MAXSIZE];
	int error;

	if (argc == 2 && strcmp(argv[1], "probe") == 0)
		error = probe();
	else if (argc == 2 && strcmp(argv[1], "vmport") == 0)
		error = vmport();
	else if (argc == 3 && (strcmp(argv[1], "pio") == 0 ||
	    strcmp(argv[1], "dma") == 0)) {
		io.dma_read = strict_dma_read;
		error = pv_fwcfg_io_kvread(&io, strcmp(argv[1], "dma") == 0,
		    argv[2], value, sizeof(value));
		if (error == 0)
			printf("%s\n", value);
	} else {
		fprintf(stderr, "usage: fwcfg_ports probe | vmport | "
		    "pio KEY | dma KEY\n");
		return (2);
	}
	if (error != 0) {
		fprintf(stderr, "fwcfg_ports: %s\n", strerror(error));
		return (1);
	}
	return (0);
}
