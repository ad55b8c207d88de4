/*
 * SMBIOS structures and the OEM strings of type 11.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "smbios.h"

int
smbios_struct_parse(const void *buf, size_t len, struct smbios_struct *s)
{
	const uint8_t *p = buf;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (len < SMBIOS_HDR_LEN)
		return (EIO);
	s->type = p[0];
	s->length = p[1];
	s->handle = (uint16_t)(p[2] | p[3] << 8);
	if (s->length < SMBIOS_HDR_LEN || s->length > len)
		return (EIO);
	s->formatted = p;
	/* The set ends at the first two NULs in a row after the area. */
	for (i = s->length; i + 1 < len; i++)
		if (p[i] == '\0' && p[i + 1] == '\0')
			break;
	if (i + 1 >= len)
		return (EIO);
	s->strings = (const char *)p + s->length;
	s->strings_len = i == s->length ? 0 : i + 1 - s->length;
	s->size = i + 2;
	return (0);
}

static int
smbios_oem_push(struct smbios_oem *oem, const char *str, size_t *added)
{
	char **v;

	v = reallocarray(oem->strings, oem->n + *added + 1, sizeof(*v));
	if (v == NULL)
		return (ENOMEM);
	oem->strings = v;
	if ((v[oem->n + *added] = strdup(str)) == NULL)
		return (ENOMEM);
	(*added)++;
	return (0);
}

/* The COUNT strings of one type 11 structure, all or none. */
static int
smbios_oem_struct(struct smbios_oem *oem, const struct smbios_struct *s)
{
	const char *str = s->strings, *end = s->strings + s->strings_len;
	size_t count, added = 0, i;
	int error = 0;

	if (s->length < SMBIOS_OEM_LEN)
		return (EIO);
	count = s->formatted[SMBIOS_HDR_LEN];
	for (i = 0; i < count && error == 0; i++) {
		if (str >= end) {
			error = EIO;
			break;
		}
		error = smbios_oem_push(oem, str, &added);
		str += strlen(str) + 1;
	}
	if (error != 0) {
		while (added > 0)
			free(oem->strings[oem->n + --added]);
		return (error);
	}
	oem->n += added;
	return (0);
}

int
smbios_oem_add(struct smbios_oem *oem, const void *buf, size_t len,
    size_t *badoff)
{
	const uint8_t *p = buf;
	struct smbios_struct s;
	size_t off = 0, n0 = oem->n;
	int error = 0;

	*badoff = 0;
	while (off < len) {
		if ((error = smbios_struct_parse(p + off, len - off, &s)) != 0)
			break;
		if (s.type == SMBIOS_TYPE_OEM &&
		    (error = smbios_oem_struct(oem, &s)) != 0)
			break;
		if (s.type == SMBIOS_TYPE_END)
			return (0);
		off += s.size;
	}
	if (error == 0)
		return (0);
	*badoff = off;
	while (oem->n > n0)
		free(oem->strings[--oem->n]);
	return (error);
}

void
smbios_oem_free(struct smbios_oem *oem)
{
	size_t i;

	for (i = 0; i < oem->n; i++)
		free(oem->strings[i]);
	free(oem->strings);
	oem->strings = NULL;
	oem->n = 0;
}

const char *
smbios_oem_lookup(const struct smbios_oem *oem, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < oem->n; i++)
		if (strncmp(oem->strings[i], name, len) == 0 &&
		    oem->strings[i][len] == '=')
			return (oem->strings[i] + len + 1);
	return (NULL);
}
