/* sysctl.c: which linux.sysctl keys a container may set.
 *
 * A sysctl is written below /proc/sys, and most of /proc/sys is global to
 * the kernel: "kernel.printk_ratelimit" set for a container is set for the
 * host. Only the keys a namespace of the container's own scopes are
 * accepted, with runc's rules and words (libcontainer/configs/validate,
 * sysctl()): the SysV IPC and POSIX mqueue knobs with an IPC namespace,
 * net.* with a network namespace, kernel.hostname/domainname with a UTS
 * namespace. "Own" means new, or joined by path and not husk's own (the
 * host's, in practice): joining the host's namespace by path is the host.
 * A key must also name a file below /proc/sys and nothing else: no empty
 * component, no '/', no "..". Checked at create, before anything exists. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "husk.h"

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Scoped by the IPC namespace (ipc/namespace.c, ipc/ipc_sysctl.c). */
static const char *const ipc_keys[] = {
	"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem",
	"kernel.shmall", "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
};

/* The key names one file below /proc/sys: dot-separated components, none
 * empty, no '/' (the key's dots become the path's slashes, so a '/' or an
 * empty component would change what is written), no control character. */
static int check_shape(const char *key, struct husk_err *e)
{
	if (!*key)
		return err_set(e, 0, "sysctl \"\": empty name");
	for (const char *p = key; *p; p++) {
		if (*p == '/')
			return err_set(e, 0, "sysctl \"%s\": '/' in the name (components are "
					     "separated by '.')", key);
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return err_set(e, 0, "sysctl \"%s\": space or control character in the name",
				       key);
	}
	if (strstr(key, "..") || *key == '.' || key[strlen(key) - 1] == '.')
		return err_set(e, 0, "sysctl \"%s\": empty component in the name", key);
	return 0;
}

static bool is_ipc_key(const char *key)
{
	if (!strncmp(key, "fs.mqueue.", 10))
		return true;
	for (size_t i = 0; i < LEN(ipc_keys); i++)
		if (!strcmp(key, ipc_keys[i]))
			return true;
	return false;
}

int sysctl_check_key(const char *key, unsigned own, struct husk_err *e)
{
	if (check_shape(key, e) < 0)
		return -1;
	if (is_ipc_key(key)) {
		if (own & SYSCTL_OWN_IPC)
			return 0;
		return err_set(e, 0, "sysctl \"%s\" is not allowed in the host's ipc namespace", key);
	}
	if (!strncmp(key, "net.", 4)) {
		if (own & SYSCTL_OWN_NET)
			return 0;
		return err_set(e, 0, "sysctl \"%s\" not allowed in host network namespace", key);
	}
	if ((own & SYSCTL_OWN_UTS) &&
	    (!strcmp(key, "kernel.hostname") || !strcmp(key, "kernel.domainname")))
		return 0;
	return err_set(e, 0, "sysctl \"%s\" is not in a separate kernel namespace", key);
}

/* 1 when the spec gives the container a namespace of this type of its own:
 * a new one, or one joined by a path that is not husk's own namespace. */
int sysctl_own_ns(const struct spec *s, int type, const char *name, struct husk_err *e)
{
	for (size_t i = 0; i < s->linux.n_namespaces; i++) {
		const struct ns_entry *ns = &s->linux.namespaces[i];
		if (ns->type != type)
			continue;
		if (!ns->path)
			return 1;
		char self[64];
		snprintf(self, sizeof(self), "/proc/self/ns/%s", name);
		struct stat a, b;
		if (stat(ns->path, &a) < 0)
			return err_sys(e, "linux.namespaces[%zu]: %s namespace %s", i, name, ns->path);
		if (stat(self, &b) < 0)
			return err_sys(e, "stat %s", self);
		return a.st_dev != b.st_dev || a.st_ino != b.st_ino;
	}
	return 0;
}

int sysctl_check(const struct spec *s, struct husk_err *e)
{
	if (!s->linux.sysctl.n)
		return 0;
	static const struct {
		int type;
		const char *name;
		unsigned bit;
	} kinds[] = {
		{CLONE_NEWIPC, "ipc", SYSCTL_OWN_IPC},
		{CLONE_NEWNET, "net", SYSCTL_OWN_NET},
		{CLONE_NEWUTS, "uts", SYSCTL_OWN_UTS},
	};
	unsigned own = 0;
	for (size_t k = 0; k < LEN(kinds); k++) {
		int r = sysctl_own_ns(s, kinds[k].type, kinds[k].name, e);
		if (r < 0)
			return err_wrap(e, "config.json: ");
		if (r)
			own |= kinds[k].bit;
	}
	for (size_t i = 0; i < s->linux.sysctl.n; i++)
		if (sysctl_check_key(s->linux.sysctl.v[i].key, own, e) < 0)
			return err_wrap(e, "config.json: linux.sysctl: ");
	return 0;
}
