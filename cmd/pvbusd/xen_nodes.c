/*
 * The Xen agent's sets of XenStore nodes (xen_agent.h): what it means to
 * publish, what the store holds of it.  A set is sorted by path once it is
 * complete and looked up by bisection, so that a guest with many addresses
 * costs a round n log n.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/string.h>

#include "xen_agent.h"

int
xa_set_add(struct xa_set *s, const char *path, const char *fmt, ...)
{
	struct xa_node *v;
	va_list ap;
	int n;

	if (s->n == s->cap) {
		if ((v = reallocarray(s->v, s->cap ? s->cap * 2 : 32,
		    sizeof(*v))) == NULL)
			return (ENOMEM);
		s->v = v;
		s->cap = s->cap ? s->cap * 2 : 32;
	}
	if (strlcpy(s->v[s->n].path, path, XA_PATHLEN) >= XA_PATHLEN)
		return (ENAMETOOLONG);
	va_start(ap, fmt);
	n = vsnprintf(s->v[s->n].value, XA_VALUELEN, fmt, ap);
	va_end(ap);
	if (n < 0)
		return (EINVAL);
	/* A value past XA_VALUELEN is cut, as a name too long to show. */
	s->n++;
	return (0);
}

static int
node_cmp(const void *a, const void *b)
{
	const struct xa_node *x = a, *y = b;

	return (strcmp(x->path, y->path));
}

void
xa_set_sort(struct xa_set *s)
{
	if (s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), node_cmp);
}

struct xa_node *
xa_set_find(const struct xa_set *s, const char *path)
{
	struct xa_node key;

	if (s->n == 0 || strlcpy(key.path, path, sizeof(key.path)) >=
	    sizeof(key.path))
		return (NULL);
	return (bsearch(&key, s->v, s->n, sizeof(*s->v), node_cmp));
}

void
xa_set_clear(struct xa_set *s)
{
	s->n = 0;
}

void
xa_set_free(struct xa_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}
