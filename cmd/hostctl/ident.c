/*
 * hostctl -s and -v: the hypervisor in systemd-detect-virt --vm's words,
 * and the evidence behind every verdict on standard error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/vis.h>

#include "hostctl.h"

/*
 * Evidence quotes what the host wrote (DMI, a container manager's file):
 * encoded as -l encodes it, so that no line can be forged.
 */
void
ident_evidence(void *ctx, const char *line)
{
	FILE *fp = ctx;
	char *s;

	if (stravis(&s, line, VIS_CSTYLE | VIS_TAB | VIS_NL) == -1) {
		fputs("hostctl: evidence: out of memory\n", fp);
		return;
	}
	fprintf(fp, "%s\n", s);
	free(s);
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
