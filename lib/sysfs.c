/*
 * Paravirtual devices found in sysfs, for the interfaces that share a bus:
 * virtio (KVM, TCG, bhyve, OpenBSD vmm), PCI ids (VMware), the pvclock.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"

/* Virtio device ids (virtio 1.2, section 5). */
static const char *const virtio_names[] = {
	[1] = "virtio-net",	[2] = "virtio-blk",	[3] = "virtio-console",
	[4] = "virtio-rng",	[5] = "virtio-balloon",	[8] = "virtio-scsi",
	[9] = "virtio-9p",	[13] = "virtio-mem-balloon",
	[16] = "virtio-gpu",	[18] = "virtio-input",	[19] = "virtio-vsock",
	[20] = "virtio-crypto",	[23] = "virtio-iommu",	[24] = "virtio-mem",
	[25] = "virtio-sound",	[26] = "virtio-fs",	[27] = "virtio-pmem",
	[35] = "virtio-watchdog", [36] = "virtio-can",	[41] = "virtio-gpio",
};

/* The parent of a sysfs device: the directory above it in its link. */
static void
sysfs_parent(const struct pv_platform *plat, const char *link, char *buf,
    size_t len)
{
	char target[PATH_MAX], *slash;

	buf[0] = '\0';
	if (pv_readlink(plat, link, target, sizeof(target)) != 0)
		return;
	if ((slash = strrchr(target, '/')) == NULL)
		return;
	*slash = '\0';
	slash = strrchr(target, '/');
	strlcpy(buf, slash ? slash + 1 : target, len);
	/* Devices straight under /sys/devices hang off the unit itself. */
	if (strcmp(buf, "devices") == 0 || strcmp(buf, ".") == 0)
		buf[0] = '\0';
}

/* The driver bound to a sysfs device, or "". */
static void
sysfs_driver(const struct pv_platform *plat, const char *dir, char *buf,
    size_t len)
{
	char path[PATH_MAX];

	buf[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/driver", dir) >= (int)sizeof(path))
		return;
	if (pv_readlink_base(plat, path, buf, len) != 0)
		buf[0] = '\0';
}

int
pv_sysfs_hex(const struct pv_platform *plat, const char *dir, const char *file,
    unsigned long *val)
{
	char path[PATH_MAX], text[32], *end;

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >=
	    (int)sizeof(path))
		return (ENAMETOOLONG);
	if (pv_read_text(plat, path, text, sizeof(text)) != 0)
		return (ENOENT);
	errno = 0;
	*val = strtoul(text, &end, 16);
	if (errno != 0 || end == text)
		return (EINVAL);
	return (0);
}

void
pv_sysfs_foreach(struct pv_unit *unit, const char *bus, pv_sysfs_fn fn,
    const void *arg)
{
	struct dirent **ents;
	char path[PATH_MAX];
	size_t i, n;

	/* In name order, so that the tree reads the same each time. */
	if (pv_scandir(unit->plat, bus, &ents, &n) != 0)
		return;
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", bus,
		    ents[i]->d_name) < (int)sizeof(path))
			fn(unit, path, ents[i]->d_name, arg);
		free(ents[i]);
	}
	free(ents);
}

void
pv_sysfs_device_add(struct pv_unit *unit, const char *name, const char *dir,
    const char *id)
{
	char parent[128], driver[64];

	sysfs_parent(unit->plat, dir, parent, sizeof(parent));
	sysfs_driver(unit->plat, dir, driver, sizeof(driver));
	pv_device_add(unit, name, id, parent[0] ? parent : NULL, driver);
}

static void
virtio_one(struct pv_unit *unit, const char *dir, const char *entry,
    const void *arg)
{
	char other[32];
	const char *name;
	unsigned long id;

	(void)arg;
	if (pv_sysfs_hex(unit->plat, dir, "device", &id) != 0)
		return;
	if (id < nitems(virtio_names) &&
	    virtio_names[id] != NULL)
		name = virtio_names[id];
	else {
		snprintf(other, sizeof(other), "virtio-%lu", id);
		name = other;
	}
	pv_sysfs_device_add(unit, name, dir, entry);
}

void
pv_sysfs_virtio(struct pv_unit *unit)
{
	pv_sysfs_foreach(unit, "/sys/bus/virtio/devices", virtio_one, NULL);
}

/*
 * The paravirtual clock: Linux registers kvm-clock as a clocksource when the
 * host offers it; CPUID tells when no sysfs is at hand (a dump).
 */
void
pv_sysfs_pvclock(struct pv_unit *unit, int cpuid_says_stable)
{
	static const char cs[] = "/sys/devices/system/clocksource/clocksource0";
	char avail[256], current[64], path[PATH_MAX];
	int listed = 0;

	snprintf(path, sizeof(path), "%s/available_clocksource", cs);
	if (pv_read_text(unit->plat, path, avail, sizeof(avail)) == 0) {
		char *w, *save = NULL;

		for (w = strtok_r(avail, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save))
			if (strcmp(w, "kvm-clock") == 0)
				listed = 1;
	}
	if (!listed && !cpuid_says_stable)
		return;
	pv_device_add(unit, "pvclock", "kvm-clock", NULL,
	    listed ? "kvm-clock" : "");
	snprintf(path, sizeof(path), "%s/current_clocksource", cs);
	if (pv_read_text(unit->plat, path, current, sizeof(current)) == 0)
		pv_attr_string(unit, "clocksource", "%s", current);
}

struct pci_match {
	const struct pv_pci_id	*ids;
	size_t			 nids;
};

static void
pci_one(struct pv_unit *unit, const char *dir, const char *entry,
    const void *arg)
{
	const struct pci_match *m = arg;
	unsigned long vendor, device;
	size_t i;

	if (pv_sysfs_hex(unit->plat, dir, "vendor", &vendor) != 0 ||
	    pv_sysfs_hex(unit->plat, dir, "device", &device) != 0)
		return;
	for (i = 0; i < m->nids; i++)
		if (m->ids[i].vendor == vendor && m->ids[i].device == device) {
			pv_sysfs_device_add(unit, m->ids[i].name, dir, entry);
			return;
		}
}

void
pv_sysfs_pci(struct pv_unit *unit, const struct pv_pci_id *ids, size_t nids)
{
	struct pci_match m = { ids, nids };

	pv_sysfs_foreach(unit, "/sys/bus/pci/devices", pci_one, &m);
}
