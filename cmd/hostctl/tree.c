/*
 * hostctl -l: the paravirtual device tree, one line per unit (type, version,
 * capabilities), one per device and one for the store; -j gives JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/vis.h>

#include "hostctl.h"

/*
 * Text the host controls (signatures, versions, capabilities, device names,
 * store paths and errors) for a line of human output: vis-encoded, so that
 * it can neither end the line nor drive the terminal.  Spaces stay.
 */
#define TEXT_VIS	(VIS_CSTYLE | VIS_TAB | VIS_NL)
/* JSON escapes the control characters itself. */
#define JSON_VIS	(VIS_SAFE | VIS_CSTYLE | VIS_DQ)

static const char *const access_names[] = {
	[PVBUS_STORE_NONE] = "none",
	[PVBUS_STORE_RO] = "read-only",
	[PVBUS_STORE_RW] = "read-write",
};

/*
 * Signatures may hold any byte: show them vis-encoded with FLAGS, less
 * trailing NULs.  NULL when out of memory.
 */
static char *
signature_vis(const struct pvbus_unit *u, int flags)
{
	const char *sig = pvbus_unit_signature(u);
	size_t len = 12;
	char *s;

	while (len > 0 && sig[len - 1] == '\0')
		len--;
	if ((s = malloc(len * 4 + 1)) == NULL)
		return (NULL);
	strvisx(s, sig, len, flags);
	return (s);
}

void
json_string(FILE *fp, const char *s)
{
	const unsigned char *p;

	fputc('"', fp);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(fp, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(fp, "\\u%04x", *p);
		else
			fputc(*p, fp);
	}
	fputc('"', fp);
}

static void
text_vis(FILE *fp, const char *s, int flags)
{
	char buf[5];	/* vis(3): four bytes for one and a NUL */

	for (; *s != '\0'; s++) {
		vis(buf, (unsigned char)*s, flags, (unsigned char)s[1]);
		fputs(buf, fp);
	}
}

/* "native", or "emulated" for an interface the native one offers. */
static const char *
native_word(const struct pvbus_unit *u)
{
	if (pvbus_unit_native(u))
		return ("native");
	return (strcmp(pvbus_unit_type(u), "unknown") == 0 ? "not native" :
	    "emulated");
}

static int
text_unit(FILE *fp, const struct pvbus_unit *u, int untrusted)
{
	const struct pvbus_attr *a;
	const struct pvbus_device *d;
	const char *store;
	char *sig;
	size_t i;

	if ((sig = signature_vis(u, TEXT_VIS | VIS_DQ)) == NULL)
		return (ENOMEM);
	fprintf(fp, "%s: %s", pvbus_unit_name(u), pvbus_unit_type(u));
	if (pvbus_unit_version(u)[0] != '\0') {
		fputc(' ', fp);
		text_vis(fp, pvbus_unit_version(u), TEXT_VIS);
	}
	/* Base 0: a unit the firmware and the kernel found, not CPUID. */
	if (pvbus_unit_base(u) != 0)
		fprintf(fp, " at 0x%08x-0x%08x \"%s\"", pvbus_unit_base(u),
		    pvbus_unit_maxleaf(u), sig);
	free(sig);
	for (i = 0; (a = pvbus_unit_attr(u, i)) != NULL; i++) {
		fprintf(fp, ", %s ", a->name);
		switch (a->kind) {
		case PVBUS_ATTR_FLAGS:
			fprintf(fp, "0x%llx<", (unsigned long long)a->raw);
			text_vis(fp, a->value, TEXT_VIS);
			fputc('>', fp);
			break;
		case PVBUS_ATTR_REGS:
			fputc('[', fp);
			text_vis(fp, a->value, TEXT_VIS);
			fputc(']', fp);
			break;
		default:
			text_vis(fp, a->value, TEXT_VIS);
			break;
		}
	}
	fprintf(fp, "; %s, %s%s\n", native_word(u), pvbus_unit_role(u),
	    untrusted ? ", host-controlled" : "");

	for (i = 0; (d = pvbus_unit_device(u, i)) != NULL; i++) {
		fprintf(fp, "%s: device ", pvbus_unit_name(u));
		text_vis(fp, d->name, TEXT_VIS);
		fputc(' ', fp);
		text_vis(fp, d->id, TEXT_VIS);
		fputs(" at ", fp);
		text_vis(fp, d->parent, TEXT_VIS);
		if (d->driver[0] != '\0') {
			fputs(", driver ", fp);
			text_vis(fp, d->driver, TEXT_VIS);
		}
		fputc('\n', fp);
	}

	store = pvbus_unit_store(u);
	fprintf(fp, "%s: store %s, %s", pvbus_unit_name(u),
	    store ? store : "none",
	    access_names[pvbus_unit_store_access(u)]);
	if (pvbus_unit_store_path(u)[0] != '\0') {
		fputs(", ", fp);
		text_vis(fp, pvbus_unit_store_path(u), TEXT_VIS);
	}
	if (pvbus_unit_store_error(u)[0] != '\0') {
		fputs(" (", fp);
		text_vis(fp, pvbus_unit_store_error(u), TEXT_VIS);
		fputc(')', fp);
	}
	if (untrusted && store != NULL)
		fputs(", host-controlled", fp);
	fputc('\n', fp);
	return (0);
}

static void
json_member(FILE *fp, const char *name, const char *value, int comma)
{
	if (comma)
		fputs(", ", fp);
	json_string(fp, name);
	fputs(": ", fp);
	json_string(fp, value);
}

static void
json_bool(FILE *fp, const char *name, int value)
{
	fputs(", ", fp);
	json_string(fp, name);
	fputs(value ? ": true" : ": false", fp);
}

static int
json_attr(FILE *fp, const struct pvbus_attr *a)
{
	char *w, *names, *save = NULL;
	int first = 1;

	json_string(fp, a->name);
	fputs(": ", fp);
	switch (a->kind) {
	case PVBUS_ATTR_NUMBER:
		fprintf(fp, "%llu", (unsigned long long)a->raw);
		break;
	case PVBUS_ATTR_FLAGS:
		fprintf(fp, "{\"raw\": %llu, \"names\": [",
		    (unsigned long long)a->raw);
		if ((names = strdup(a->value)) == NULL)
			return (ENOMEM);
		for (w = strtok_r(names, " ", &save); w != NULL;
		    w = strtok_r(NULL, " ", &save)) {
			if (!first)
				fputs(", ", fp);
			json_string(fp, w);
			first = 0;
		}
		free(names);
		fputs("]}", fp);
		break;
	default:
		json_string(fp, a->value);
		break;
	}
	return (0);
}

static int
json_unit(FILE *fp, const struct pvbus_unit *u, int untrusted)
{
	const struct pvbus_attr *a;
	const struct pvbus_device *d;
	const char *store;
	char num[16], *sig;
	size_t i;

	if ((sig = signature_vis(u, JSON_VIS)) == NULL)
		return (ENOMEM);
	fputs("{", fp);
	json_member(fp, "name", pvbus_unit_name(u), 0);
	json_member(fp, "type", pvbus_unit_type(u), 1);
	json_member(fp, "signature", sig, 1);
	free(sig);
	snprintf(num, sizeof(num), "0x%08x", pvbus_unit_base(u));
	json_member(fp, "base", num, 1);
	snprintf(num, sizeof(num), "0x%08x", pvbus_unit_maxleaf(u));
	json_member(fp, "maxleaf", num, 1);
	json_member(fp, "version", pvbus_unit_version(u), 1);
	json_bool(fp, "native", pvbus_unit_native(u));
	json_member(fp, "role", pvbus_unit_role(u), 1);
	json_bool(fp, "host_controlled", untrusted);

	fputs(", \"capabilities\": {", fp);
	for (i = 0; (a = pvbus_unit_attr(u, i)) != NULL; i++) {
		if (i > 0)
			fputs(", ", fp);
		if (json_attr(fp, a) != 0)
			return (ENOMEM);
	}
	fputs("}, \"devices\": [", fp);
	for (i = 0; (d = pvbus_unit_device(u, i)) != NULL; i++) {
		fputs(i > 0 ? ", {" : "{", fp);
		json_member(fp, "name", d->name, 0);
		json_member(fp, "id", d->id, 1);
		json_member(fp, "parent", d->parent, 1);
		json_member(fp, "driver", d->driver, 1);
		fputs("}", fp);
	}
	fputs("], \"store\": {\"name\": ", fp);
	store = pvbus_unit_store(u);
	if (store != NULL)
		json_string(fp, store);
	else
		fputs("null", fp);
	json_member(fp, "access", access_names[pvbus_unit_store_access(u)], 1);
	json_member(fp, "path", pvbus_unit_store_path(u), 1);
	json_member(fp, "error", pvbus_unit_store_error(u), 1);
	json_bool(fp, "host_controlled", untrusted && store != NULL);
	fputs("}}", fp);
	return (0);
}

int
tree_print(FILE *fp, struct pvbus *bus, int json)
{
	size_t i, n = pvbus_nunits(bus);
	const char *vm = pvbus_vm(bus), *cvm = pvbus_cvm(bus);
	const char *container = pvbus_container(bus);
	int untrusted = pvbus_host_controlled(bus);
	int paravisor = pvbus_cvm_paravisor(bus);
	int error;

	if (json) {
		fputs("{\"vm\": ", fp);
		json_string(fp, vm);
		json_member(fp, "cvm", cvm, 1);
		json_bool(fp, "paravisor", paravisor);
		json_bool(fp, "host_controlled", untrusted);
		json_member(fp, "container", container, 1);
		fputs(", \"units\": [", fp);
		for (i = 0; i < n; i++) {
			if (i > 0)
				fputs(",\n  ", fp);
			if ((error = json_unit(fp, pvbus_unit(bus, i),
			    untrusted)) != 0)
				return (error);
		}
		fputs("]}\n", fp);
		return (0);
	}
	if (n == 0)
		fputs("pvbus: no hypervisor found\n", fp);
	for (i = 0; i < n; i++)
		if ((error = text_unit(fp, pvbus_unit(bus, i),
		    untrusted)) != 0)
			return (error);
	fprintf(fp, "pvbus: vm %s, confidential %s%s, container %s", vm, cvm,
	    paravisor ? " with a paravisor" : "", container);
	if (untrusted)
		fputs("; the host's CPUID leaves, DMI and stores are "
		    "host-controlled", fp);
	fputc('\n', fp);
	return (0);
}
