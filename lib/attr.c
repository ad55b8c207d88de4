/* A unit's decoded capabilities and its paravirtual devices. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"

static struct pvbus_attr *
attr_new(struct pv_unit *unit, enum pvbus_attr_kind kind, const char *name)
{
	struct pvbus_attr *a;

	a = reallocarray(unit->attrs, unit->nattrs + 1, sizeof(*a));
	if (a == NULL)
		return (NULL);
	unit->attrs = a;
	a = &unit->attrs[unit->nattrs++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	strlcpy(a->name, name, sizeof(a->name));
	return (a);
}

int
pv_attr_string(struct pv_unit *unit, const char *name, const char *fmt, ...)
{
	struct pvbus_attr *a;
	va_list ap;

	if ((a = attr_new(unit, PVBUS_ATTR_STRING, name)) == NULL)
		return (ENOMEM);
	va_start(ap, fmt);
	vsnprintf(a->value, sizeof(a->value), fmt, ap);
	va_end(ap);
	return (0);
}

int
pv_attr_number(struct pv_unit *unit, const char *name, uint64_t n)
{
	struct pvbus_attr *a;

	if ((a = attr_new(unit, PVBUS_ATTR_NUMBER, name)) == NULL)
		return (ENOMEM);
	a->raw = n;
	snprintf(a->value, sizeof(a->value), "%llu", (unsigned long long)n);
	return (0);
}

int
pv_attr_flags(struct pv_unit *unit, const char *name, uint64_t bits,
    const char *const *names, size_t nnames)
{
	struct pvbus_attr *a;
	char word[32];
	const char *w;
	size_t i;

	if ((a = attr_new(unit, PVBUS_ATTR_FLAGS, name)) == NULL)
		return (ENOMEM);
	a->raw = bits;
	for (i = 0; i < 64; i++) {
		if ((bits & (1ULL << i)) == 0)
			continue;
		if (i < nnames && names[i] != NULL)
			w = names[i];
		else {
			snprintf(word, sizeof(word), "bit%zu", i);
			w = word;
		}
		if (a->value[0] != '\0')
			strlcat(a->value, " ", sizeof(a->value));
		strlcat(a->value, w, sizeof(a->value));
	}
	return (0);
}

int
pv_attr_regs(struct pv_unit *unit, const char *name, const uint32_t r[4])
{
	struct pvbus_attr *a;

	if ((a = attr_new(unit, PVBUS_ATTR_REGS, name)) == NULL)
		return (ENOMEM);
	snprintf(a->value, sizeof(a->value),
	    "eax=0x%08x ebx=0x%08x ecx=0x%08x edx=0x%08x",
	    r[0], r[1], r[2], r[3]);
	return (0);
}

int
pv_device_add(struct pv_unit *unit, const char *name, const char *id,
    const char *parent, const char *driver)
{
	struct pvbus_device *d;
	size_t cap;

	if (unit->ndevices == PV_MAXDEVICES) {
		/* Said once, at the first device past the limit. */
		if (!unit->devices_truncated) {
			unit->devices_truncated = 1;
			pv_attr_number(unit, "devices_truncated",
			    PV_MAXDEVICES);
		}
		return (ENOSPC);
	}
	if (unit->ndevices == unit->devices_cap) {
		cap = unit->devices_cap ? unit->devices_cap * 2 : 16;
		if (cap > PV_MAXDEVICES)
			cap = PV_MAXDEVICES;
		d = reallocarray(unit->devices, cap, sizeof(*d));
		if (d == NULL)
			return (ENOMEM);
		unit->devices = d;
		unit->devices_cap = cap;
	}
	d = &unit->devices[unit->ndevices++];
	memset(d, 0, sizeof(*d));
	strlcpy(d->name, name, sizeof(d->name));
	strlcpy(d->id, id, sizeof(d->id));
	strlcpy(d->parent, parent ? parent : unit->name, sizeof(d->parent));
	strlcpy(d->driver, driver ? driver : "", sizeof(d->driver));
	return (0);
}
