/* hostctl's tree listing (tree.c). */
#ifndef HOSTCTL_H
#define HOSTCTL_H

#include <stdio.h>

#include "pvbus.h"

/*
 * Print every unit, its capabilities, devices and store; JSON if json.
 * 0, or ENOMEM.
 */
int	tree_print(FILE *, const struct pvbus *, int json);
/* Print S as a JSON string literal. */
void	json_string(FILE *, const char *s);

#endif /* HOSTCTL_H */
