/*
 * CPUID dumps: the text `cpuid -r` prints, read instead of the instruction
 * (the platform loads the file).
 * The parser is strict, since a dump that is taken wrong identifies the
 * wrong machine without a word: every line is a leaf, a comment, blank or a
 * CPU header, each number fits its 32-bit register, and nothing else passes.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pv.h"

#define PV_DUMP_MAXLINE	255

static int
dump_bad(char *why, size_t whylen, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int
dump_bad(char *why, size_t whylen, size_t line, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (whylen == 0)
		return (EINVAL);
	if (line > 0)
		n = snprintf(why, whylen, "line %zu: ", line);
	if (n >= 0 && (size_t)n < whylen) {
		va_start(ap, fmt);
		vsnprintf(why + n, whylen - n, fmt, ap);
		va_end(ap);
	}
	return (EINVAL);
}

static const char *
skip_blanks(const char *p)
{
	return (p + strspn(p, " \t"));
}

/* How much of the number at P a message quotes. */
static int
quote_len(const char *p)
{
	size_t n = strcspn(p, " \t:");

	return (n > 24 ? 24 : (int)n);
}

/*
 * "0x" and up to 32 bits of hex digits at *P; *P moves past them.  Leading
 * zeros are fine; a sign, a wider value or no digits are not (strtoul and
 * sscanf take "0x-1" and wrap "0x140000000" without a word).
 */
static int
dump_hex(const char **pp, uint32_t *val, char *why, size_t whylen,
    size_t line)
{
	const char *p = *pp, *start = p;
	uint64_t v = 0;
	int digits = 0, d;

	if (*p == '+' || *p == '-')
		return (dump_bad(why, whylen, line, "a sign before a number"));
	if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X'))
		return (dump_bad(why, whylen, line, "a number without 0x"));
	p += 2;
	if (*p == '+' || *p == '-')
		return (dump_bad(why, whylen, line, "a sign in %.*s",
		    quote_len(start), start));
	for (;; p++, digits++) {
		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			break;
		v = v << 4 | (uint64_t)d;
		if (v > UINT32_MAX)
			return (dump_bad(why, whylen, line,
			    "%.*s is wider than 32 bits",
			    quote_len(start), start));
	}
	if (digits == 0)
		return (dump_bad(why, whylen, line, "a number without digits"));
	*val = (uint32_t)v;
	*pp = p;
	return (0);
}

/* "0xLEAF 0xSUB: eax=0x.. ebx=0x.. ecx=0x.. edx=0x.." */
static int
dump_leaf(const char *p, struct pv_cpuid_leaf *l, char *why, size_t whylen,
    size_t line)
{
	static const char *const regs[] = { "eax=", "ebx=", "ecx=", "edx=" };
	size_t i;
	int error;

	if ((error = dump_hex(&p, &l->leaf, why, whylen, line)) != 0)
		return (error);
	p = skip_blanks(p);
	if ((error = dump_hex(&p, &l->subleaf, why, whylen, line)) != 0)
		return (error);
	if (*p++ != ':')
		return (dump_bad(why, whylen, line,
		    "no colon after the subleaf"));
	for (i = 0; i < nitems(regs); i++) {
		p = skip_blanks(p);
		if (strncmp(p, regs[i], 4) != 0)
			return (dump_bad(why, whylen, line, "no %.3s", regs[i]));
		p += 4;
		if ((error = dump_hex(&p, &l->regs[i], why, whylen,
		    line)) != 0)
			return (error);
	}
	if (*skip_blanks(p) != '\0')
		return (dump_bad(why, whylen, line, "text after edx"));
	return (0);
}

int
pv_cpuid_dump_parse(const char *text, size_t len,
    struct pv_cpuid_leaf **leavesp, size_t *nleavesp, char *why,
    size_t whylen)
{
	struct pv_cpuid_leaf *leaves = NULL, *l;
	const char *line, *end = text + len, *nl, *nul;
	char buf[PV_DUMP_MAXLINE + 1], *p;
	size_t n = 0, cap = 0, lineno = 0, ll, k;
	int cpus = 0, error;

	if (whylen > 0)
		why[0] = '\0';
	/* A NUL would end the text early wherever it stands: none at all. */
	if ((nul = memchr(text, '\0', len)) != NULL) {
		for (line = text, lineno = 1; line < nul; line++)
			lineno += *line == '\n';
		return (dump_bad(why, whylen, lineno, "a NUL byte"));
	}
	for (line = text; line < end; line = nl + 1) {
		lineno++;
		if ((nl = memchr(line, '\n', end - line)) == NULL)
			nl = end;
		ll = nl - line;
		for (k = 0; k < ll && (line[k] == ' ' || line[k] == '\t'); k++)
			;
		if (k < ll && line[k] == '#')
			continue;
		if (ll > PV_DUMP_MAXLINE) {
			error = dump_bad(why, whylen, lineno,
			    "longer than %d bytes", PV_DUMP_MAXLINE);
			goto fail;
		}
		memcpy(buf, line, ll);
		buf[ll] = '\0';
		p = buf + strspn(buf, " \t\r");
		p[strcspn(p, "\r")] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		if (strncmp(p, "CPU ", 4) == 0 || strncmp(p, "CPU:", 4) == 0) {
			/* Only the first CPU counts. */
			if (++cpus > 1)
				break;
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			l = reallocarray(leaves, cap, sizeof(*leaves));
			if (l == NULL) {
				error = ENOMEM;
				goto fail;
			}
			leaves = l;
		}
		if ((error = dump_leaf(p, &leaves[n], why, whylen,
		    lineno)) != 0)
			goto fail;
		n++;
	}
	if (n == 0) {
		error = dump_bad(why, whylen, 0, "no CPUID leaves");
		goto fail;
	}
	*leavesp = leaves;
	*nleavesp = n;
	return (0);
 fail:
	free(leaves);
	return (error);
}
