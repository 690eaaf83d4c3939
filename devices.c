/* devices.c: linux.resources.devices as a cgroup v2 device program.
 *
 * cgroup v2 has no devices.allow file: the kernel asks a
 * BPF_PROG_TYPE_CGROUP_DEVICE program, attached to the cgroup, about every
 * mknod and every open of a device node. husk assembles that program itself
 * (no libbpf, no compiler), loads it with BPF_PROG_LOAD and attaches it with
 * BPF_PROG_ATTACH and BPF_F_ALLOW_MULTI, so programs of the parents (a
 * systemd's, a containerd's) keep applying too: all must allow.
 *
 * Semantics, as runc's (libcontainer/cgroups/devices, devicefilter):
 *  - default deny; the config's rules in order, the last matching one wins;
 *    then runc's default allow-list (specconv.AllowedDevices, plus
 *    /dev/console 5:1 as crun) appended, so it wins over the config's rules,
 *    exactly as runc appends it after them;
 *  - an allow rule matches when every access asked for (r, w, m) is in its
 *    access; a deny rule matches when any of them is.
 * The program tests the rules from the last to the first and returns at the
 * first match: the same as "last match wins".
 * The program stays attached after husk exits (the attachment holds it) and
 * goes away with the cgroup; in a cgroup that existed before create (kept at
 * delete), devices_detach takes it off by its name. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/bpf.h>

#include "husk.h"

/* runc's default allow-list; "m" for every char and block device, so that
 * the init can still mknod linux.devices after the program is attached. */
static const struct device_rule allowed[] = {
	{true, 'c', -1, -1, "m"},   {true, 'b', -1, -1, "m"},    {true, 'c', 1, 3, "rwm"},
	{true, 'c', 1, 8, "rwm"},   {true, 'c', 1, 7, "rwm"},    {true, 'c', 5, 0, "rwm"},
	{true, 'c', 1, 5, "rwm"},   {true, 'c', 1, 9, "rwm"},    {true, 'c', 136, -1, "rwm"},
	{true, 'c', 5, 2, "rwm"},   {true, 'c', 5, 1, "rwm"},    {true, 'c', 10, 200, "rwm"},
};

#define NALLOWED (sizeof(allowed) / sizeof(allowed[0]))
#define MAX_INSNS 4096 /* 8 per rule: about 500 rules */

struct prog {
	struct bpf_insn v[MAX_INSNS];
	int n;
};

static void emit(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	if (p->n < MAX_INSNS)
		p->v[p->n] = (struct bpf_insn){.code = code, .dst_reg = dst, .src_reg = src, .off = off,
					       .imm = imm};
	p->n++;
}

static unsigned access_bits(const char *a)
{
	return (strchr(a, 'm') ? BPF_DEVCG_ACC_MKNOD : 0) | (strchr(a, 'r') ? BPF_DEVCG_ACC_READ : 0) |
	       (strchr(a, 'w') ? BPF_DEVCG_ACC_WRITE : 0);
}

/* Registers: r2 = device type, r3 = access asked, r4 = major, r5 = minor;
 * r1 scratch. Each rule is a block that jumps to the next block on a
 * mismatch and returns its verdict otherwise. Returns true when the rule
 * matches everything: what follows would be unreachable, which the verifier
 * refuses. */
static bool emit_rule(struct prog *p, const struct device_rule *r)
{
	unsigned acc = access_bits(r->access);
	bool partial = acc != 7;
	int len = (r->type != 'a') + (partial ? 3 : 0) + (r->major >= 0) + (r->minor >= 0) + 2;
	int next = p->n + len;
#define OFF() ((int16_t)(next - p->n - 1))
	if (r->type != 'a')
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, OFF(),
		     r->type == 'c' ? BPF_DEVCG_DEV_CHAR : BPF_DEVCG_DEV_BLOCK);
	if (partial) {
		emit(p, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_3, 0, 0);
		emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_1, 0, 0, (int32_t)acc);
		if (r->allow) /* all asked for must be allowed */
			emit(p, BPF_JMP | BPF_JNE | BPF_X, BPF_REG_1, BPF_REG_3, OFF(), 0);
		else /* any asked for that is denied */
			emit(p, BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_1, 0, OFF(), 0);
	}
	if (r->major >= 0)
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, OFF(), (int32_t)r->major);
	if (r->minor >= 0)
		emit(p, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_5, 0, OFF(), (int32_t)r->minor);
#undef OFF
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, r->allow);
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	return len == 2;
}

static void assemble(struct prog *p, const struct device_rule *rules, size_t n)
{
	p->n = 0;
	/* r2 = ctx->access_type & 0xffff; r3 = ctx->access_type >> 16 */
	emit(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_2, BPF_REG_1, 0, 0);
	emit(p, BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xffff);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_3, BPF_REG_1, 0, 0);
	emit(p, BPF_ALU | BPF_RSH | BPF_K, BPF_REG_3, 0, 0, 16);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_4, BPF_REG_1, 4, 0);
	emit(p, BPF_LDX | BPF_W | BPF_MEM, BPF_REG_5, BPF_REG_1, 8, 0);
	for (size_t i = NALLOWED; i-- > 0;)
		emit_rule(p, &allowed[i]);
	for (size_t i = n; i-- > 0;)
		if (emit_rule(p, &rules[i]))
			return;
	emit(p, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0); /* default: deny */
	emit(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

#define PROG_NAME "husk_devices" /* < BPF_OBJ_NAME_LEN */

static long sys_bpf(int cmd, union bpf_attr *a)
{
	return syscall(SYS_bpf, cmd, a, sizeof(*a));
}

static int load(const struct prog *p, const char *path, struct husk_err *e)
{
	static char log[16384];
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)p->v;
	a.insn_cnt = (uint32_t)p->n;
	a.license = (uint64_t)(uintptr_t)"GPL";
	memcpy(a.prog_name, PROG_NAME, sizeof(PROG_NAME)); /* Linux 4.15, as the prog type */
	int fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	int err = errno;
	if (err == EINVAL || err == EACCES) { /* again, for the verifier's words */
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = sizeof(log);
		a.log_level = 1;
		sys_bpf(BPF_PROG_LOAD, &a);
		log_debug("device program refused by the verifier:\n%s", log);
	}
	if (err == EPERM)
		return err_set(e, err, "linux.resources.devices: cgroup %s: load the device eBPF "
				       "program (BPF_PROG_LOAD) needs CAP_SYS_ADMIN or CAP_BPF (and, "
				       "before Linux 5.11, RLIMIT_MEMLOCK room)", path);
	if (err == ENOSYS)
		return err_set(e, err, "linux.resources.devices: this kernel has no eBPF "
				       "(CONFIG_BPF_SYSCALL), so husk cannot enforce device rules");
	return err_set(e, err, "linux.resources.devices: cgroup %s: BPF_PROG_LOAD of the device "
			       "program (%d instructions)", path, p->n);
}

int devices_attach(int cgroup_fd, const char *path, const struct device_rule *rules, size_t n,
		   struct husk_err *e)
{
	AUTO_FREE struct prog *p = malloc(sizeof(*p));
	if (!p)
		return err_sys(e, "linux.resources.devices: allocate");
	assemble(p, rules, n);
	if (p->n > MAX_INSNS)
		return err_set(e, 0, "linux.resources.devices: %zu rules are too many (the program "
				     "would take %d instructions, at most %d)", n, p->n, MAX_INSNS);
	AUTO_FD fd = load(p, path, e);
	if (fd < 0)
		return -1;
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgroup_fd;
	a.attach_bpf_fd = (uint32_t)fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return err_sys(e, "linux.resources.devices: attach the device program to cgroup %s "
				  "(BPF_PROG_ATTACH, needs CONFIG_CGROUP_BPF)", path);
	log_debug("linux.resources.devices: %zu rules + %zu defaults, %d BPF instructions, attached "
		  "to %s", n, NALLOWED, p->n, path);
	return 0;
}

/* The program id's name is husk's own. */
static bool is_ours(uint32_t id, int *fd_out)
{
	union bpf_attr a;
	struct bpf_prog_info info;
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	AUTO_FD fd = (int)sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0 || strcmp(info.name, PROG_NAME))
		return false;
	*fd_out = take_fd(&fd);
	return true;
}

/* A cgroup that outlives the container keeps no device program of husk's:
 * the next container (or the host's processes) would obey it too, and at
 * 64 programs no more can be attached. The host's own programs stay. */
int devices_detach(int cgroup_fd, const char *path, struct husk_err *e)
{
	uint32_t ids[64];
	union bpf_attr a;
	memset(&a, 0, sizeof(a));
	a.query.target_fd = (uint32_t)cgroup_fd;
	a.query.attach_type = BPF_CGROUP_DEVICE;
	a.query.prog_ids = (uint64_t)(uintptr_t)ids;
	a.query.prog_cnt = 64;
	if (sys_bpf(BPF_PROG_QUERY, &a) < 0)
		return errno == EINVAL || errno == ENOSYS ? 0 : err_sys(e, "cgroup %s: BPF_PROG_QUERY", path);
	for (uint32_t i = 0, n = a.query.prog_cnt; i < n && i < 64; i++) {
		AUTO_FD fd = -1;
		if (!is_ours(ids[i], &fd))
			continue;
		union bpf_attr d;
		memset(&d, 0, sizeof(d));
		d.target_fd = (uint32_t)cgroup_fd;
		d.attach_bpf_fd = (uint32_t)fd;
		d.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &d) < 0)
			return err_sys(e, "cgroup %s: detach husk's device program", path);
	}
	return 0;
}
