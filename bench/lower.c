/* lower.c: the lower bound for `run /bin/true` with runc's default config
 * (the bench's bundle): only what the kernel must do, no parsing, no state,
 * no checks, no error paths beyond "die".
 *
 *   lower CG2DIR ROOTFS
 *
 * bench/burst.sh varies the work (environment; unset = all of it):
 *   LOWER_DROP   namespaces not to make, any of "net ipc uts pid"
 *   LOWER_NOCG=1 no cgroup: no mkdir/rmdir, no CLONE_INTO_CGROUP, and
 *                /sys/fs/cgroup left as sysfs has it
 *
 * Parent: mkdir a cgroup under CG2DIR, one clone3 with the config's
 * namespaces (mount, uts, ipc, pid, network) straight into that cgroup
 * (CLONE_INTO_CGROUP, as husk does), wait, rmdir the cgroup.
 * Child: the config's mounts (rootfs bind, /proc, /dev tmpfs, devpts,
 * /dev/shm, mqueue, sysfs ro, a read-only bind of the container's cgroup at
 * /sys/fs/cgroup), the
 * default devices and /dev links, hostname, pivot_root and detach the old
 * root, masked and read-only paths, read-only root, RLIMIT_NOFILE, drop the
 * bounding set, capset + ambient, no_new_privs, exec /bin/true.
 * Not done (nor by husk): the devices cgroup rule (linux.resources.devices). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

static char cg[4096];
static uint64_t clone_flags;

static void die(const char *what)
{
	dprintf(2, "lower: %s: %s\n", what, strerror(errno));
	_exit(1);
}

static void mnt(const char *src, const char *dst, const char *type, unsigned long fl, const char *data)
{
	if (mount(src, dst, type, fl, data) < 0)
		die(dst);
}

static void child(const char *rootfs)
{
	static const char *masked_dirs[] = {"proc/acpi", "proc/asound", "proc/scsi", "sys/firmware"};
	static const char *masked_files[] = {"proc/kcore", "proc/keys", "proc/latency_stats", "proc/timer_list",
					     "proc/timer_stats", "proc/sched_debug"};
	static const char *ro_paths[] = {"proc/bus", "proc/fs", "proc/irq", "proc/sys", "proc/sysrq-trigger"};
	static const struct {
		const char *name;
		unsigned maj, min;
	} devs[] = {{"dev/null", 1, 3}, {"dev/zero", 1, 5}, {"dev/full", 1, 7},
		    {"dev/random", 1, 8}, {"dev/urandom", 1, 9}, {"dev/tty", 5, 0}};
	const unsigned long ns = MS_NOSUID, nne = MS_NOSUID | MS_NODEV | MS_NOEXEC;

	if ((clone_flags & CLONE_NEWUTS) && sethostname("runc", 4) < 0)
		die("sethostname");
	mnt(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	mnt(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
	if (chdir(rootfs) < 0)
		die("chdir");
	mnt("proc", "proc", "proc", nne, NULL);
	mnt("tmpfs", "dev", "tmpfs", ns | MS_STRICTATIME, "mode=755,size=65536k");
	mkdir("dev/pts", 0755);
	mnt("devpts", "dev/pts", "devpts", ns | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mkdir("dev/shm", 0755);
	mnt("shm", "dev/shm", "tmpfs", nne, "mode=1777,size=65536k");
	mkdir("dev/mqueue", 0755);
	mnt("mqueue", "dev/mqueue", "mqueue", nne, NULL);
	mnt("sysfs", "sys", "sysfs", nne | MS_RDONLY, NULL);
	/* the container's own cgroup, read-only (a fresh cgroup2 mount costs
	 * ~8 ms here: it waits for the cgroup root's set-up) */
	if (cg[0]) {
		mnt(cg, "sys/fs/cgroup", NULL, MS_BIND, NULL);
		mnt(NULL, "sys/fs/cgroup", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | nne, NULL);
	}
	umask(0);
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		if (mknod(devs[i].name, S_IFCHR | 0666, makedev(devs[i].maj, devs[i].min)) < 0)
			die(devs[i].name);
	umask(022);
	symlink("/proc/self/fd", "dev/fd");
	symlink("/proc/self/fd/0", "dev/stdin");
	symlink("/proc/self/fd/1", "dev/stdout");
	symlink("/proc/self/fd/2", "dev/stderr");
	symlink("pts/ptmx", "dev/ptmx");
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("umount old root");
	if (chdir("/") < 0)
		die("chdir /");
	/* relative paths below: cwd is the new root */
	for (size_t i = 0; i < sizeof(masked_dirs) / sizeof(masked_dirs[0]); i++)
		if (mount("tmpfs", masked_dirs[i], "tmpfs", MS_RDONLY, NULL) < 0 && errno != ENOENT)
			die(masked_dirs[i]);
	for (size_t i = 0; i < sizeof(masked_files) / sizeof(masked_files[0]); i++)
		if (mount("/dev/null", masked_files[i], NULL, MS_BIND, NULL) < 0 && errno != ENOENT)
			die(masked_files[i]);
	for (size_t i = 0; i < sizeof(ro_paths) / sizeof(ro_paths[0]); i++) {
		if (mount(ro_paths[i], ro_paths[i], NULL, MS_BIND | MS_REC, NULL) < 0) {
			if (errno == ENOENT)
				continue;
			die(ro_paths[i]);
		}
		mnt(NULL, ro_paths[i], NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | nne, NULL);
	}
	mnt(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	struct rlimit rl = {1024, 1024};
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		die("setrlimit");
	const uint32_t keep =
		(1u << CAP_AUDIT_WRITE) | (1u << CAP_KILL) | (1u << CAP_NET_BIND_SERVICE);
	for (int c = 0; c <= CAP_LAST_CAP; c++)
		if (c >= 32 || !(keep & (1u << c)))
			if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
				die("capbset drop");
	struct __user_cap_header_struct h = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct d[2] = {{keep, keep, keep}, {0, 0, 0}};
	if (syscall(SYS_capset, &h, d) < 0)
		die("capset");
	for (int c = 0; c < 32; c++)
		if (keep & (1u << c))
			if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
				die("ambient");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs");
	char *argv[] = {"/bin/true", NULL};
	char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm", NULL};
	execve(argv[0], argv, envp);
	die("execve");
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		dprintf(2, "usage: lower CG2DIR ROOTFS\n");
		return 2;
	}
	const char *drop = getenv("LOWER_DROP"), *nocg = getenv("LOWER_NOCG");
	struct clone_args ca;
	memset(&ca, 0, sizeof(ca));
	ca.flags = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET;
	if (drop) {
		static const struct {
			const char *name;
			unsigned long flag;
		} ns[] = {{"net", CLONE_NEWNET}, {"ipc", CLONE_NEWIPC}, {"uts", CLONE_NEWUTS}, {"pid", CLONE_NEWPID}};
		for (size_t i = 0; i < sizeof(ns) / sizeof(ns[0]); i++)
			if (strstr(drop, ns[i].name))
				ca.flags &= ~(uint64_t)ns[i].flag;
	}
	if (!nocg || strcmp(nocg, "1")) {
		snprintf(cg, sizeof(cg), "%s/lower-%d", argv[1], (int)getpid());
		if (mkdir(cg, 0755) < 0)
			die(cg);
		int cgfd = open(cg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (cgfd < 0)
			die(cg);
		ca.flags |= CLONE_INTO_CGROUP;
		ca.cgroup = (uint64_t)cgfd;
	}
	ca.exit_signal = SIGCHLD;
	clone_flags = ca.flags;
	long pid = syscall(SYS_clone3, &ca, sizeof(ca));
	if (pid < 0)
		die("clone3");
	if (pid == 0)
		child(argv[2]);
	int st;
	if (waitpid((pid_t)pid, &st, 0) < 0)
		die("waitpid");
	if (cg[0] && rmdir(cg) < 0)
		die("rmdir cgroup");
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}
