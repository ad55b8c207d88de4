/*
 * hostctl -w: the timeout and the report of a change; the wait itself is
 * the library's pvbus_watch(), in process (pvbusd's device has no request
 * for it).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bsd/stdlib.h>
#include <bsd/vis.h>
#include <err.h>

#include "pvbus.h"
#include "hostctl.h"

int
watch_timeout(const char *arg)
{
	const char *errstr;
	long long s;

	/* Seconds, whole; the library counts milliseconds in an int. */
	s = strtonum(arg, 0, INT_MAX / 1000, &errstr);
	if (errstr != NULL)
		errx(1, "-W %s: %s", arg, errstr);
	return ((int)s * 1000);
}

int
watch_report(FILE *outfp, const char *key, const char *value, int error,
    int json, int quiet)
{
	char *str;

	if (json) {
		fputs("{\"key\": ", outfp);
		json_string(outfp, key);
		if (error == ENOENT)
			fputs(", \"removed\": true}\n", outfp);
		else {
			fputs(", \"value\": ", outfp);
			json_string(outfp, value);
			fputs("}\n", outfp);
		}
	} else if (error == 0 && !quiet && value[0] != '\0') {
		if (stravis(&str, value, VIS_SAFE | VIS_CSTYLE) == -1)
			err(1, "stravis");
		fprintf(outfp, "%s\n", str);
		free(str);
	}
	if (error == ENOENT) {
		warnx("%s: removed", key);
		return (1);
	}
	return (0);
}
