/*
 * The evidence behind identification: each fact read and each decision
 * taken goes, as one line, to the callback the caller gave in
 * pvbus_options.  Nothing is kept or printed when there is none.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ident.h"

int
pv_ident_init(struct pvbus *bus, const struct pvbus_options *opts)
{
	if ((bus->ident = calloc(1, sizeof(*bus->ident))) == NULL)
		return (ENOMEM);
	if (opts != NULL) {
		bus->ident->evidence = opts->evidence;
		bus->ident->evidence_ctx = opts->evidence_ctx;
	}
	return (0);
}

void
pv_ident_free(struct pvbus *bus)
{
	free(bus->ident);
	bus->ident = NULL;
}

void
pv_evidence(const struct pvbus *bus, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (bus->ident == NULL || bus->ident->evidence == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	bus->ident->evidence(bus->ident->evidence_ctx, line);
}

void
pv_sig_text(const char *sig, char *buf, size_t len)
{
	size_t i, n = 0, end = PV_SIGLEN;
	unsigned char c;

	/* Trailing NULs are padding; others are shown. */
	while (end > 0 && sig[end - 1] == '\0')
		end--;
	for (i = 0; i < end && n + 5 < len; i++) {
		c = (unsigned char)sig[i];
		if (c == '\0')
			n += snprintf(buf + n, len - n, "\\0");
		else if (c < 32 || c > 126 || c == '"' || c == '\\')
			n += snprintf(buf + n, len - n, "\\x%02x", c);
		else
			buf[n++] = c;
	}
	buf[n] = '\0';
}

void
pv_cpu_vendor(const struct pv_platform *plat, char buf[13])
{
	uint32_t r[4];

	pv_cpuid(plat, 0, 0, r);
	/* EBX, EDX, ECX: "GenuineIntel", "AuthenticAMD". */
	memcpy(buf, &r[1], 4);
	memcpy(buf + 4, &r[3], 4);
	memcpy(buf + 8, &r[2], 4);
	buf[12] = '\0';
}
