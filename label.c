/* label.c: SELinux labels, process.selinuxLabel and linux.mountLabel.
 *
 * husk links no libselinux: a label is a string the kernel checks. Where
 * SELinux is enabled (selinuxfs mounted), the process label is written to
 * the process's attr/exec just before its execve, through the verified
 * procfs handle, and the mount label becomes a context= option of the
 * filesystems the container mounts fresh (tmpfs, devpts, shm...; not binds,
 * proc, sysfs, cgroups or mqueue, as runc). Where it is not (most boards),
 * both are ignored with a warning at create, as crun does: configs from
 * podman and the conformance suite carry them whatever the host. */
#include <string.h>
#include <sys/statfs.h>
#include <sys/vfs.h>

#include "husk.h"
#include "safepath.h"

#define SELINUX_MAGIC 0xf97cff8c

bool selinux_enabled(void)
{
	struct statfs sf;
	return statfs("/sys/fs/selinux", &sf) == 0 && (unsigned long)sf.f_type == SELINUX_MAGIC;
}

static bool set(const char *s)
{
	return s && *s;
}

void label_warn_ignored(const struct spec *s)
{
	if (selinux_enabled())
		return;
	if (set(s->process.selinux_label))
		log_warn("config.json: process.selinuxLabel: SELinux is not enabled on this host: ignored");
	if (set(s->linux.mount_label))
		log_warn("config.json: linux.mountLabel: SELinux is not enabled on this host: ignored");
}

int label_process(int proc, const char *label, struct husk_err *e)
{
	if (!set(label) || !selinux_enabled())
		return 0;
	if (procfs_write(proc, "thread-self/attr/exec", label, strlen(label), e) < 0)
		return err_wrap(e, "process.selinuxLabel %s: ", label);
	return 0;
}

const char *label_mount(const struct spec *s, const char *type)
{
	static const char *const unlabelled[] = {"proc", "sysfs", "cgroup", "cgroup2", "mqueue", NULL};
	if (!set(s->linux.mount_label) || !type || !selinux_enabled())
		return NULL;
	for (size_t i = 0; unlabelled[i]; i++)
		if (!strcmp(type, unlabelled[i]))
			return NULL;
	return s->linux.mount_label;
}
