/*
 * The firmware's SMBIOS OEM strings (type 11), a read-only store beside the
 * unit's own.  QEMU sets them with -smbios type=11,value=STRING; systemd
 * takes credentials from them (io.systemd.credential:NAME=VALUE) and
 * cloud-init its NoCloud seed.  They belong to the firmware, not to a
 * hypervisor interface, so the native unit carries them whatever its store:
 * the bus hands it the keys under smbios/oem and everything else to the
 * unit's store, which is this one only when the unit has no other.
 *
 *   smbios/oem/        the strings' numbers, from 1, one a line
 *   smbios/oem/N       string N
 *   smbios/oem/NAME    VALUE of the first string NAME=VALUE
 *
 * The strings are read once at attach: the firmware does not change them
 * while the machine runs.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "listing.h"
#include "pv.h"
#include "smbios.h"
#include "store/stores.h"

#define SMBIOS_ENTRIES		"/sys/firmware/dmi/entries"
#define SMBIOS_TABLE		"/sys/firmware/dmi/tables/DMI"
#define SMBIOS_PREFIX		"smbios/oem"
/* SMBIOS 3 tables may pass 64 KiB; no firmware comes near this. */
#define SMBIOS_FILE_MAX		(1024 * 1024)

struct smbios_state {
	struct smbios_oem	 oem;
	int			 error;		/* of the reading, for every key */
	char			 path[PATH_MAX];
};

/* A file read whole into *BUF; 0 or errno (EFBIG past SMBIOS_FILE_MAX). */
static int
smbios_read_file(const struct pv_platform *plat, const char *path,
    unsigned char **buf, size_t *len)
{
	unsigned char *b, *nb;
	size_t cap = 4096, n = 0, got;
	int fd, error = 0;

	*buf = NULL;
	*len = 0;
	if ((error = pv_open(plat, path, O_RDONLY, 0, &fd)) != 0)
		return (error);
	if ((b = malloc(cap)) == NULL) {
		close(fd);
		return (ENOMEM);
	}
	for (;;) {
		if (n == cap) {
			if (cap >= SMBIOS_FILE_MAX) {
				error = EFBIG;
				break;
			}
			if ((nb = realloc(b, cap * 2)) == NULL) {
				error = ENOMEM;
				break;
			}
			b = nb;
			cap *= 2;
		}
		if ((error = pv_read_full(fd, b + n, cap - n, &got)) != 0)
			break;
		n += got;
		if (n < cap)
			break;
	}
	close(fd);
	if (error != 0) {
		free(b);
		return (error);
	}
	*buf = b;
	*len = n;
	return (0);
}

/* One file's type 11 strings into S; the error names the file. */
static int
smbios_load_file(const struct pv_platform *plat, struct smbios_state *s,
    const char *path)
{
	unsigned char *buf;
	size_t len, bad;
	int error;

	if ((error = smbios_read_file(plat, path, &buf, &len)) != 0)
		return (error);
	error = smbios_oem_add(&s->oem, buf, len, &bad);
	free(buf);
	return (error);
}

/*
 * The entries directory (dmi-sysfs) gives each type 11 structure its own
 * file, 11-0, 11-1, ... in the firmware's order; without it, the table.
 */
static int
smbios_load(const struct pv_platform *plat, struct smbios_state *s)
{
	struct dirent **names;
	size_t i, n = 0;
	int error = 0, found = 0, listed;

	listed = pv_scandir(plat, SMBIOS_ENTRIES, &names, &n) == 0;
	for (i = 0; i < n; i++) {
		if (error == 0 && strncmp(names[i]->d_name, "11-", 3) == 0) {
			snprintf(s->path, sizeof(s->path), "%s/%s/raw",
			    SMBIOS_ENTRIES, names[i]->d_name);
			error = smbios_load_file(plat, s, s->path);
			found = 1;
		}
		free(names[i]);
	}
	if (listed)
		free(names);
	if (found) {
		/* Several files: name their directory unless one failed. */
		if (error == 0)
			strlcpy(s->path, SMBIOS_ENTRIES, sizeof(s->path));
		return (error);
	}
	strlcpy(s->path, SMBIOS_TABLE, sizeof(s->path));
	return (smbios_load_file(plat, s, SMBIOS_TABLE));
}

int
pv_smbios_probe(struct pv_unit *unit)
{
	struct smbios_state *s;
	int error;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (ENOMEM);
	error = smbios_load(unit->plat, s);
	if (error == ENOENT) {
		/* No firmware tables: nothing to offer, nothing to say. */
		smbios_oem_free(&s->oem);
		free(s);
		return (ENOENT);
	}
	/*
	 * A table that cannot be read or does not parse still claims its
	 * keys, so that they fail with why rather than reach the store.
	 */
	s->error = error;
	unit->smbios_state = s;
	if (error != 0)
		pv_attr_string(unit, "smbios", "%s: %s", s->path,
		    error == EIO ? "malformed table" : strerror(error));
	else
		pv_attr_string(unit, "smbios", "%s, %zu OEM strings", s->path,
		    s->oem.n);
	return (error);
}

int
pv_smbios_key(const char *key)
{
	size_t len = sizeof(SMBIOS_PREFIX) - 1;

	return (strncmp(key, SMBIOS_PREFIX, len) == 0 &&
	    (key[len] == '\0' || key[len] == '/'));
}

static int
smbios_copy(const char *str, char *value, size_t valuelen)
{
	if (strlcpy(value, str, valuelen) >= valuelen) {
		value[0] = '\0';
		return (ERANGE);
	}
	return (0);
}

static int
smbios_list(const struct smbios_state *s, char *value, size_t valuelen)
{
	struct pv_listing l;
	char num[24];
	size_t i;
	int error, n;

	if ((error = pv_listing_init(&l, value, valuelen)) != 0)
		return (error);
	for (i = 0; i < s->oem.n; i++) {
		n = snprintf(num, sizeof(num), "%zu", i + 1);
		if ((error = pv_listing_add(&l, num, n)) != 0)
			return (error);
	}
	return (0);
}

/* "N" with no sign, no leading zero: a number from 1; else 0. */
static size_t
smbios_index(const char *name)
{
	size_t n = 0;

	if (name[0] < '1' || name[0] > '9' || strlen(name) > 9)
		return (0);
	for (; *name != '\0'; name++) {
		if (*name < '0' || *name > '9')
			return (0);
		n = n * 10 + (*name - '0');
	}
	return (n);
}

static int
smbios_kvop(struct pv_unit *unit, enum pvbus_kvop op, const char *key,
    char *value, size_t valuelen)
{
	const struct smbios_state *s = unit->smbios_state;
	const char *name, *str;
	size_t i;

	if (s == NULL)
		return (ENXIO);
	if (!pv_smbios_key(key))
		return (ENOENT);
	if (op == PVBUS_KVWRITE)
		return (EROFS);
	if (s->error != 0)
		return (s->error == ENOMEM ? ENOMEM :
		    s->error == EACCES ? EACCES : EIO);
	name = key + sizeof(SMBIOS_PREFIX) - 1;
	if (*name == '/')
		name++;
	if (*name == '\0')
		return (smbios_list(s, value, valuelen));
	if ((i = smbios_index(name)) != 0) {
		if (i > s->oem.n)
			return (ENOENT);
		return (smbios_copy(s->oem.strings[i - 1], value, valuelen));
	}
	if ((str = smbios_oem_lookup(&s->oem, name)) == NULL)
		return (ENOENT);
	return (smbios_copy(str, value, valuelen));
}

/* As the unit's only store: the probe has read the strings already. */
static int
smbios_attach(struct pv_unit *unit)
{
	const struct smbios_state *s = unit->smbios_state;

	strlcpy(unit->store_path, SMBIOS_TABLE, sizeof(unit->store_path));
	if (s == NULL)
		return (ENOENT);
	strlcpy(unit->store_path, s->path, sizeof(unit->store_path));
	if (s->error != 0)
		return (s->error);
	unit->store_access = PVBUS_STORE_RO;
	return (0);
}

void
pv_smbios_detach(struct pv_unit *unit)
{
	struct smbios_state *s = unit->smbios_state;

	if (s == NULL)
		return;
	smbios_oem_free(&s->oem);
	free(s);
	unit->smbios_state = NULL;
}

const struct pv_store_ops pv_store_smbios = {
	.name = "smbios",
	.attach = smbios_attach,
	.kvop = smbios_kvop,
	.detach = pv_smbios_detach,
};
