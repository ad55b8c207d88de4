/*
 * The tree xssim starts with: what a libxl host gives domain N (one vif,
 * one vbd and one vfb), and dom0's part of it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/string.h>

#include "xssim.h"

/*
 * In each string "{d}" stands for the guest's domain id.  The
 * permissions: the guest's own, read-only for it, and a frontend's (the
 * guest owns it, the backend in dom0 reads it).
 */
#define OWN	"n{d}"
#define RO	"n0 r{d}"
#define FE	"n{d} r0"
#define DOM	"/local/domain/{d}"
#define VM	"/vm/00000000-0000-0000-0000-000000000001"
#define BE	"/local/domain/0/backend"

static const struct seed {
	const char	*path;
	const char	*value;		/* NULL: "" for a new node */
	const char	*perms;		/* NULL: the parent's */
	int		 domu;		/* only when the guest is not dom0 */
} seeds[] = {
	{ "/tool/xenstored",		NULL,		NULL,	0 },
	{ "/local/domain/0",		NULL,		"n0",	0 },
	{ "/local/domain/0/name",	"Domain-0",	NULL,	0 },
	{ "/local/domain/0/domid",	"0",		NULL,	0 },
	{ DOM,				NULL,		OWN,	1 },
	{ DOM "/domid",			"{d}",		RO,	1 },
	{ DOM "/name",			"xssim-guest",	RO,	1 },
	{ DOM "/vm",			VM,		RO,	1 },
	{ DOM "/cpu/0/availability",	"online",	RO,	1 },
	{ DOM "/memory/static-max",	"1048576",	RO,	1 },
	{ DOM "/memory/target",		"1048576",	RO,	1 },
	{ DOM "/store/port",		"1",		RO,	1 },
	{ DOM "/store/ring-ref",	"1",		RO,	1 },
	{ DOM "/console/port",		"2",		RO,	1 },
	{ DOM "/console/ring-ref",	"2",		RO,	1 },
	{ DOM "/control",		NULL,		RO,	1 },
	{ DOM "/control/platform-feature-multiprocessor-suspend", "1", RO, 1 },
	{ DOM "/control/shutdown",	"",		OWN,	1 },
	{ DOM "/data",			"",		OWN,	1 },
	{ DOM "/drivers",		"",		OWN,	1 },
	{ DOM "/feature",		"",		OWN,	1 },
	{ DOM "/attr",			"",		OWN,	1 },
	{ DOM "/error",			"",		OWN,	1 },
	{ DOM "/device",		"",		RO,	1 },
	{ DOM "/device/vif/0",		"",		FE,	1 },
	{ DOM "/device/vif/0/backend-id", "0",		NULL,	1 },
	{ DOM "/device/vif/0/mac",	"00:16:3e:00:00:01", NULL, 1 },
	{ DOM "/device/vif/0/handle",	"0",		NULL,	1 },
	{ DOM "/device/vif/0/state",	"4",		NULL,	1 },
	{ DOM "/device/vbd/51712",	"",		FE,	1 },
	{ DOM "/device/vbd/51712/backend-id", "0",	NULL,	1 },
	{ DOM "/device/vbd/51712/virtual-device", "51712", NULL, 1 },
	{ DOM "/device/vbd/51712/device-type", "disk",	NULL,	1 },
	{ DOM "/device/vbd/51712/state", "4",		NULL,	1 },
	{ DOM "/device/vfb/0",		"",		FE,	1 },
	{ DOM "/device/vfb/0/backend-id", "0",		NULL,	1 },
	{ DOM "/device/vfb/0/state",	"4",		NULL,	1 },
	{ BE "/vif/{d}/0/frontend-id",	"{d}",		NULL,	1 },
	{ DOM "/device/vif/0/backend",	BE "/vif/{d}/0", NULL,	1 },
	{ DOM "/device/vbd/51712/backend", BE "/vbd/{d}/51712", NULL, 1 },
	{ DOM "/device/vfb/0/backend",	BE "/vfb/{d}/0", NULL,	1 },
	{ VM "/name",			"xssim-guest",	RO,	1 },
};

/* TEMPLATE with each "{d}" replaced by DOMID; 0 or ENAMETOOLONG. */
static int
expand(const char *template, uint32_t domid, char *buf, size_t len)
{
	char id[16];
	size_t n = 0, idlen;
	const char *t;

	idlen = snprintf(id, sizeof(id), "%" PRIu32, domid);
	for (t = template; *t != '\0'; t++) {
		if (strncmp(t, "{d}", 3) == 0) {
			if (n + idlen >= len)
				return (ENAMETOOLONG);
			memcpy(buf + n, id, idlen);
			n += idlen;
			t += 2;
		} else {
			if (n + 1 >= len)
				return (ENAMETOOLONG);
			buf[n++] = *t;
		}
	}
	buf[n] = '\0';
	return (0);
}

/* Create PATH (and its parents, with its permissions) at start-up. */
static int
seed(struct xss *s, const char *path, const char *value,
    const char *perms)
{
	char buf[256], *p;
	struct xss_node *n = s->root, *c;
	const char *comp, *e;
	size_t len;
	int error;

	for (comp = path + 1; *comp != '\0'; comp = *e ? e + 1 : e) {
		e = strchrnul(comp, '/');
		if ((c = xss_child(n, comp, e - comp)) == NULL) {
			len = e - comp;
			if (len >= sizeof(buf))
				return (ENAMETOOLONG);
			memcpy(buf, comp, len);
			buf[len] = '\0';
			if ((c = xss_node_new(n, buf)) == NULL)
				return (ENOMEM);
			c->perms = calloc(n->nperms, sizeof(*c->perms));
			if (c->perms == NULL)
				return (ENOMEM);
			memcpy(c->perms, n->perms, n->nperms * sizeof(*c->perms));
			c->nperms = n->nperms;
			if ((error = xss_set_value(c, "", 0)) != 0)
				return (error);
		}
		n = c;
	}
	if (value != NULL && (error = xss_set_value(n, value,
	    strlen(value))) != 0)
		return (error);
	if (perms != NULL) {
		struct xss_perm *pp;
		size_t np;

		/* "n0 r5" -> "n0\0r5\0" */
		if (strlcpy(buf, perms, sizeof(buf)) >= sizeof(buf) - 1)
			return (ENAMETOOLONG);
		len = strlen(buf) + 1;
		for (p = buf; *p != '\0'; p++)
			if (*p == ' ')
				*p = '\0';
		if ((error = xss_perms_parse(buf, len, &pp, &np)) != 0)
			return (error);
		free(n->perms);
		n->perms = pp;
		n->nperms = np;
	}
	n->gen = ++s->gen;
	return (0);
}

int
xss_seed_tree(struct xss *s)
{
	char path[256], value[256], perms[64];
	const struct seed *e;
	size_t i;
	int error;

	if ((s->root = xss_node_new(NULL, "")) == NULL ||
	    xss_set_value(s->root, "", 0) != 0)
		return (ENOMEM);
	if ((s->root->perms = calloc(1, sizeof(*s->root->perms))) == NULL)
		return (ENOMEM);
	s->root->perms[0].mode = 'n';
	s->root->nperms = 1;
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		e = &seeds[i];
		if (e->domu && s->domid == 0)
			continue;
		if ((error = expand(e->path, s->domid, path,
		    sizeof(path))) != 0 ||
		    (e->value != NULL && (error = expand(e->value, s->domid,
		    value, sizeof(value))) != 0) ||
		    (e->perms != NULL && (error = expand(e->perms, s->domid,
		    perms, sizeof(perms))) != 0))
			return (error);
		if ((error = seed(s, path, e->value ? value : NULL,
		    e->perms ? perms : NULL)) != 0)
			return (error);
	}
	return (0);
}
