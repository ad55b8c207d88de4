/*
 * The node tree: lookup, copies for transactions, permissions and the sizes
 * quotas are counted in.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bsd/string.h>

#include "xssim.h"

struct xss_node *
xss_node_new(struct xss_node *parent, const char *name)
{
	struct xss_node *n, **c;

	if ((n = calloc(1, sizeof(*n))) == NULL)
		return (NULL);
	if ((n->name = strdup(name)) == NULL)
		goto fail;
	if (parent != NULL) {
		c = reallocarray(parent->children, parent->nchildren + 1,
		    sizeof(*c));
		if (c == NULL)
			goto fail;
		parent->children = c;
		c[parent->nchildren++] = n;
		n->parent = parent;
	}
	return (n);
 fail:
	free(n->name);
	free(n);
	return (NULL);
}

void
xss_node_free(struct xss_node *n)
{
	size_t i;

	if (n == NULL)
		return;
	for (i = 0; i < n->nchildren; i++)
		xss_node_free(n->children[i]);
	free(n->children);
	free(n->name);
	free(n->value);
	free(n->perms);
	free(n);
}

void
xss_node_unlink(struct xss_node *n)
{
	struct xss_node *p = n->parent;
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < p->nchildren; i++)
		if (p->children[i] == n)
			break;
	if (i < p->nchildren) {
		memmove(&p->children[i], &p->children[i + 1],
		    (p->nchildren - i - 1) * sizeof(p->children[0]));
		p->nchildren--;
	}
	n->parent = NULL;
}

struct xss_node *
xss_tree_copy(const struct xss_node *src, struct xss_node *parent)
{
	struct xss_node *n;
	size_t i;

	if ((n = xss_node_new(parent, src->name)) == NULL)
		return (NULL);
	n->gen = src->gen;
	if (xss_set_value(n, src->value, src->vlen) != 0)
		goto fail;
	if ((n->perms = calloc(src->nperms, sizeof(*n->perms))) == NULL)
		goto fail;
	memcpy(n->perms, src->perms, src->nperms * sizeof(*n->perms));
	n->nperms = src->nperms;
	for (i = 0; i < src->nchildren; i++)
		if (xss_tree_copy(src->children[i], n) == NULL)
			goto fail;
	return (n);
 fail:
	xss_node_unlink(n);
	xss_node_free(n);
	return (NULL);
}

struct xss_node *
xss_child(const struct xss_node *n, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < n->nchildren; i++)
		if (strlen(n->children[i]->name) == len &&
		    memcmp(n->children[i]->name, name, len) == 0)
			return (n->children[i]);
	return (NULL);
}

/* PATH is canonical: "/" or "/a/b". */
struct xss_node *
xss_lookup(struct xss_node *root, const char *path)
{
	struct xss_node *n = root;
	const char *p = path + 1, *e;

	while (n != NULL && *p != '\0') {
		e = strchrnul(p, '/');
		n = xss_child(n, p, e - p);
		p = *e == '/' ? e + 1 : e;
	}
	return (n);
}

size_t
xss_childlen(const struct xss_node *n)
{
	size_t i, len = 0;

	for (i = 0; i < n->nchildren; i++)
		len += strlen(n->children[i]->name) + 1;
	return (len);
}

/*
 * The size xenstored stores a node in: a 24-byte record header, 8 bytes a
 * permission, the value and the children's names; the entry-size quota is
 * counted on it.
 */
size_t
xss_node_size(const struct xss_node *n)
{
	return (24 + 8 * n->nperms + n->vlen + xss_childlen(n));
}

unsigned int
xss_owned(const struct xss_node *n, uint32_t domid)
{
	unsigned int count;
	size_t i;

	count = n->nperms > 0 && n->perms[0].id == domid;
	for (i = 0; i < n->nchildren; i++)
		count += xss_owned(n->children[i], domid);
	return (count);
}

static unsigned int
xss_mode_bits(char mode)
{
	switch (mode) {
	case 'r':
		return (XSS_PERM_READ);
	case 'w':
		return (XSS_PERM_WRITE);
	case 'b':
		return (XSS_PERM_READ | XSS_PERM_WRITE);
	default:
		return (0);
	}
}

/* As xenstored's perm_for_conn: dom0 and owners get all. */
unsigned int
xss_perm_for(const struct xss *s, const struct xss_perm *p, size_t n)
{
	size_t i;

	if (s->domid == 0 || (n > 0 && p[0].id == s->domid))
		return (XSS_PERM_READ | XSS_PERM_WRITE | XSS_PERM_OWNER);
	for (i = 1; i < n; i++)
		if (p[i].id == s->domid)
			return (xss_mode_bits(p[i].mode));
	return (n > 0 ? xss_mode_bits(p[0].mode) : 0);
}

/* NUL-terminated "r5" strings, LEN bytes in all; 0 or EINVAL/ENOMEM. */
int
xss_perms_parse(const char *strings, size_t len, struct xss_perm **pp,
    size_t *np)
{
	struct xss_perm *p = NULL, *q;
	const char *s = strings;
	size_t n = 0;
	unsigned long id;
	char *end;

	while (s < strings + len) {
		size_t l = strnlen(s, strings + len - s);

		if (s + l == strings + len || l < 2 ||
		    strchr("nrwb", s[0]) == NULL || s[1] < '0' || s[1] > '9')
			goto inval;
		errno = 0;
		id = strtoul(s + 1, &end, 10);
		if (errno != 0 || *end != '\0' || id > 0xffff)
			goto inval;
		if ((q = reallocarray(p, n + 1, sizeof(*p))) == NULL) {
			free(p);
			return (ENOMEM);
		}
		p = q;
		p[n].id = id;
		p[n].mode = s[0];
		n++;
		s += l + 1;
	}
	if (n == 0)
		goto inval;
	*pp = p;
	*np = n;
	return (0);
 inval:
	free(p);
	return (EINVAL);
}

int
xss_set_value(struct xss_node *n, const char *data, size_t len)
{
	char *v;

	if ((v = malloc(len + 1)) == NULL)
		return (ENOMEM);
	if (len > 0)
		memcpy(v, data, len);
	v[len] = '\0';
	free(n->value);
	n->value = v;
	n->vlen = len;
	return (0);
}
