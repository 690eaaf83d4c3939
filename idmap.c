/* idmap.c: idmapped mounts (mounts[].uidMappings/gidMappings, and the
 * idmap/ridmap options; runtime-spec 1.2, config.md).
 *
 * What the config means, as runc 1.2 and crun read it: a mount's mappings
 * are written as they are ("containerID hostID size", the format of
 * linux.uidMappings) into the uid_map of a user namespace made for the
 * mount, and mount_setattr(MOUNT_ATTR_IDMAP) gives the mount that
 * namespace's idmapping. So an id containerID on the source filesystem
 * shows as hostID (a host id: in the container's user namespace, whatever
 * hostID maps to there), and a file the container creates as hostID is
 * stored as containerID. Mappings on a bind mount imply "idmap"; "idmap"
 * or "ridmap" without mappings take the container's own user namespace.
 * "ridmap" idmaps every mount of an rbind's tree, "idmap" the top one only.
 *
 * Who does what, and why there. The kernel lets a mount be idmapped only
 * while it is detached (an open_tree clone not yet attached), and only by
 * a process with CAP_SYS_ADMIN over the filesystem's user namespace (the
 * host's, for a host directory) and over the mapping's user namespace.
 * The init has neither once it is in the container's user namespace, which
 * it is from its birth (clone3 makes it there) or from its first steps
 * (it joins one by path): so it clones the source itself, in its own mount
 * namespace and at the mount's turn in mounts[], exactly as for any bind,
 * and sends the detached tree over the sync channel to husk's parent
 * process, which still runs on the host with full privileges. The parent
 * makes the mapping's user namespace, attaches it (idmap_attach), and
 * answers; the init then sets the mount's flags and attaches it
 * (safe_attach). The namespace comes from a helper process cloned into a
 * new user namespace, whose uid_map and gid_map the parent writes through
 * the verified procfs handle; once its namespace is open the helper is
 * ended and reaped, so nothing outlives the call but the mount's own
 * reference to the namespace. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "compat.h"
#include "husk.h"
#include "safepath.h"

bool idmap_supported(void)
{
	/* anything but ENOSYS means the kernel has it: EBADF, or success
	 * (Linux 6.x returns early when the attributes ask for nothing) */
	struct husk_mount_attr attr = {0};
	return sys_mount_setattr(-1, "", 0, &attr) == 0 || errno != ENOSYS;
}

/* Before anything is created: what the host must offer the config's
 * idmapped mounts (spec_check_supported checked their shape). */
int idmap_check_host(const struct spec *s, struct husk_err *e)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		if (!spec_mount_idmap(&s->mounts[i]))
			continue;
		if (geteuid() != 0)
			return err_set(e, 0, "config.json: mounts[%zu]: idmapped mounts need husk to "
					     "run as root (as runc: rootless, it could not map the ids)", i);
		if (!idmap_supported())
			return err_set(e, 0, "config.json: mounts[%zu]: idmapped mounts need "
					     "mount_setattr (Linux 5.12), which this kernel lacks", i);
	}
	return 0;
}

/* ---- in the init -------------------------------------------------------------- */

int idmap_clone(const struct mount_entry *m, size_t i, bool rec, int sync, struct husk_err *e)
{
	unsigned flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rec ? AT_RECURSIVE : 0);
	AUTO_FD tree = sys_open_tree(AT_FDCWD, m->source, flags);
	if (tree < 0)
		return err_sys(e, "config.json: mounts[%zu]: mount %s on %s: open_tree", i, m->source,
			       m->destination);
	if (container_ask_idmap(sync, i, tree, e) < 0)
		return -1;
	return take_fd(&tree);
}

/* ---- in husk's parent process ----------------------------------------------------- */

int idmap_lines(const struct id_maps *m, char *buf, size_t len)
{
	size_t n = 0;
	for (size_t i = 0; i < m->n && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%u %u %u\n", m->v[i].container_id,
				      m->v[i].host_id, m->v[i].size);
	return n < len ? (int)n : -1;
}

static int write_map(int proc, pid_t pid, const char *file, const struct id_maps *m,
		     struct husk_err *e)
{
	char buf[4096], path[64];
	int n = idmap_lines(m, buf, sizeof(buf));
	if (n < 0)
		return err_set(e, E2BIG, "%s: too many mappings", file);
	snprintf(path, sizeof(path), "%d/%s", (int)pid, file);
	return procfs_write(proc, path, buf, (size_t)n, e);
}

/* The helper: born in a new user namespace, it waits for EOF on the pipe
 * (our end closes when we are done, or when husk dies) and exits. */
static pid_t userns_helper(int *wait_w)
{
	int p[2];
	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
	if (pid == 0) {
		char b;
		close(p[1]);
		_exit(read(p[0], &b, 1) < 0);
	}
	close(p[0]);
	if (pid < 0)
		close(p[1]);
	else
		*wait_w = p[1];
	return pid;
}

/* A user namespace with m's mappings, as an fd; the helper that made it is
 * gone when this returns, whatever happened. */
static int mapped_userns(int proc, const struct mount_entry *m, struct husk_err *e)
{
	int wait_w = -1;
	pid_t pid = userns_helper(&wait_w);
	if (pid < 0)
		return err_sys(e, "clone a user namespace for the mapping");
	int fd = -1;
	if (write_map(proc, pid, "uid_map", &m->uid_mappings, e) == 0 &&
	    write_map(proc, pid, "gid_map", &m->gid_mappings, e) == 0)
		fd = procfs_open_ns(proc, pid, "user", e);
	close(wait_w);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	return fd;
}

/* The filesystem type of the detached tree's top mount, from the host's
 * mountinfo (its source is mounted there with the same device). */
static void fs_type(int tree, char *out, size_t len)
{
	struct stat st;
	struct husk_err e2;
	size_t n;
	snprintf(out, len, "a filesystem");
	if (fstat(tree, &st) < 0)
		return;
	AUTO_FREE char *text = read_file_at(AT_FDCWD, "/proc/self/mountinfo", 16 << 20, &n, &e2);
	char dev[32], want[32], *save;
	snprintf(want, sizeof(want), "%u:%u", major(st.st_dev), minor(st.st_dev));
	for (char *l = text ? strtok_r(text, "\n", &save) : NULL; l; l = strtok_r(NULL, "\n", &save)) {
		const char *dash = strstr(l, " - ");
		if (field(l, 2, dev, sizeof(dev)) == 0 && !strcmp(dev, want) && dash &&
		    field(dash + 3, 0, out, len) == 0)
			return;
	}
}

/* mount_setattr refused the idmap: say why in the config's terms. */
static int attach_error(const struct mount_entry *m, size_t i, int tree, bool rec,
			struct husk_err *e)
{
	int err = errno;
	char type[64];
	if (err == ENOSYS)
		return err_set(e, 0, "config.json: mounts[%zu]: idmapped mounts need mount_setattr "
				     "(Linux 5.12), which this kernel lacks", i);
	if (err != EINVAL)
		return err_set(e, err, "config.json: mounts[%zu]: mount_setattr MOUNT_ATTR_IDMAP on %s",
			       i, m->source);
	fs_type(tree, type, sizeof(type));
	return err_set(e, err, "config.json: mounts[%zu]: %s is on %s%s, which this kernel cannot "
			       "idmap%s", i, m->source, type, rec ? " (or has a mount below it that is)" : "",
		       !strcmp(type, "tmpfs") ? " (tmpfs can be idmapped from Linux 6.3)" : "");
}

int idmap_attach(const struct spec *s, size_t i, pid_t init, int tree, struct husk_err *e)
{
	if (i >= s->n_mounts || !spec_mount_idmap(&s->mounts[i]))
		return err_set(e, EINVAL, "the init asked to idmap mounts[%zu], which is not idmapped", i);
	const struct mount_entry *m = &s->mounts[i];
	bool rec = spec_mount_idmap(m) == 2;
	AUTO_FD proc = procfs_open_root(e);
	if (proc < 0)
		return -1;
	/* no mappings of its own: the container's user namespace, the init's */
	AUTO_FD ns = m->uid_mappings.n ? mapped_userns(proc, m, e)
				       : procfs_open_ns(proc, init, "user", e);
	if (ns < 0)
		return err_wrap(e, "config.json: mounts[%zu]: ", i);
	struct husk_mount_attr a = {.attr_set = HUSK_MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns};
	if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a) < 0)
		return attach_error(m, i, tree, rec, e);
	log_debug("mounts[%zu]: %s idmapped%s (%s)", i, m->source, rec ? " recursively" : "",
		  m->uid_mappings.n ? "its own mappings" : "the container's user namespace");
	return 0;
}
