/* hostctl's tree listing (tree.c) and the report of -w (watch.c). */
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

/*
 * -W's seconds as milliseconds; exits with a message for a bad number.
 */
int	watch_timeout(const char *arg);
/*
 * Print what pvbus_watch() found, a new value or a removal (JSON if json):
 * the exit status, 1 with a message for a removal.
 */
int	watch_report(FILE *, const char *key, const char *value, int error,
	    int json, int quiet);

#endif /* HOSTCTL_H */
