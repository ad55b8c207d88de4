/*
 * pvbus_watch(): what every store's wait shares.  The store says when the
 * key may have changed; this reads it and compares with the value it had
 * at the start, so a store may wake too often (a XenStore watch fires for
 * the nodes below the key, a pool file holds other keys) but never reports
 * a change that is none.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pv.h"
#include "store/stores.h"

int
pv_watch_ms_left(const struct pv_watch *w)
{
	struct timespec now;
	long long ms;

	if (!w->has_deadline)
		return (-1);
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(w->deadline.tv_sec - now.tv_sec) * 1000 +
	    (w->deadline.tv_nsec - now.tv_nsec) / 1000000;
	if (ms <= 0)
		return (0);
	return (ms > 0x7fffffff ? 0x7fffffff : (int)ms);
}

int
pv_watch_sleep(const struct pv_watch *w, int ms)
{
	struct timespec until;
	int left = pv_watch_ms_left(w), timedout = 0;

	if (left >= 0 && left <= ms) {
		ms = left;
		timedout = 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
	    NULL) == EINTR)
		;
	return (timedout ? ETIMEDOUT : 0);
}

int
pvbus_watch(struct pvbus *bus, size_t unit, const char *key, char *value,
    size_t valuelen, int timeout_ms)
{
	struct pv_unit *u;
	struct pv_watch w;
	char *first;
	int error, first_error;

	if (unit >= bus->nunits || (u = &bus->units[unit])->store == NULL)
		return (ENXIO);
	if (valuelen == 0 || key == NULL || value == NULL || timeout_ms < -1)
		return (EINVAL);
	value[0] = '\0';
	/* The firmware's strings and fw_cfg are fixed while the VM runs. */
	if ((u->smbios_state != NULL && pv_smbios_key(key)) ||
	    u->store->watch == NULL)
		return (EOPNOTSUPP);

	memset(&w, 0, sizeof(w));
	w.key = key;
	if (timeout_ms >= 0) {
		w.has_deadline = 1;
		clock_gettime(CLOCK_MONOTONIC, &w.deadline);
		w.deadline.tv_sec += timeout_ms / 1000;
		w.deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
		if (w.deadline.tv_nsec >= 1000000000) {
			w.deadline.tv_sec++;
			w.deadline.tv_nsec -= 1000000000;
		}
	}
	if ((first = malloc(valuelen)) == NULL)
		return (ENOMEM);
	if ((error = u->store->watch(u, &w, PV_WATCH_ARM)) != 0)
		goto done;
	first_error = pvbus_kvop(bus, unit, PVBUS_KVREAD, key, first,
	    valuelen);
	if (first_error != 0 && first_error != ENOENT) {
		error = first_error;
		goto done;
	}
	for (;;) {
		if ((error = u->store->watch(u, &w, PV_WATCH_WAIT)) != 0)
			break;
		error = pvbus_kvop(bus, unit, PVBUS_KVREAD, key, value,
		    valuelen);
		if (error == ENOENT && first_error == ENOENT) {
			w.rounds++;
			continue;
		}
		/* A removal (ENOENT), a failure, or a new value. */
		if (error != 0 || first_error == ENOENT ||
		    strcmp(value, first) != 0)
			break;
		w.rounds++;
	}
 done:
	u->store->watch(u, &w, PV_WATCH_END);
	free(first);
	if (error != 0)
		value[0] = '\0';
	return (error);
}
