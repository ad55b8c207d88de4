/* The XenStore loop through libpvbus (pvbus_kvop on the Xen unit). */
#include <pvbus.h>

#include "xs_loop.h"

static struct pvbus *bus;
static size_t unit;

static int
loop_open(const char *cpuid_dump)
{
	struct pvbus_options o = { .cpuid_dump = cpuid_dump };
	const char *store;

	if (pvbus_open(&bus, &o) != 0)
		return (0);
	for (unit = 0; unit < pvbus_nunits(bus); unit++)
		if ((store = pvbus_unit_store(pvbus_unit(bus, unit))) != NULL &&
		    strcmp(store, "xenstore") == 0)
			return (1);
	return (0);
}

static long
loop_read(const char *key, char *buf, size_t len)
{
	if (pvbus_kvop(bus, unit, PVBUS_KVREAD, key, buf, len) != 0)
		return (-1);
	return (strlen(buf));
}

static int
loop_write(const char *key, const char *value, size_t len)
{
	char buf[XS_LOOP_MAX + 1];

	memcpy(buf, value, len);
	buf[len] = '\0';
	return (pvbus_kvop(bus, unit, PVBUS_KVWRITE, key, buf, sizeof(buf)) ?
	    -1 : 0);
}
