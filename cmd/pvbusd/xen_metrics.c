/*
 * The guest metrics of the Xen agent, as xe-guest-utilities collects them
 * (guestmetric/guestmetric_linux.go, mk/xe-linux-distribution):
 *
 *   data/os_distro, os_majorver, os_minorver, os_name, os_uname
 *	what xe-linux-distribution finds, in its order: the LSB release
 *	file, /etc/debian_version, os-release(5);
 *   data/meminfo_total, data/meminfo_free
 *	/proc/meminfo's MemTotal and MemAvailable (MemFree on kernels
 *	without it), in kB as the file gives them;
 *   attr/PVAddons/Installed, MajorVersion, MinorVersion, MicroVersion,
 *	BuildVersion
 *	the version of the tools installed: pvbusd's;
 *   attr/vif/N/ipv4/M, attr/vif/N/ipv6/M
 *	the addresses of the interface whose device is the frontend
 *	device/vif/N, numbered from 0 in each family.
 *
 * Every file is read under the platform's root, so that a fixture tree
 * stands in for the machine's.
 */
#include <sys/socket.h>
#include <sys/utsname.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "pvbusd.h"
#include "machine.h"
#include "xen_agent.h"

#ifndef PVBUSD_VERSION
#define PVBUSD_VERSION	"0.0.0"
#endif

/* What xa_collect() logged once, bits of *logged. */
enum {
	LOGGED_OS = 1u << 0,
	LOGGED_MEM = 1u << 1,
	LOGGED_NET = 1u << 2,
};

/*
 * VAR's value in a file of shell assignments (os-release(5), lsb-release)
 * into BUF, its quotes taken off as the shell does for the simple values
 * these files hold; 0, or ENOENT when the file or the variable is missing.
 */
static int
shell_var(const struct pv_platform *plat, const char *file, const char *var,
    char *buf, size_t len)
{
	char text[4096], *line, *next, *v;
	size_t n, vlen = strlen(var);
	char q;

	if (pv_read_text(plat, file, text, sizeof(text)) != 0)
		return (ENOENT);
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		while (*line == ' ' || *line == '\t')
			line++;
		if (strncmp(line, var, vlen) != 0 || line[vlen] != '=')
			continue;
		v = line + vlen + 1;
		n = 0;
		for (q = 0; *v != '\0' && n + 1 < len; v++) {
			if (q == 0 && (*v == '"' || *v == '\'')) {
				q = *v;
				continue;
			}
			if (q != 0 && *v == q) {
				q = 0;
				continue;
			}
			if (q == 0 && (*v == ' ' || *v == '\t' || *v == '#'))
				break;
			/* In double quotes a backslash keeps the next byte. */
			if (q == '"' && *v == '\\' && v[1] != '\0')
				v++;
			buf[n++] = *v;
		}
		buf[n] = '\0';
		return (0);
	}
	return (ENOENT);
}

struct os {
	char	distro[64];
	char	major[64];
	char	minor[64];
	char	name[XA_VALUELEN];
};

/* Leading digits of S into OUT ("" when there are none). */
static const char *
digits(const char *s, char *out, size_t len)
{
	size_t n = 0;

	while (isdigit((unsigned char)*s) && n + 1 < len)
		out[n++] = *s++;
	out[n] = '\0';
	return (s);
}

/*
 * The LSB release file, as xe-linux-distribution reads it when
 * lsb_release(1) is not there to ask: the distributor's id, lowercased as
 * lsb_release's answer is, and the release split at its first dot, where a
 * release without a dot is its own minor version too (the script's awk
 * takes the text after index() 0).
 */
static int
os_lsb(const struct pv_platform *plat, struct os *os)
{
	const char *f = "/etc/lsb-release";
	char release[64], *dot;
	size_t i;

	if (shell_var(plat, f, "DISTRIB_ID", os->distro,
	    sizeof(os->distro)) != 0 ||
	    shell_var(plat, f, "DISTRIB_RELEASE", release,
	    sizeof(release)) != 0 || os->distro[0] == '\0' ||
	    release[0] == '\0')
		return (ENOENT);
	if (shell_var(plat, f, "DISTRIB_DESCRIPTION", os->name,
	    sizeof(os->name)) != 0)
		os->name[0] = '\0';
	for (i = 0; os->distro[i] != '\0'; i++)
		os->distro[i] = (char)tolower((unsigned char)os->distro[i]);
	dot = strchr(release, '.');
	snprintf(os->minor, sizeof(os->minor), "%s",
	    dot != NULL ? dot + 1 : release);
	if (dot != NULL)
		*dot = '\0';
	snprintf(os->major, sizeof(os->major), "%s", release);
	return (0);
}

/*
 * /etc/debian_version: "12.5" is 12 and 5; a testing or unstable system's
 * "trixie/sid" has neither, and anything else is not Debian's.
 */
static int
os_debian(const struct pv_platform *plat, struct os *os)
{
	char line[128];
	const char *p;

	if (pv_read_text(plat, "/etc/debian_version", line,
	    sizeof(line)) != 0)
		return (ENOENT);
	line[strcspn(line, "\n")] = '\0';
	p = digits(line, os->major, sizeof(os->major));
	if (*p == '.')
		digits(p + 1, os->minor, sizeof(os->minor));
	else {
		os->major[0] = os->minor[0] = '\0';
		if (strstr(line, "/sid") == NULL)
			return (ENOENT);
	}
	snprintf(os->distro, sizeof(os->distro), "debian");
	snprintf(os->name, sizeof(os->name), "Debian %s", line);
	return (0);
}

/* os-release(5): ID, VERSION_ID's numbers ("unknown" without), PRETTY_NAME. */
static int
os_release(const struct pv_platform *plat, struct os *os)
{
	static const char *const files[] = { "/etc/os-release",
	    "/usr/lib/os-release" };
	char version[64];
	const char *p;
	size_t i;

	for (i = 0; i < nitems(files); i++)
		if (pv_access(plat, files[i], R_OK) == 0)
			break;
	if (i == nitems(files))
		return (ENOENT);
	if (shell_var(plat, files[i], "ID", os->distro,
	    sizeof(os->distro)) != 0)
		os->distro[0] = '\0';
	if (shell_var(plat, files[i], "PRETTY_NAME", os->name,
	    sizeof(os->name)) != 0)
		os->name[0] = '\0';
	if (shell_var(plat, files[i], "VERSION_ID", version,
	    sizeof(version)) != 0)
		version[0] = '\0';
	p = digits(version, os->major, sizeof(os->major));
	digits(*p == '.' ? p + 1 : p, os->minor, sizeof(os->minor));
	if (os->major[0] == '\0')
		snprintf(os->major, sizeof(os->major), "unknown");
	if (os->minor[0] == '\0')
		snprintf(os->minor, sizeof(os->minor), "unknown");
	return (0);
}

static int
collect_os(const struct pv_platform *plat, struct xa_set *want)
{
	struct utsname u;
	struct os os;
	int error = 0;

	memset(&os, 0, sizeof(os));
	if (os_lsb(plat, &os) != 0 && os_debian(plat, &os) != 0 &&
	    os_release(plat, &os) != 0)
		return (ENOENT);
	if (uname(&u) == -1)
		return (errno);
	if ((error = xa_set_add(want, "data/os_distro", "%s", os.distro)) ||
	    (error = xa_set_add(want, "data/os_majorver", "%s", os.major)) ||
	    (error = xa_set_add(want, "data/os_minorver", "%s", os.minor)) ||
	    (error = xa_set_add(want, "data/os_name", "%s", os.name)) ||
	    (error = xa_set_add(want, "data/os_uname", "%s", u.release)))
		return (error);
	return (0);
}

/* MemTotal and MemAvailable (or MemFree) of /proc/meminfo, in kB. */
static int
collect_memory(const struct pv_platform *plat, struct xa_set *want)
{
	char text[8192], total[32] = "", avail[32] = "", free_[32] = "";
	char *line, *next, *v;
	int error;

	if ((error = pv_read_text(plat, "/proc/meminfo", text,
	    sizeof(text))) != 0 && error != ERANGE)
		return (error);
	for (line = text; line != NULL; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if ((v = strchr(line, ':')) == NULL)
			continue;
		*v++ = '\0';
		while (*v == ' ')
			v++;
		if (strcmp(line, "MemTotal") == 0)
			digits(v, total, sizeof(total));
		else if (strcmp(line, "MemAvailable") == 0)
			digits(v, avail, sizeof(avail));
		else if (strcmp(line, "MemFree") == 0)
			digits(v, free_, sizeof(free_));
	}
	if (total[0] == '\0' || (avail[0] == '\0' && free_[0] == '\0'))
		return (EINVAL);
	if ((error = xa_set_add(want, "data/meminfo_total", "%s", total)) ||
	    (error = xa_set_add(want, "data/meminfo_free", "%s",
	    avail[0] != '\0' ? avail : free_)))
		return (error);
	return (0);
}

/*
 * The tools' version: pvbusd's release, major.minor.micro, and build 0.
 * xe-daemon writes Installed first among them, the host's sign that tools
 * are in the guest at all.
 */
static int
collect_addons(struct xa_set *want)
{
	unsigned int v[3] = { 0, 0, 0 };
	int error;

	(void)sscanf(PVBUSD_VERSION, "%u.%u.%u", &v[0], &v[1], &v[2]);
	if ((error = xa_set_add(want, "attr/PVAddons/Installed", "1")) ||
	    (error = xa_set_add(want, "attr/PVAddons/MajorVersion", "%u",
	    v[0])) ||
	    (error = xa_set_add(want, "attr/PVAddons/MinorVersion", "%u",
	    v[1])) ||
	    (error = xa_set_add(want, "attr/PVAddons/MicroVersion", "%u",
	    v[2])) ||
	    (error = xa_set_add(want, "attr/PVAddons/BuildVersion", "0")))
		return (error);
	return (0);
}

int
xa_vif_devid(const struct pv_platform *plat, const char *ifname,
    unsigned long *devid)
{
	char path[PATH_MAX], buf[128], *end;
	const char *num;

	/*
	 * The frontend's nodename ("device/vif/0") is what xe-guest-utilities
	 * reads; the device's own name (vif-0) says the same where a kernel
	 * has no nodename file.
	 */
	snprintf(path, sizeof(path), "/sys/class/net/%s/device/nodename",
	    ifname);
	if (pv_read_text(plat, path, buf, sizeof(buf)) == 0 &&
	    strncmp(buf, "device/vif/", 11) == 0)
		num = buf + 11;
	else {
		snprintf(path, sizeof(path), "/sys/class/net/%s/device",
		    ifname);
		if (pv_readlink_base(plat, path, buf, sizeof(buf)) != 0 ||
		    strncmp(buf, "vif-", 4) != 0)
			return (ENOENT);
		num = buf + 4;
	}
	if (!isdigit((unsigned char)*num))
		return (ENOENT);
	errno = 0;
	*devid = strtoul(num, &end, 10);
	if (errno != 0 || *end != '\0')
		return (ENOENT);
	return (0);
}

static int
collect_vifs(const struct pv_platform *plat, const char *const *exclude,
    struct xa_set *want, size_t *dropped)
{
	const struct m_iface *it;
	struct machine si;
	unsigned long devid;
	char path[XA_PATHLEN], text[INET6_ADDRSTRLEN];
	size_t i, j, n[2];
	int error, fam;

	if ((error = machine_collect(&si, exclude)) != 0)
		return (error);
	for (i = 0; i < si.nifaces && error == 0; i++) {
		it = &si.ifaces[i];
		if (xa_vif_devid(plat, it->name, &devid) != 0)
			continue;
		n[0] = n[1] = 0;
		for (j = 0; j < it->naddrs && error == 0; j++) {
			fam = it->addrs[j].family == AF_INET6;
			if (n[fam] == XA_MAXADDRS) {
				(*dropped)++;
				continue;
			}
			if (inet_ntop(it->addrs[j].family, it->addrs[j].addr,
			    text, sizeof(text)) == NULL)
				continue;
			snprintf(path, sizeof(path), "attr/vif/%lu/ipv%c/%zu",
			    devid, fam ? '6' : '4', n[fam]++);
			error = xa_set_add(want, path, "%s", text);
		}
		*dropped += it->dropped;
	}
	*dropped += si.dropped;
	machine_free(&si);
	return (error);
}

/* Log WHAT's failure once, until it works again. */
static void
once(unsigned int *logged, unsigned int bit, int error, const char *what)
{
	if (error != 0 && !(*logged & bit)) {
		logit(LOG_WARNING, "%s: %s: not published", what,
		    strerror(error));
		*logged |= bit;
	} else if (error == 0)
		*logged &= ~bit;
}

int
xa_collect(const struct pv_platform *plat, const char *const *exclude,
    struct xa_set *want, size_t *dropped, unsigned int *logged)
{
	int error;

	xa_set_clear(want);
	*dropped = 0;
	if ((error = collect_addons(want)) != 0)
		return (error);
	error = collect_os(plat, want);
	if (error == ENOMEM)
		return (error);
	once(logged, LOGGED_OS, error, "the distribution (lsb-release, "
	    "debian_version, os-release)");
	error = collect_memory(plat, want);
	if (error == ENOMEM)
		return (error);
	once(logged, LOGGED_MEM, error, "/proc/meminfo");
	error = collect_vifs(plat, exclude, want, dropped);
	if (error == ENOMEM)
		return (error);
	once(logged, LOGGED_NET, error, "the network interfaces");
	xa_set_sort(want);
	return (0);
}
