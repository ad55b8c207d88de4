/* hostctl's tree listing (tree.c). */
#ifndef HOSTCTL_H
#define HOSTCTL_H

#include <stdio.h>

#include "pvbus.h"

/*
 * Print every unit, its capabilities, devices and store, and what kind of
 * machine this is; JSON if json.  0, or ENOMEM.
 */
int	tree_print(FILE *, struct pvbus *, int json);
/* Print systemd's name of the hypervisor; 1 when it is "none", else 0. */
int	vm_print(FILE *, struct pvbus *, int json);
/* An evidence callback printing each line to the FILE * in ctx. */
void	ident_evidence(void *ctx, const char *line);
/* Print S as a JSON string literal. */
void	json_string(FILE *, const char *s);

#endif /* HOSTCTL_H */
