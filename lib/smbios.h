/*
 * SMBIOS structures (DMTF DSP0134) as the firmware leaves them: a header of
 * type, length and handle, the formatted area the length covers, then a
 * string set, each string with its NUL and one NUL more at the end (two NULs
 * when there is no string).  Linux gives them one a file in
 * /sys/firmware/dmi/entries/T-N/raw and the whole table in
 * /sys/firmware/dmi/tables/DMI.  Nothing here trusts the bytes: every
 * length is checked against what was read.
 */
#ifndef PV_SMBIOS_H
#define PV_SMBIOS_H

#include <stddef.h>
#include <stdint.h>

#define SMBIOS_HDR_LEN		4
#define SMBIOS_TYPE_OEM		11	/* OEM strings: count, then strings */
#define SMBIOS_TYPE_END		127	/* end of the table */
#define SMBIOS_OEM_LEN		5	/* formatted area of type 11 */

struct smbios_struct {
	uint8_t		 type;
	uint8_t		 length;	/* the formatted area, header included */
	uint16_t	 handle;
	const uint8_t	*formatted;	/* length bytes */
	const char	*strings;	/* the strings and their NULs */
	size_t		 strings_len;	/* 0 for an empty set */
	size_t		 size;		/* the whole structure */
};

/*
 * The structure at the start of BUF.  0, or EIO when it does not fit LEN:
 * a header or formatted area cut short, a length below the header's, or a
 * string set without its closing NUL.
 */
int	smbios_struct_parse(const void *buf, size_t len,
	    struct smbios_struct *s);

/* The OEM strings of every type 11 structure, numbered from 1 in order. */
struct smbios_oem {
	char		**strings;
	size_t		  n;
};

/*
 * Append to OEM the strings of the type 11 structures in BUF: one structure
 * (an entries/11-N/raw file) or a whole table, read up to the end-of-table
 * structure or the end of BUF.  0; EIO for a structure that does not parse,
 * a type 11 whose formatted area is short or whose count names more strings
 * than its set holds (the offset of the bad structure in *BADOFF); ENOMEM.
 * OEM keeps what it had on error.
 */
int	smbios_oem_add(struct smbios_oem *oem, const void *buf, size_t len,
	    size_t *badoff);
void	smbios_oem_free(struct smbios_oem *oem);

/*
 * The value of the first string "NAME=VALUE" whose NAME is NAME (a pointer
 * into OEM's string), or NULL.
 */
const char *smbios_oem_lookup(const struct smbios_oem *oem, const char *name);

#endif /* PV_SMBIOS_H */
