/*
 * The container a program runs in, from the evidence systemd-detect-virt
 * --container uses (systemd src/basic/virt.c, detect_container), in its
 * order, read under the root prefix:
 *
 *   /proc/vz without /proc/bc                       openvz
 *   /proc/sys/kernel/osrelease with "Microsoft"/"WSL" wsl
 *   a tracer (TracerPid of /proc/self/status) whose comm starts "proot"
 *   /run/host/container-manager                     the manager's name
 *   /run/systemd/container                          the manager's name
 *   $container of PID 1 (/proc/1/environ)           the manager's name
 *   /run/.containerenv, /.dockerenv                 podman, docker
 *   a cgroup namespace                              container-other
 *
 * systemd reads $container from its own environment when it is PID 1; the
 * library reads PID 1's environment from /proc in every case, so that a
 * saved tree answers as the live machine would.  systemd tells cgroup v2 by
 * the file system type of /sys/fs/cgroup; the library by its
 * cgroup.controllers, which only cgroup v2 has.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ident.h"

/* PID 1's environment is read up to this size (Linux: ARG_MAX region). */
#define PV_ENVIRON_MAX	(128 * 1024)

/* systemd's container names (virt.c container_table). */
static const char *const container_names[] = {
	"lxc", "lxc-libvirt", "systemd-nspawn", "docker", "podman", "rkt",
	"wsl", "proot", "pouch",
};

static int
exists(struct pvbus *bus, const char *path)
{
	return (pv_access(&bus->plat, path, F_OK) == 0);
}

static void
verdict(struct pvbus *bus, const char *name, const char *why)
{
	bus->ident->container = name;
	pv_evidence(bus, "container = %s: %s", name, why);
}

/* The well-known files; NULL when neither is there. */
static const char *
container_files(struct pvbus *bus)
{
	if (exists(bus, "/run/.containerenv"))
		return ("podman");
	/* Last: the file may have been copied into an image by accident. */
	if (exists(bus, "/.dockerenv"))
		return ("docker");
	return (NULL);
}

/* A manager's name as a container manager wrote it. */
static void
translate(struct pvbus *bus, const char *name, const char *source)
{
	char why[160];
	const char *f;
	size_t i;

	pv_evidence(bus, "container: %s: \"%s\"", source, name);
	if (strcmp(name, "oci") == 0) {
		/* Images hard-code "oci", which names no manager. */
		f = container_files(bus);
		snprintf(why, sizeof(why), "%s says \"oci\"%s", source,
		    f ? f[0] == 'p' ? ", /run/.containerenv exists" :
		    ", /.dockerenv exists" : ", no manager's file");
		verdict(bus, f ? f : "container-other", why);
		return;
	}
	snprintf(why, sizeof(why), "%s", source);
	for (i = 0; i < nitems(container_names); i++)
		if (strcmp(name, container_names[i]) == 0) {
			verdict(bus, container_names[i], why);
			return;
		}
	verdict(bus, "container-other", why);
}

/* One line of a file (the first), or an errno. */
static int
first_line(struct pvbus *bus, const char *path, char *buf, size_t len)
{
	int error;

	if ((error = pv_read_text(&bus->plat, path, buf, len)) != 0)
		return (error);
	buf[strcspn(buf, "\n")] = '\0';
	return (0);
}

/* proot traces the programs it runs, without a PID namespace. */
static int
proot(struct pvbus *bus)
{
	char status[4096], path[64], comm[64], *p;
	unsigned long pid;
	size_t got;

	if (pv_read_at(&bus->plat, "/proc/self/status", 0, status,
	    sizeof(status) - 1, &got) != 0)
		return (0);
	status[got] = '\0';
	if ((p = strstr(status, "\nTracerPid:")) == NULL)
		return (0);
	pid = strtoul(p + 11, NULL, 10);
	if (pid == 0)
		return (0);
	snprintf(path, sizeof(path), "/proc/%lu/comm", pid);
	if (first_line(bus, path, comm, sizeof(comm)) != 0)
		return (0);
	pv_evidence(bus, "container: /proc/self/status: TracerPid %lu, "
	    "comm \"%s\"", pid, comm);
	return (strncmp(comm, "proot", 5) == 0);
}

/* $container of PID 1: 1 and the value, 0 when unset, -1 unreadable. */
static int
pid1_env(struct pvbus *bus, char *val, size_t len)
{
	char *env;
	size_t got, off;
	int error, found = 0;

	if ((env = malloc(PV_ENVIRON_MAX + 1)) == NULL)
		return (-1);
	error = pv_read_at(&bus->plat, "/proc/1/environ", 0, env,
	    PV_ENVIRON_MAX, &got);
	if (error != 0) {
		pv_evidence(bus, "container: /proc/1/environ: %s",
		    strerror(error));
		free(env);
		return (-1);
	}
	env[got] = '\0';
	for (off = 0; off < got; off += strlen(env + off) + 1)
		if (strncmp(env + off, "container=", 10) == 0) {
			strlcpy(val, env + off + 10, len);
			found = 1;
			break;
		}
	free(env);
	return (found);
}

/* systemd's running_in_cgroupns(). */
static int
cgroupns(struct pvbus *bus)
{
	if (!exists(bus, "/proc/self/ns/cgroup"))
		return (0);
	if (exists(bus, "/sys/fs/cgroup/cgroup.controllers")) {
		/* Only nested cgroups have cgroup.events, only they a type. */
		if (!exists(bus, "/sys/fs/cgroup/cgroup.events"))
			return (0);
		if (exists(bus, "/sys/fs/cgroup/cgroup.type"))
			return (1);
		return (!exists(bus, "/sys/kernel/cgroup/features"));
	}
	/* cgroup v1: release_agent only in the root cgroup. */
	if (!exists(bus, "/sys/fs/cgroup/systemd"))
		return (0);
	return (!exists(bus, "/sys/fs/cgroup/systemd/release_agent"));
}

void
pv_container_detect(struct pvbus *bus)
{
	char buf[256];
	const char *f;
	int r;

	bus->ident->container_done = 1;
	if (exists(bus, "/proc/vz") && !exists(bus, "/proc/bc")) {
		verdict(bus, "openvz", "/proc/vz without /proc/bc");
		return;
	}
	if (first_line(bus, "/proc/sys/kernel/osrelease", buf,
	    sizeof(buf)) == 0 && (strstr(buf, "Microsoft") != NULL ||
	    strstr(buf, "WSL") != NULL)) {
		pv_evidence(bus, "container: /proc/sys/kernel/osrelease: "
		    "\"%s\"", buf);
		verdict(bus, "wsl", "the kernel release names WSL");
		return;
	}
	if (proot(bus)) {
		verdict(bus, "proot", "traced by proot");
		return;
	}
	if (first_line(bus, "/run/host/container-manager", buf,
	    sizeof(buf)) == 0 && buf[0] != '\0') {
		translate(bus, buf, "/run/host/container-manager");
		return;
	}
	if (first_line(bus, "/run/systemd/container", buf,
	    sizeof(buf)) == 0 && buf[0] != '\0') {
		translate(bus, buf, "/run/systemd/container");
		return;
	}
	if ((r = pid1_env(bus, buf, sizeof(buf))) == 1) {
		if (buf[0] == '\0') {
			verdict(bus, "none", "PID 1 has container= empty");
			return;
		}
		translate(bus, buf, "$container of PID 1");
		return;
	}
	if ((f = container_files(bus)) != NULL) {
		verdict(bus, f, f[0] == 'p' ? "/run/.containerenv exists" :
		    "/.dockerenv exists");
		return;
	}
	if (cgroupns(bus)) {
		verdict(bus, "container-other", "in a cgroup namespace");
		return;
	}
	verdict(bus, "none", "no container manager's evidence");
}
