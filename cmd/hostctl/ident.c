/*
 * hostctl -s and -v: the hypervisor in systemd-detect-virt --vm's words,
 * and the evidence behind every verdict on standard error.
 */
#include <stdio.h>
#include <string.h>

#include "hostctl.h"

void
ident_evidence(void *ctx, const char *line)
{
	FILE *fp = ctx;

	fprintf(fp, "%s\n", line);
}

int
vm_print(FILE *fp, struct pvbus *bus, int json)
{
	const char *vm = pvbus_vm(bus);

	if (json) {
		fputs("{\"vm\": ", fp);
		json_string(fp, vm);
		fputs("}\n", fp);
	} else
		fprintf(fp, "%s\n", vm);
	/* systemd-detect-virt's status: 1 when there is none. */
	return (strcmp(vm, "none") == 0 ? 1 : 0);
}
