/* unit_spec.c: the config parser against the spec's example configs and
 * hostile input. Run from the repository root (make build/unit_spec), or
 * give the spec's schema/test/config directory as the first argument.
 * In JSON written here, ' stands for " (see q()). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../husk.h"

/* util.c's logging reads these; runtime.c defines them in the real binary. */
const char *opt_log;
bool opt_log_json, opt_debug;

/* ---- the harness ----------------------------------------------------------- */

static int passed, failed;

static void report(const char *name, bool ok, const char *detail)
{
	if (ok)
		passed++, printf("PASS: %s\n", name);
	else
		failed++, printf("FAIL: %s (%s)\n", name, detail);
}

/* The JSON with every ' turned into ", in a malloc'd buffer spec_parse owns. */
static char *q(const char *json, size_t *len)
{
	*len = strlen(json);
	char *t = malloc(*len + 1);
	for (size_t i = 0; i <= *len; i++)
		t[i] = json[i] == '\'' ? '"' : json[i];
	return t;
}

/* Parse a copy of exactly len bytes: an over-read shows under ASan. */
static int parse_q(struct spec *s, const char *json, struct husk_err *e)
{
	size_t len;
	AUTO_FREE char *t = q(json, &len);
	char *exact_copy = malloc(len ? len : 1);
	memcpy(exact_copy, t, len);
	return spec_parse(s, exact_copy, len, e);
}

static void ok(const char *name, const char *json)
{
	struct spec s;
	struct husk_err e = {0};
	int r = parse_q(&s, json, &e);
	report(name, r == 0, e.msg);
	if (r == 0)
		spec_free(&s);
}

/* Rejected, with want in the message (with '=" as in the JSON). */
static void bad(const char *name, const char *json, const char *want)
{
	struct spec s;
	struct husk_err e = {0};
	size_t n;
	AUTO_FREE char *w = q(want, &n);
	if (parse_q(&s, json, &e) == 0) {
		spec_free(&s);
		return report(name, false, "accepted");
	}
	report(name, strstr(e.msg, w) != NULL, e.msg);
}

/* Rejected with exactly this message. */
static void exact(const char *name, const char *json, const char *want)
{
	struct spec s;
	struct husk_err e = {0};
	size_t n;
	AUTO_FREE char *w = q(want, &n);
	if (parse_q(&s, json, &e) == 0) {
		spec_free(&s);
		return report(name, false, "accepted");
	}
	report(name, !strcmp(e.msg, w) && e.errnum == 0, e.msg);
}

/* Parses, and spec_check_supported says want ("" = accepts it). */
static void support(const char *name, const char *json, const char *want)
{
	struct spec s;
	struct husk_err e = {0};
	if (parse_q(&s, json, &e) < 0)
		return report(name, false, e.msg);
	int r = spec_check_supported(&s, &e);
	spec_free(&s);
	if (!*want)
		return report(name, r == 0, e.msg);
	size_t n;
	AUTO_FREE char *w = q(want, &n);
	report(name, r < 0 && !strcmp(e.msg, w), r < 0 ? e.msg : "accepted");
}

/* ---- the spec's example configs ------------------------------------------------ */

static const char *config_dir(int argc, char **argv)
{
	static const char *const dirs[] = {"../shared/oci-runtime-spec/schema/test/config",
					   "/work/shared/oci-runtime-spec/schema/test/config"};
	if (argc > 1)
		return argv[1];
	for (size_t i = 0; i < 2; i++)
		if (access(dirs[i], R_OK) == 0)
			return dirs[i];
	return NULL;
}

static char *slurp(const char *dir, const char *sub, const char *file, size_t *len)
{
	char path[4096];
	struct husk_err e;
	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, file);
	return read_file_at(AT_FDCWD, path, 1 << 24, len, &e);
}

static int load(struct spec *s, const char *dir, const char *sub, const char *file,
		struct husk_err *e)
{
	size_t len;
	char *t = slurp(dir, sub, file, &len);
	if (!t)
		return err_set(e, 0, "cannot read %s/%s", sub, file);
	return spec_parse(s, t, len, e);
}

/* What each bad config must be rejected for: the path of the problem. */
static const char *bad_reason(const char *file)
{
	static const char *const r[][2] = {
		{"invalid-json.json", "invalid JSON at byte 1"},
		{"linux-hugepage.json", "linux.resources.hugepageLimits[0].pageSize: \"64kB\""},
		{"linux-netdevice.json", "linux.netDevices.eth0.name: expected a string, got a number"},
		{"linux-rdma.json", "linux.resources.rdma.mlx5_1.hcaHandles: expected an integer"},
	};
	for (size_t i = 0; i < sizeof(r) / sizeof(r[0]); i++)
		if (!strcmp(file, r[i][0]))
			return r[i][1];
	return "";
}

static void one_config(const char *dir, const char *sub, const char *file)
{
	char name[300];
	struct spec s;
	struct husk_err e = {0};
	snprintf(name, sizeof(name), "%s/%s", sub, file);
	int r = load(&s, dir, sub, file, &e);
	if (r == 0)
		spec_free(&s);
	if (!strcmp(sub, "good"))
		return report(name, r == 0, e.msg);
	/* husk is Linux-only: the freebsd section is an unknown key, ignored. */
	if (!strcmp(file, "freebsd-vnet-disable.json"))
		return report("bad/freebsd-vnet-disable.json accepted (freebsd section ignored)", r == 0,
			      e.msg);
	report(name, r < 0 && strstr(e.msg, bad_reason(file)), r < 0 ? e.msg : "accepted");
}

static void config_files(const char *dir, const char *sub)
{
	char path[4096];
	struct dirent **names;
	snprintf(path, sizeof(path), "%s/%s", dir, sub);
	int n = scandir(path, &names, NULL, alphasort);
	report(path, n > 2, "cannot list");
	for (int i = 0; i < n; i++) {
		if (strstr(names[i]->d_name, ".json"))
			one_config(dir, sub, names[i]->d_name);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
}

#define CHECK(cond) report(#cond, (cond), "")

static uint64_t bit(int cap)
{
	return 1ULL << cap;
}

static void example_values(const struct spec *s)
{
	const struct process *p = &s->process;
	const struct linux_cfg *l = &s->linux;
	const struct resources *r = &l->resources;
	CHECK(!strcmp(s->oci_version, "0.5.0-dev") && !strcmp(s->root_path, "rootfs") && s->root_readonly);
	CHECK(!strcmp(s->hostname, "slartibartfast") && !strcmp(s->domainname, "foobarbaz.test"));
	CHECK(s->has_process && p->terminal && p->uid == 1 && p->gid == 1 && p->umask == UNSET);
	CHECK(p->n_additional_gids == 2 && p->additional_gids[0] == 5 && p->additional_gids[1] == 6);
	CHECK(p->args.n == 1 && !strcmp(p->args.v[0], "sh") && p->args.v[1] == NULL);
	CHECK(p->env.n == 2 && !strcmp(p->env.v[1], "TERM=xterm") && !strcmp(p->cwd, "/"));
	CHECK(p->caps.present && p->caps.bounding == (bit(29) | bit(5) | bit(10)));
	CHECK(p->caps.effective == (bit(29) | bit(5)) && p->caps.ambient == bit(10));
	CHECK(p->n_rlimits == 2 && p->rlimits[0].resource == RLIMIT_CORE && p->rlimits[1].soft == 1024);
	CHECK(p->rlimits[1].resource == RLIMIT_NOFILE && p->rlimits[1].hard == 1024);
	CHECK(p->no_new_privileges && p->oom_score_adj == UNSET && !strcmp(p->apparmor_profile, "acme_secure_profile"));
	CHECK(s->n_mounts == 7 && !strcmp(s->mounts[0].destination, "/proc") && s->mounts[0].options.n == 0);
	CHECK(s->mounts[2].options.n == 6 && !strcmp(s->mounts[2].options.v[5], "gid=5"));
	CHECK(!strcmp(s->mounts[6].type, "cgroup") && !strcmp(s->mounts[6].options.v[4], "ro"));
	CHECK(s->hooks[HOOK_PRESTART].n == 2 && !strcmp(s->hooks[HOOK_PRESTART].v[0].args.v[2], "arg2"));
	CHECK(s->hooks[HOOK_PRESTART].v[1].args.n == 0 && s->hooks[HOOK_PRESTART].v[1].timeout == UNSET);
	CHECK(s->hooks[HOOK_POSTSTART].v[0].timeout == 5 && s->hooks[HOOK_START_CONTAINER].n == 1);
	CHECK(!strcmp(s->hooks[HOOK_POSTSTOP].v[0].path, "/usr/sbin/cleanup.sh"));
	CHECK(s->hooks[HOOK_CREATE_CONTAINER].v[0].env.n == 1 && s->hooks[HOOK_CREATE_RUNTIME].n == 2);
	CHECK(s->annotations.n == 2 && !strcmp(s->annotations.v[1].key, "com.example.key2"));
	CHECK(!strcmp(s->annotations.v[1].value, "value2"));
	CHECK(l->n_devices == 2 && l->devices[0].type == 'c' && l->devices[0].major == 10);
	CHECK(l->devices[0].minor == 229 && l->devices[0].file_mode == 438 && l->devices[1].uid == 0);
	CHECK(l->uid_mappings.n == 1 && l->uid_mappings.v[0].host_id == 1000 && l->gid_mappings.v[0].size == 32000);
	CHECK(l->sysctl.n == 2 && !strcmp(l->sysctl.v[0].key, "net.ipv4.ip_forward"));
	CHECK(!strcmp(l->sysctl.v[1].value, "256") && !strcmp(l->cgroups_path, "/myRuntime/myContainer"));
	CHECK(l->n_namespaces == 8 && l->namespaces[0].type == CLONE_NEWPID && l->namespaces[7].type == 0x80);
	CHECK(l->namespaces[5].type == CLONE_NEWUSER && l->namespaces[5].path == NULL);
	CHECK(l->rootfs_propagation == MS_SLAVE && l->masked_paths.n == 4 && l->readonly_paths.n == 6);
	CHECK(l->seccomp.present && l->seccomp.n_rules == 1 && l->seccomp.rules[0].names.n == 2);
	CHECK(l->has_time_offsets && !l->has_personality && strstr(l->mount_label, "c715"));
	CHECK(r->present && r->has_network && r->pids_limit == 32771 && r->memory.limit == 536870912);
	CHECK(r->memory.kernel == -1 && r->memory.swappiness == 0 && r->memory.bool_disable_oom_killer == 0);
	CHECK(r->cpu.shares == 1024 && r->cpu.quota == 1000000 && !strcmp(r->cpu.cpus, "2-3"));
	CHECK(r->cpu.idle == UNSET && r->n_hugepages == 2 && r->hugepages[0].limit == 9223372036854772000ULL);
	CHECK(r->n_devices == 3 && !r->devices[0].allow && r->devices[0].type == 'a' && r->devices[0].major == -1);
	CHECK(!strcmp(r->devices[0].access, "rwm") && !strcmp(r->devices[2].access, "r"));
	CHECK(r->block_io.weight == 10 && r->block_io.n_weight_devices == 2);
	CHECK(r->block_io.weight_devices[1].leaf_weight == UNSET && r->block_io.read_bps.n == 1);
	CHECK(r->block_io.write_iops.v[0].rate == 300 && r->block_io.write_bps.n == 0);
	CHECK(r->first_limit && !strcmp(r->first_limit, "linux.resources.network.classID"));
}

static void example_prefixes(const char *dir)
{
	size_t len, bad_ones = 0;
	AUTO_FREE char *full = slurp(dir, "good", "spec-example.json", &len);
	if (!full)
		return report("every prefix of spec-example.json is rejected", false, "cannot read");
	size_t end = len;
	while (end > 0 && strchr(" \n\t\r", full[end - 1]))
		end--; /* trailing whitespace after the object is still a whole document */
	for (size_t n = 0; n < end; n++) {
		struct spec s;
		struct husk_err e;
		char *t = malloc(n ? n : 1);
		memcpy(t, full, n);
		if (spec_parse(&s, t, n, &e) == 0)
			bad_ones++, spec_free(&s);
	}
	char d[64];
	snprintf(d, sizeof(d), "%zu of %zu accepted", bad_ones, end);
	report("every prefix of spec-example.json is rejected", bad_ones == 0, d);
}

static void spec_examples(int argc, char **argv)
{
	const char *dir = config_dir(argc, argv);
	if (!dir) {
		printf("SKIP: the spec's test configs (not found in ../shared or /work/shared)\n");
		return;
	}
	config_files(dir, "good");
	config_files(dir, "bad");
	struct spec s;
	struct husk_err e = {0};
	if (load(&s, dir, "good", "spec-example.json", &e) < 0)
		return report("spec-example.json values", false, e.msg);
	example_values(&s);
	spec_free(&s);
	example_prefixes(dir);
}

/* ---- hand-written cases ----------------------------------------------------------- */

#define B "'ociVersion':'1.0.0','root':{'path':'rootfs'}"
#define P(x) "{" B ",'process':{'cwd':'/','args':['sh']," x "}}"
#define L(x) "{" B ",'linux':{" x "}}"
#define R(x) L("'resources':{" x "}")
#define SC(x) L("'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'," x "}")

static void types_and_required(void)
{
	ok("minimal", "{" B "}");
	ok("null is absent", "{" B ",'process':null,'hostname':null,'linux':{'seccomp':null}}");
	exact("ociVersion missing", "{'root':{'path':'r'}}", "ociVersion: missing required field");
	exact("ociVersion type", "{'ociVersion':1,'root':{'path':'r'}}", "ociVersion: expected a string, got a number");
	bad("ociVersion not semver", "{'ociVersion':'1.0','root':{'path':'r'}}", "ociVersion: '1.0' is not a SemVer");
	exact("root missing", "{'ociVersion':'1.0.0'}", "root: missing required field");
	exact("root null", "{'ociVersion':'1.0.0','root':null}", "root: missing required field");
	exact("root type", "{'ociVersion':'1.0.0','root':'r'}", "root: expected an object, got a string");
	exact("root.path missing", "{'ociVersion':'1.0.0','root':{}}", "root.path: missing required field");
	exact("root.path empty", "{'ociVersion':'1.0.0','root':{'path':''}}", "root.path: must not be empty");
	exact("root.readonly type", "{'ociVersion':'1.0.0','root':{'path':'r','readonly':1}}",
	      "root.readonly: expected a boolean, got a number");
	exact("mounts type", "{" B ",'mounts':{}}", "mounts: expected an array, got an object");
	exact("mount destination", "{" B ",'mounts':[{'type':'tmpfs'}]}", "mounts[0].destination: missing required field");
	exact("mount options type", "{" B ",'mounts':[{'destination':'/a','options':'ro'}]}",
	      "mounts[0].options: expected an array, got a string");
	bad("mount uid without gid mappings", "{" B ",'mounts':[{'destination':'/a','uidMappings':[{'containerID':0,'hostID':1,'size':1}]}]}",
	    "mounts[0]: uidMappings and gidMappings");
	exact("process type", "{" B ",'process':[]}", "process: expected an object, got an array");
	exact("process.cwd missing", "{" B ",'process':{'args':['sh']}}", "process.cwd: missing required field");
	exact("process.cwd relative", "{" B ",'process':{'args':['sh'],'cwd':'tmp'}}", "process.cwd: 'tmp' is not an absolute path");
	exact("process.args missing", "{" B ",'process':{'cwd':'/'}}", "process.args: must have at least one entry");
	exact("process.args empty", "{" B ",'process':{'cwd':'/','args':[]}}", "process.args: must have at least one entry");
	exact("process.args type", "{" B ",'process':{'cwd':'/','args':'sh'}}", "process.args: expected an array, got a string");
	exact("process.args[1] type", "{" B ",'process':{'cwd':'/','args':['sh',1]}}", "process.args[1]: expected a string, got a number");
	exact("process.env no =", P("'env':['A=1','B']"), "process.env[1]: 'B' is not NAME=VALUE");
	exact("process.terminal type", P("'terminal':'yes'"), "process.terminal: expected a boolean, got a string");
	exact("consoleSize.width missing", P("'consoleSize':{'height':1}"), "process.consoleSize.width: missing required field");
	exact("user type", P("'user':[]"), "process.user: expected an object, got an array");
	exact("additionalGids[1] negative", P("'user':{'additionalGids':[1,-2]}"),
	      "process.user.additionalGids[1]: -2 is out of range (0 to 4294967295)");
	exact("capabilities type", P("'capabilities':[]"), "process.capabilities: expected an object, got an array");
	exact("capabilities.bounding[0] type", P("'capabilities':{'bounding':[true]}"),
	      "process.capabilities.bounding[0]: expected a string, got a boolean");
	exact("rlimits type", P("'rlimits':{}"), "process.rlimits: expected an array, got an object");
	exact("rlimit soft missing", P("'rlimits':[{'type':'RLIMIT_CORE','hard':1}]"), "process.rlimits[0].soft: missing required field");
	exact("noNewPrivileges type", P("'noNewPrivileges':null,'oomScoreAdj':'1'"), "process.oomScoreAdj: expected an integer, got a string");
	exact("hooks type", "{" B ",'hooks':[]}", "hooks: expected an object, got an array");
	exact("hooks.poststop type", "{" B ",'hooks':{'poststop':{}}}", "hooks.poststop: expected an array, got an object");
	exact("hook path missing", "{" B ",'hooks':{'prestart':[{'args':[]}]}}", "hooks.prestart[0].path: missing required field");
	exact("hook path relative", "{" B ",'hooks':{'createRuntime':[{'path':'bin/x'}]}}",
	      "hooks.createRuntime[0].path: 'bin/x' is not an absolute path");
	exact("hook timeout 0", "{" B ",'hooks':{'poststart':[{'path':'/x','timeout':0}]}}",
	      "hooks.poststart[0].timeout: 0 is out of range (1 to 2147483647)");
	exact("annotations value type", "{" B ",'annotations':{'a':1}}", "annotations.a: expected a string, got a number");
	exact("hostname type", "{" B ",'hostname':['h']}", "hostname: expected a string, got an array");
	exact("linux type", "{" B ",'linux':true}", "linux: expected an object, got a boolean");
}

static void linux_cases(void)
{
	exact("namespace type unknown", L("'namespaces':[{'type':'pid'},{'type':'foo'}]"),
	      "linux.namespaces[1].type: unknown namespace type 'foo'");
	exact("namespace duplicate", L("'namespaces':[{'type':'pid'},{'type':'ipc'},{'type':'pid'}]"),
	      "linux.namespaces[2].type: duplicate namespace 'pid'");
	exact("namespace type missing", L("'namespaces':[{'path':'/x'}]"), "linux.namespaces[0].type: missing required field");
	exact("namespace path relative", L("'namespaces':[{'type':'net','path':'x'}]"), "linux.namespaces[0].type: unknown namespace type 'net'");
	exact("namespace path relative 2", L("'namespaces':[{'type':'network','path':'x'}]"),
	      "linux.namespaces[0].path: 'x' is not an absolute path");
	exact("uidMappings without userns", L("'uidMappings':[{'containerID':0,'hostID':1,'size':1}]"),
	      "linux.uidMappings: given without a user namespace in linux.namespaces");
	exact("idmap size missing", L("'namespaces':[{'type':'user'}],'gidMappings':[{'containerID':0,'hostID':1}]"),
	      "linux.gidMappings[0].size: missing required field");
	exact("idmap hostID too big", L("'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':4294967296,'size':1}]"),
	      "linux.uidMappings[0].hostID: 4294967296 is out of range (0 to 4294967295)");
	exact("device path relative", L("'devices':[{'type':'c','path':'dev/x','major':1,'minor':3}]"),
	      "linux.devices[0].path: 'dev/x' is not an absolute path");
	exact("device type unknown", L("'devices':[{'type':'x','path':'/dev/x'}]"), "linux.devices[0].type: unknown device type 'x'");
	exact("device major missing", L("'devices':[{'type':'b','path':'/dev/x','minor':3}]"),
	      "linux.devices[0].major: required for device type 'b'");
	ok("device fifo without numbers", L("'devices':[{'type':'p','path':'/dev/fifo'}]"));
	exact("rootfsPropagation unknown", L("'rootfsPropagation':'bogus'"), "linux.rootfsPropagation: unknown rootfs propagation 'bogus'");
	exact("sysctl type", L("'sysctl':[]"), "linux.sysctl: expected an object, got an array");
	exact("maskedPaths relative", L("'maskedPaths':['/proc/kcore','proc']"), "linux.maskedPaths[1]: 'proc' is not an absolute path");
	exact("personality domain", L("'personality':{'domain':'LINUX64'}"), "linux.personality.domain: unknown personality domain 'LINUX64'");
	exact("timeOffsets nanosecs", L("'timeOffsets':{'boottime':{'nanosecs':-1}}"),
	      "linux.timeOffsets.boottime.nanosecs: -1 is out of range (0 to 999999999)");
	exact("memoryPolicy mode", L("'memoryPolicy':{'mode':'MPOL_X'}"), "linux.memoryPolicy.mode: unknown memory policy mode 'MPOL_X'");
	exact("netDevices name", L("'netDevices':{'v0':{'name':'a/b'}}"), "linux.netDevices.v0.name: \"a/b\": not a valid interface name (no /, : or blank; % only in name, as one %d)");
	exact("netDevices key", L("'netDevices':{'..':{}}"), "linux.netDevices...: \"..\": not a valid interface name");
	exact("netDevices long", L("'netDevices':{'0123456789abcdef':{}}"), "linux.netDevices.0123456789abcdef: \"0123456789abcdef\": an interface name has 1 to 15 bytes");
	ok("netDevices template", L("'netDevices':{'v0':{'name':'eth%d'},'v1':{'name':'eth%d'}}"));
	exact("netDevices template %d%d", L("'netDevices':{'v0':{'name':'e%d%d'}}"), "linux.netDevices.v0.name: \"e%d%d\": not a valid interface name (no /, : or blank; % only in name, as one %d)");
	exact("netDevices template %s", L("'netDevices':{'v0':{'name':'e%s'}}"), "linux.netDevices.v0.name: \"e%s\": not a valid interface name (no /, : or blank; % only in name, as one %d)");
	exact("netDevices key %d", L("'netDevices':{'v%d':{}}"), "linux.netDevices.v%d: \"v%d\": not a valid interface name (no /, : or blank; % only in name, as one %d)");
	exact("netDevices twice", L("'netDevices':{'v0':{'name':'v1'},'v1':{}}"), "linux.netDevices.v1: \"v1\" is also the name of v0 in the container");
	exact("intelRdt memBwSchema", L("'intelRdt':{'memBwSchema':'L3:0=1'}"), "linux.intelRdt.memBwSchema: must start with 'MB:' and be one line");
	exact("ioPriority class", P("'ioPriority':{'class':'IOPRIO_CLASS_FOO'}"), "process.ioPriority.class: unknown I/O priority class 'IOPRIO_CLASS_FOO'");
	exact("scheduler policy missing", P("'scheduler':{'nice':1}"), "process.scheduler.policy: missing required field");
	exact("execCPUAffinity", P("'execCPUAffinity':{'initial':'0-3;7'}"), "process.execCPUAffinity.initial: '0-3;7' is not a CPU list");
	exact("seccomp action unknown", L("'seccomp':{'defaultAction':'SCMP_ACT_FOO'}"), "linux.seccomp.defaultAction: unknown seccomp action 'SCMP_ACT_FOO'");
	exact("seccomp defaultAction missing", L("'seccomp':{}"), "linux.seccomp.defaultAction: missing required field");
	exact("seccomp op unknown", SC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ERRNO','args':[{'index':0,'value':1,'op':'SCMP_CMP_XX'}]}]"),
	      "linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator 'SCMP_CMP_XX'");
	exact("seccomp errnoRet with allow", SC("'syscalls':[{'names':['read'],'action':'SCMP_ACT_ALLOW','errnoRet':1}]"),
	      "linux.seccomp.syscalls[0].errnoRet: not allowed with action 'SCMP_ACT_ALLOW'");
	exact("seccomp names empty", SC("'syscalls':[{'names':[],'action':'SCMP_ACT_ALLOW'}]"), "linux.seccomp.syscalls[0].names: must have at least one entry");
	exact("seccomp arch unknown", SC("'architectures':['SCMP_ARCH_X86_64','SCMP_ARCH_Z80']"),
	      "linux.seccomp.architectures[1]: unknown seccomp architecture 'SCMP_ARCH_Z80'");
	exact("seccomp metadata without path", SC("'listenerMetadata':'x'"), "linux.seccomp.listenerMetadata: not allowed without listenerPath");
	exact("memory.limit type", R("'memory':{'limit':'1g'}"), "linux.resources.memory.limit: expected an integer, got a string");
	exact("pids.limit missing", R("'pids':{}"), "linux.resources.pids.limit: missing required field");
	exact("device rule access", R("'devices':[{'allow':true,'access':'rwx'}]"), "linux.resources.devices[0].access: 'rwx' is not a subset of 'rwm'");
	exact("device rule allow missing", R("'devices':[{'access':'r'}]"), "linux.resources.devices[0].allow: missing required field");
	exact("weightDevice empty", R("'blockIO':{'weightDevice':[{'major':8,'minor':0}]}"),
	      "linux.resources.blockIO.weightDevice[0]: needs weight or leafWeight");
	exact("blockIO weight range", R("'blockIO':{'weight':65536}"), "linux.resources.blockIO.weight: 65536 is out of range (0 to 65535)");
	exact("rdma entry empty", R("'rdma':{'mlx':{}}"), "linux.resources.rdma.mlx: needs hcaHandles or hcaObjects");
	exact("unified value type", R("'unified':{'memory.max':1}"), "linux.resources.unified.memory.max: expected a string, got a number");
}

static void numbers(void)
{
	exact("uid -1", P("'user':{'uid':-1}"), "process.user.uid: -1 is out of range (0 to 4294967295)");
	exact("uid 2^32", P("'user':{'uid':4294967296}"), "process.user.uid: 4294967296 is out of range (0 to 4294967295)");
	exact("uid 1.5", P("'user':{'uid':1.5}"), "process.user.uid: 1.5 is not an integer");
	exact("uid 1.0", P("'user':{'uid':1.0}"), "process.user.uid: 1.0 is not an integer");
	exact("uid 1e3", P("'user':{'uid':1e3}"), "process.user.uid: 1e3 is not an integer");
	exact("uid 1e400", P("'user':{'uid':1e400}"), "process.user.uid: 1e400 is not an integer");
	exact("uid 99999999999999999999", P("'user':{'uid':99999999999999999999}"),
	      "process.user.uid: 99999999999999999999 is out of range");
	exact("oomScoreAdj 1001", P("'oomScoreAdj':1001"), "process.oomScoreAdj: 1001 is out of range (-1000 to 1000)");
	ok("rlimit soft 2^64-1", P("'rlimits':[{'type':'RLIMIT_CORE','soft':18446744073709551615,'hard':18446744073709551615}]"));
	exact("rlimit soft 2^64", P("'rlimits':[{'type':'RLIMIT_CORE','soft':18446744073709551616,'hard':1}]"),
	      "process.rlimits[0].soft: 18446744073709551616 is out of range");
	exact("rlimit hard -1", P("'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':-1}]"),
	      "process.rlimits[0].hard: -1 is out of range (0 to 18446744073709551615)");
	ok("memory.limit -1 and int64 max", R("'memory':{'limit':-1,'swap':9223372036854775807,'kernel':-9223372036854775807}"));
	exact("memory.limit int64 min", R("'memory':{'limit':-9223372036854775808}"),
	      "linux.resources.memory.limit: -9223372036854775808 is out of range (-9223372036854775807 to 9223372036854775807)");
	exact("memory.swap 2^63", R("'memory':{'swap':9223372036854775808}"),
	      "linux.resources.memory.swap: 9223372036854775808 is out of range (-9223372036854775807 to 9223372036854775807)");
	ok("huge and odd numbers in an unknown key", "{" B ",'x':[1e400,-0,0.5e-3,99999999999999999999999,-1E+2]}");
	ok("-0 is 0", P("'user':{'uid':-0}"));
}

static void exact_messages(void)
{
	exact("unknown rlimit", P("'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1},{'type':'RLIMIT_FOO','soft':1,'hard':1}]"),
	      "process.rlimits[1].type: unknown rlimit 'RLIMIT_FOO'");
	exact("duplicate rlimit", P("'rlimits':[{'type':'RLIMIT_CORE','soft':1,'hard':1},{'type':'RLIMIT_CORE','soft':2,'hard':2}]"),
	      "process.rlimits[1].type: duplicate rlimit 'RLIMIT_CORE'");
	exact("empty file", "", "invalid JSON at byte 0: unexpected end of input");
	exact("invalid JSON", "{]", "invalid JSON at byte 1: expected a string key");
	exact("top-level array", "[]", "the top level is not a JSON object");
	exact("top-level string", "'x'", "the top level is not a JSON object");
	exact("duplicate top-level key", "{" B ",'ociVersion':'1.0.0'}", "ociVersion: duplicate key");
}

/* ---- hostile input ------------------------------------------------------------------ */

static char *repeat(const char *head, const char *unit, size_t n, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * n + tl + 1), *p = s;
	memcpy(p, head, hl), p += hl;
	for (size_t i = 0; i < n; i++)
		memcpy(p, unit, ul), p += ul;
	memcpy(p, tail, tl + 1);
	return s;
}

/* Raw bytes (NULs allowed): rejected with want in the message. */
static void raw_bad(const char *name, const char *bytes, size_t len, const char *want)
{
	struct spec s;
	struct husk_err e = {0};
	char *t = malloc(len ? len : 1); /* exactly: an over-read shows under ASan */
	memcpy(t, bytes, len);
	if (spec_parse(&s, t, len, &e) == 0) {
		spec_free(&s);
		return report(name, false, "accepted");
	}
	report(name, strstr(e.msg, want) != NULL, e.msg);
}

static void deep_and_big(void)
{
	AUTO_FREE char *deep = repeat("", "[", 100000, "");
	bad("100000 [", deep, "invalid JSON at byte 512: nested too deep");
	AUTO_FREE char *deep2 = repeat("{" B ",'x':", "[", 100000, "");
	bad("100000 [ in an unknown key", deep2, "nested too deep");
	AUTO_FREE char *deep3 = repeat("", "{'a':", 100000, "");
	bad("100000 nested objects", deep3, "nested too deep");
	char *ok500 = repeat("{" B ",'x':", "[", 500, ""), *ok500b = repeat(ok500, "]", 500, "}");
	ok("500 deep in an unknown key", ok500b);
	free(ok500), free(ok500b);
	char *many = repeat("{" B ",'x':[0", ",0", 1100000, "]}");
	bad("1.1 million values", many, "too many JSON values");
	free(many);
	AUTO_FREE char *longstr = repeat("{" B ",'hostname':'", "a", 1 << 20, "'}");
	size_t len;
	struct spec s;
	struct husk_err e = {0};
	char *t = q(longstr, &len);
	bool good = spec_parse(&s, t, len, &e) == 0;
	report("1 MiB hostname", good && strlen(s.hostname) == 1 << 20, e.msg);
	if (good)
		spec_free(&s);
	AUTO_FREE char *longkey = repeat("{" B ",'annotations':{'", "k", 1 << 20, "':'v'}}");
	ok("1 MiB annotation key", longkey);
	AUTO_FREE char *manykeys = repeat("{" B ",'annotations':{'a':'1'", ",'a':'1'", 1000, "}}");
	bad("1000 duplicate annotations", manykeys, "annotations.a: duplicate key");
}

static void syntax(void)
{
	const char *cases[][2] = {
		{"[1 2] in an unknown key", "{" B ",'x':[1 2]}"},
		{"[1,,2] in an unknown key", "{" B ",'x':[1,,2]}"},
		{"trailing comma in array", "{" B ",'x':[1,]}"},
		{"trailing comma in object", "{" B ",}"},
		{"missing colon", "{" B ",'x' 1}"},
		{"missing comma", "{" B " 'x':1}"},
		{"leading zero", "{" B ",'x':01}"},
		{"bare minus", "{" B ",'x':-}"},
		{"1.", "{" B ",'x':1.}"},
		{".5", "{" B ",'x':.5}"},
		{"+1", "{" B ",'x':+1}"},
		{"1e", "{" B ",'x':1e}"},
		{"tru", "{" B ",'x':tru}"},
		{"True", "{" B ",'x':True}"},
		{"nul", "{" B ",'x':nul}"},
		{"unquoted key", "{" B ",x:1}"},
		{"two objects", "{" B "}{}"},
		{"trailing garbage", "{" B "} x"},
		{"unterminated string", "{" B ",'x':'abc}"},
		{"number key", "{" B ",1:2}"},
		{"bad escape \\x", "{" B ",'x':'\\x41'}"},
		{"short \\u", "{" B ",'x':'\\u12'}"},
		{"lone high surrogate", "{" B ",'x':'\\ud800'}"},
		{"lone low surrogate", "{" B ",'x':'\\udc00x'}"},
		{"high surrogate + non-low", "{" B ",'x':'\\ud800\\u0041'}"},
		{"\\u0000", "{" B ",'x':'a\\u0000b'}"},
		{"raw tab in string", "{" B ",'x':'a\tb'}"},
		{"whitespace only", " \n\t "},
		{"truncated", "{" B ",'x':[1,2"},
		{"unmatched ]", "{" B "]"},
		{"top-level null", "null"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		bad(cases[i][0], cases[i][1], "");
	static const char utf8[][8] = {"\xff", "\xc0\xaf", "\xed\xa0\x80", "\xe2\x82", "\xf4\x90\x80\x80", "\x80"};
	for (size_t i = 0; i < sizeof(utf8) / sizeof(utf8[0]); i++) {
		char name[64], buf[128];
		snprintf(name, sizeof(name), "invalid UTF-8 #%zu", i + 1);
		int n = snprintf(buf, sizeof(buf), "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r%s\"}}", utf8[i]);
		raw_bad(name, buf, (size_t)n, "invalid UTF-8");
	}
	static const char cut[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}";
	raw_bad("cut before the last }", cut, sizeof(cut) - 1, "unexpected end of input");
	static const char nul_in[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\0x\"}}";
	raw_bad("NUL in a string", nul_in, sizeof(nul_in) - 1, "control character in string");
	static const char nul_out[] = "{\"ociVersion\":\"1.0.0\",\0\"root\":{\"path\":\"r\"}}";
	raw_bad("NUL between tokens", nul_out, sizeof(nul_out) - 1, "invalid JSON at byte 22");
	static const char nul_end[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}\0{";
	raw_bad("NUL after the object", nul_end, sizeof(nul_end) - 1, "invalid JSON at byte 42");
}

static void strings_and_duplicates(void)
{
	struct spec s;
	struct husk_err e = {0};
	bool r = parse_q(&s, "{" B ",'hostname':'\\u00e9\\ud83d\\ude00\\t\\'\\\\\\/','domainname':'\xc3\xa9\xf0\x9f\x98\x80'}", &e) == 0;
	report("escapes decode to UTF-8", r && !strcmp(s.hostname, "\xc3\xa9\xf0\x9f\x98\x80\t\"\\/"), e.msg);
	report("raw UTF-8 kept", r && !strcmp(s.domainname, "\xc3\xa9\xf0\x9f\x98\x80"), e.msg);
	if (r)
		spec_free(&s);
	exact("duplicate key in an array element", "{" B ",'mounts':[{'destination':'/a'},{'destination':'/b','type':'x','type':'y'}]}",
	      "mounts[1].type: duplicate key");
	exact("duplicate key in an unknown section", "{" B ",'x':{'y':[{},{'z':1,'z':2}]}}", "x.y[1].z: duplicate key");
	exact("duplicate escaped key", "{" B ",'annotations':{'a':'1','\\u0061':'2'}}", "annotations.a: duplicate key");
	ok("same key in sibling objects", "{" B ",'x':{'a':1},'y':{'a':1}}");
	r = parse_q(&s, P("'capabilities':{'bounding':['CAP_CHOWN','CAP_NOPE','CAP_CHECKPOINT_RESTORE'],'ambient':[]}"), &e) == 0;
	report("unknown capability: warned, skipped", r && s.process.caps.bounding == (bit(0) | bit(40)), e.msg);
	if (r)
		spec_free(&s);
	r = parse_q(&s, L("'rootfsPropagation':'rslave','namespaces':[{'type':'user','path':'/proc/1/ns/user'}]"), &e) == 0;
	report("rslave and ns path", r && s.linux.rootfs_propagation == (MS_REC | MS_SLAVE) &&
				   !strcmp(s.linux.namespaces[0].path, "/proc/1/ns/user"), e.msg);
	if (r)
		spec_free(&s);
}

/* ---- scheduler, execCPUAffinity, memoryPolicy, timeOffsets: values and errors ---------- */

static bool cpu_in(const struct bitset *b, unsigned n)
{
	return b->bits[n / (8 * sizeof(b->bits[0]))] >> (n % (8 * sizeof(b->bits[0]))) & 1;
}

/* The CPUs or nodes set in b, as "0 1 2 7" (a short list). */
static const char *set_text(const struct bitset *b)
{
	static char buf[256];
	size_t n = 0;
	buf[0] = '\0';
	for (unsigned i = 0; i < BITSET_MAX && n < sizeof(buf) - 8; i++)
		if (cpu_in(b, i))
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%u", n ? " " : "", i);
	return buf;
}

static void process_kernel_values(void)
{
	struct spec s;
	struct husk_err e = {0};
	bool r = parse_q(&s, P("'scheduler':{'policy':'SCHED_FIFO','priority':10,'flags':['SCHED_FLAG_RESET_ON_FORK','SCHED_FLAG_UTIL_CLAMP_MAX']},"
			       "'execCPUAffinity':{'initial':' 0-3, 7 ,,','final':'1023'}"), &e) == 0;
	const struct process *p = &s.process;
	report("scheduler values", r && p->scheduler.present && p->scheduler.policy == SCHED_FIFO &&
					   p->scheduler.priority == 10 && p->scheduler.nice == 0 &&
					   p->scheduler.flags == (0x01 | 0x40) && p->scheduler.runtime == 0, e.msg);
	report("execCPUAffinity lists", r && p->exec_affinity.has_initial && p->exec_affinity.has_final &&
						!strcmp(set_text(&p->exec_affinity.initial), "0 1 2 3 7") &&
						!strcmp(set_text(&p->exec_affinity.final), "1023"), r ? set_text(&p->exec_affinity.initial) : e.msg);
	if (r)
		spec_free(&s);
	r = parse_q(&s, P("'scheduler':{'policy':'SCHED_DEADLINE','runtime':10000000,'deadline':20000000,'period':30000000},"
			  "'execCPUAffinity':{'initial':'','final':''}"), &e) == 0;
	report("scheduler deadline values", r && s.process.scheduler.policy == SCHED_DEADLINE &&
						    s.process.scheduler.runtime == 10000000 && s.process.scheduler.period == 30000000, e.msg);
	report("execCPUAffinity empty lists: not given", r && !s.process.exec_affinity.has_initial &&
							     !s.process.exec_affinity.has_final, e.msg);
	if (r)
		spec_free(&s);
	r = parse_q(&s, P("'scheduler':{'policy':'SCHED_IDLE','nice':19}"), &e) == 0;
	report("scheduler idle nice", r && s.process.scheduler.policy == SCHED_IDLE && s.process.scheduler.nice == 19, e.msg);
	if (r)
		spec_free(&s);
	r = parse_q(&s, L("'memoryPolicy':{'mode':'MPOL_INTERLEAVE','nodes':'2-3','flags':['MPOL_F_STATIC_NODES']}"), &e) == 0;
	const struct mem_policy *m = &s.linux.memory_policy;
	report("memoryPolicy values", r && m->present && m->mode == 3 && m->flags == (1 << 15) && m->has_nodes &&
					      !strcmp(set_text(&m->nodes), "2 3"), e.msg);
	if (r)
		spec_free(&s);
	r = parse_q(&s, L("'memoryPolicy':{'mode':'MPOL_LOCAL','flags':['MPOL_F_NUMA_BALANCING','MPOL_F_RELATIVE_NODES']}"), &e) == 0;
	report("memoryPolicy local", r && s.linux.memory_policy.mode == 4 && !s.linux.memory_policy.has_nodes &&
					     s.linux.memory_policy.flags == ((1 << 13) | (1 << 14)), e.msg);
	if (r)
		spec_free(&s);
	r = parse_q(&s, L("'memoryPolicy':{'mode':'MPOL_PREFERRED'}"), &e) == 0;
	report("memoryPolicy preferred without nodes", r && s.linux.memory_policy.mode == 1, e.msg);
	if (r)
		spec_free(&s);
	r = parse_q(&s, L("'namespaces':[{'type':'time'}],'timeOffsets':{'monotonic':{'secs':-5,'nanosecs':999999999},'boottime':{'secs':1000000}}"), &e) == 0;
	const struct linux_cfg *l = &s.linux;
	report("timeOffsets values", r && l->has_time_offsets && l->monotonic.given && l->monotonic.secs == -5 &&
					     l->monotonic.nanosecs == 999999999 && l->boottime.given &&
					     l->boottime.secs == 1000000 && l->boottime.nanosecs == 0, e.msg);
	if (r)
		spec_free(&s);
	r = parse_q(&s, L("'timeOffsets':{'realtime':{'secs':1}}"), &e) == 0;
	report("timeOffsets: unknown clock ignored", r && !s.linux.has_time_offsets, e.msg);
	if (r)
		spec_free(&s);
}

static void process_kernel_errors(void)
{
	exact("scheduler flag unknown", P("'scheduler':{'policy':'SCHED_OTHER','flags':['SCHED_FLAG_RECLAIM','SCHED_FLAG_FOO']}"),
	      "process.scheduler.flags[1]: unknown scheduler flag 'SCHED_FLAG_FOO'");
	exact("scheduler policy unknown", P("'scheduler':{'policy':'SCHED_FAST'}"), "process.scheduler.policy: unknown scheduler policy 'SCHED_FAST'");
	exact("scheduler nice range", P("'scheduler':{'policy':'SCHED_OTHER','nice':20}"), "process.scheduler.nice: 20 is out of range (-20 to 19)");
	exact("scheduler priority not realtime", P("'scheduler':{'policy':'SCHED_BATCH','priority':1}"),
	      "process.scheduler.priority: not used by SCHED_BATCH: must be 0");
	exact("scheduler runtime not deadline", P("'scheduler':{'policy':'SCHED_RR','priority':1,'period':5}"),
	      "process.scheduler.period: not used by SCHED_RR: must be 0");
	exact("scheduler nice not an int32", P("'scheduler':{'policy':'SCHED_IDLE','nice':2147483648}"),
	      "process.scheduler.nice: 2147483648 is out of range (-2147483648 to 2147483647)");
	exact("execCPUAffinity range backwards", P("'execCPUAffinity':{'final':'3-1'}"), "process.execCPUAffinity.final: '3-1': range 3-1 is backwards");
	exact("execCPUAffinity CPU too big", P("'execCPUAffinity':{'initial':'0,1024'}"),
	      "process.execCPUAffinity.initial: '0,1024': CPU 1024 is out of range (0 to 1023)");
	exact("execCPUAffinity huge number", P("'execCPUAffinity':{'initial':'999999999999999999999999'}"),
	      "process.execCPUAffinity.initial: '999999999999999999999999': CPU 999999999999999999999999 is out of range (0 to 1023)");
	exact("execCPUAffinity dash alone", P("'execCPUAffinity':{'initial':'1-'}"), "process.execCPUAffinity.initial: '1-' is not a CPU list");
	exact("execCPUAffinity inner space", P("'execCPUAffinity':{'initial':'1 -2'}"), "process.execCPUAffinity.initial: '1 -2' is not a CPU list");
	exact("execCPUAffinity no CPU", P("'execCPUAffinity':{'initial':' , '}"), "process.execCPUAffinity.initial: ' , ' names no CPU");
	exact("execCPUAffinity not a string", P("'execCPUAffinity':{'initial':3}"), "process.execCPUAffinity.initial: expected a string, got a number");
	exact("memoryPolicy nodes for MPOL_DEFAULT", L("'memoryPolicy':{'mode':'MPOL_DEFAULT','nodes':'0'}"),
	      "linux.memoryPolicy.nodes: must be empty for MPOL_DEFAULT");
	exact("memoryPolicy no nodes for MPOL_BIND", L("'memoryPolicy':{'mode':'MPOL_BIND','nodes':''}"),
	      "linux.memoryPolicy.nodes: required for MPOL_BIND");
	exact("memoryPolicy bad node list", L("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0;1'}"), "linux.memoryPolicy.nodes: '0;1' is not a node list");
	exact("memoryPolicy flag unknown", L("'memoryPolicy':{'mode':'MPOL_LOCAL','flags':['MPOL_F_NODE']}"),
	      "linux.memoryPolicy.flags[0]: unknown memory policy flag 'MPOL_F_NODE'");
	exact("timeOffsets without a time namespace", L("'namespaces':[{'type':'pid'}],'timeOffsets':{'monotonic':{'secs':1}}"),
	      "linux.timeOffsets: given without a new time namespace in linux.namespaces");
	exact("timeOffsets with a joined time namespace", L("'namespaces':[{'type':'time','path':'/proc/1/ns/time'}],'timeOffsets':{'boottime':{}}"),
	      "linux.timeOffsets: given without a new time namespace in linux.namespaces");
	exact("timeOffsets nanosecs too big", L("'namespaces':[{'type':'time'}],'timeOffsets':{'boottime':{'nanosecs':1000000000}}"),
	      "linux.timeOffsets.boottime.nanosecs: 1000000000 is out of range (0 to 999999999)");
}

/* ---- spec_check_supported, spec_default_json, spec_load ------------------------------ */

static void supported(void)
{
	support("implemented features pass",
		"{" B ",'process':{'cwd':'/','args':['sh'],'capabilities':{'bounding':['CAP_KILL']},'noNewPrivileges':true,"
		"'rlimits':[{'type':'RLIMIT_NOFILE','soft':1,'hard':2}],'oomScoreAdj':-5,'apparmorProfile':'','selinuxLabel':''},"
		"'hooks':{'prestart':[{'path':'/bin/true'}]},'linux':{'sysctl':{'a.b':'1'},'maskedPaths':['/a'],"
		"'readonlyPaths':['/b'],'devices':[{'type':'c','path':'/dev/x','major':1,'minor':3}],'mountLabel':'',"
		"'namespaces':[{'type':'user'}],'uidMappings':[{'containerID':0,'hostID':1000,'size':1}],"
		"'gidMappings':[{'containerID':0,'hostID':1000,'size':1}],'resources':{'devices':[{'allow':false}]},'seccomp':{'defaultAction':'SCMP_ACT_ALLOW'}}}", "");
	const char *unsup[][2] = {
		{L("'intelRdt':{'closID':'x'}"), "linux.intelRdt"},
	};
	for (size_t i = 0; i < sizeof(unsup) / sizeof(unsup[0]); i++) {
		char name[128], want[128];
		snprintf(name, sizeof(name), "unsupported: %s", unsup[i][1]);
		snprintf(want, sizeof(want), "config.json: %s: not supported yet", unsup[i][1]);
		support(name, unsup[i][0], want);
	}
	support("implemented: process.selinuxLabel", P("'selinuxLabel':'x'"), "");
	support("implemented: linux.mountLabel", L("'mountLabel':'x'"), "");
	support("implemented: process.scheduler", P("'scheduler':{'policy':'SCHED_BATCH'}"), "");
	support("implemented: process.execCPUAffinity", P("'execCPUAffinity':{'initial':'0'}"), "");
	support("implemented: linux.timeOffsets", L("'timeOffsets':{}"), "");
	support("implemented: linux.memoryPolicy", L("'memoryPolicy':{'mode':'MPOL_BIND','nodes':'0'}"), "");
	support("implemented: linux.netDevices", L("'netDevices':{'eth0':{}}"), "");
	const char *limits[][2] = {
		{R("'devices':[],'memory':{'limit':1}"), "linux.resources.memory.limit"},
		{R("'memory':{'swap':null,'disableOOMKiller':false}"), "linux.resources.memory.disableOOMKiller"},
		{R("'cpu':{},'pids':{'limit':10}"), "linux.resources.pids.limit"},
		{R("'cpu':{'cpus':'0'}"), "linux.resources.cpu.cpus"},
		{R("'blockIO':{'throttleReadBpsDevice':[{'major':8,'minor':0,'rate':1}]}"), "linux.resources.blockIO.throttleReadBpsDevice"},
		{R("'hugepageLimits':[{'pageSize':'2MB','limit':1}]"), "linux.resources.hugepageLimits"},
		{R("'rdma':{'m':{'hcaObjects':1}}"), "linux.resources.rdma"},
		{R("'unified':{'memory.max':'1'}"), "linux.resources.unified"},
	};
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		char name[128], want[200];
		/* limits pass here: cgroup_apply checks them against the cgroup */
		snprintf(name, sizeof(name), "limit passes: %s", limits[i][1]);
		snprintf(want, sizeof(want), "%s", "");
		support(name, limits[i][0], want);
	}
	support("unsupported: linux.resources.network", R("'network':{'classID':1}"),
		"config.json: linux.resources.network: not supported (net_cls and net_prio exist only in cgroup v1)");
	support("empty resources pass", R("'memory':{},'hugepageLimits':[],'unified':{}"), "");
#define MAPS "'uidMappings':[{'containerID':0,'hostID':1,'size':1}],'gidMappings':[{'containerID':0,'hostID':1,'size':1}]"
	support("idmapped bind: mappings, no user namespace (runc 1.2)",
		"{" B ",'mounts':[{'destination':'/a'},{'destination':'/b','type':'bind','source':'/x'," MAPS "}]}", "");
	support("idmapped rbind: ridmap and mappings", "{" B ",'mounts':[{'destination':'/b','source':'/x','options':['rbind','ridmap']," MAPS "}]}", "");
	support("idmap option: the container's user namespace",
		"{" B ",'mounts':[{'destination':'/b','source':'/x','options':['bind','idmap']}],'linux':{'namespaces':[{'type':'user'}]}}", "");
	support("idmap option without a user namespace", "{" B ",'mounts':[{'destination':'/b','options':['rbind','idmap']}]}",
		"config.json: mounts[0].options: 'idmap' without uidMappings and gidMappings needs a user namespace in "
		"linux.namespaces (it takes the mapping from it)");
	support("idmapped tmpfs", "{" B ",'mounts':[{'destination':'/a'},{'destination':'/b','type':'tmpfs'," MAPS "}]}",
		"config.json: mounts[1]: only a bind mount can be idmapped (this one has type 'tmpfs')");
	support("idmapped remount", "{" B ",'mounts':[{'destination':'/b','type':'bind','options':['remount','ridmap']," MAPS "}]}",
		"config.json: mounts[0]: a remount cannot be idmapped");
#undef MAPS
}

static void default_config(bool rootless, bool cgroup_ns)
{
	char name[80];
	struct spec s;
	struct husk_err e = {0};
	snprintf(name, sizeof(name), "default config (rootless %d, cgroup ns %d)", rootless, cgroup_ns);
	char *t = spec_default_json(rootless, cgroup_ns, &e);
	if (!t)
		return report(name, false, e.msg);
	const char *want = "{\n\t\"ociVersion\": \"1.3.0\",\n\t\"process\": {\n\t\t\"terminal\": true,";
	bool head = !strncmp(t, want, strlen(want));
	bool tail = t[strlen(t) - 1] == '}';
	if (spec_parse(&s, t, strlen(t), &e) < 0 || spec_check_supported(&s, &e) < 0)
		return report(name, false, e.msg);
	const struct linux_cfg *l = &s.linux;
	bool user = l->n_namespaces && l->namespaces[l->n_namespaces - 1].type == CLONE_NEWUSER;
	bool cg = false, net = false;
	for (size_t i = 0; i < l->n_namespaces; i++)
		cg |= l->namespaces[i].type == CLONE_NEWCGROUP, net |= l->namespaces[i].type == CLONE_NEWNET;
	bool good = head && tail && !strcmp(s.hostname, "husk") && user == rootless && net == !rootless &&
		    cg == cgroup_ns && s.n_mounts == 7 && s.process.caps.ambient == 0 &&
		    s.process.caps.bounding == (bit(29) | bit(5) | bit(10)) && l->masked_paths.n == 10;
	if (rootless)
		good = good && l->uid_mappings.n == 1 && l->uid_mappings.v[0].host_id == geteuid() &&
		       !strcmp(s.mounts[5].type, "none") && s.mounts[2].options.n == 5 && !s.linux.resources.present;
	else
		good = good && s.linux.resources.n_devices == 1 && s.mounts[2].options.n == 6 && !l->uid_mappings.n;
	report(name, good, "unexpected content");
	spec_free(&s);
}

static void loading(void)
{
	struct spec s;
	struct husk_err e = {0};
	char dir[] = "/tmp/unit_spec.XXXXXX", path[64];
	report("spec_load missing file", spec_load(&s, "/nonexistent", &e) < 0 && e.errnum == ENOENT &&
						 !strcmp(e.msg, "config.json: open /nonexistent/config.json"), e.msg);
	if (!mkdtemp(dir))
		return report("spec_load", false, "mkdtemp");
	snprintf(path, sizeof(path), "%s/config.json", dir);
	const char bad_cfg[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"},\"process\":{\"cwd\":\"/\",\"args\":\"sh\"}}";
	write_file_atomic_at(AT_FDCWD, path, bad_cfg, sizeof(bad_cfg) - 1, 0644, &e);
	report("spec_load wraps errors", spec_load(&s, dir, &e) < 0 &&
		       !strcmp(e.msg, "config.json: process.args: expected an array, got a string"), e.msg);
	const char good_cfg[] = "{\"ociVersion\":\"1.0.0\",\"root\":{\"path\":\"r\"}}\n";
	write_file_atomic_at(AT_FDCWD, path, good_cfg, sizeof(good_cfg) - 1, 0644, &e);
	bool r = spec_load(&s, dir, &e) == 0;
	report("spec_load", r && !strcmp(s.root_path, "r") && !s.has_process, e.msg);
	if (r)
		spec_free(&s);
	unlink(path);
	rmdir(dir);
	report("spec_ns_name", !strcmp(spec_ns_name(CLONE_NEWNET), "network") &&
				       !strcmp(spec_ns_name(CLONE_NEWNS), "mount"), "");
}

/* ---- linux.sysctl: which keys a container may set (sysctl.c) --------------- */

/* sysctl_check_key(key, own) accepts it (want NULL) or says exactly want. */
static void key(const char *k, unsigned own, const char *want)
{
	struct husk_err e = {0};
	char name[160];
	snprintf(name, sizeof(name), "sysctl %s (own %u)", k, own);
	for (char *p = name; *p; p++)
		if ((unsigned char)*p < ' ')
			*p = '?';
	int r = sysctl_check_key(k, own, &e);
	if (!want)
		return report(name, r == 0, e.msg);
	report(name, r < 0 && !strcmp(e.msg, want), r < 0 ? e.msg : "accepted");
}

/* The whole config through sysctl_check: accepted (want NULL) or want in the message. */
static void sysctl_cfg(const char *name, const char *json, const char *want)
{
	struct spec s;
	struct husk_err e = {0};
	if (parse_q(&s, json, &e) < 0)
		return report(name, false, e.msg);
	int r = sysctl_check(&s, &e);
	spec_free(&s);
	if (!want)
		return report(name, r == 0, e.msg);
	report(name, r < 0 && strstr(e.msg, want) != NULL, r < 0 ? e.msg : "accepted");
}

static void sysctls(void)
{
	const unsigned all = SYSCTL_OWN_IPC | SYSCTL_OWN_NET | SYSCTL_OWN_UTS;
	/* issue 14 F2: global keys, whatever the namespaces */
	key("kernel.printk_ratelimit", all,
	    "sysctl \"kernel.printk_ratelimit\" is not in a separate kernel namespace");
	key("kernel.core_pattern", all, "sysctl \"kernel.core_pattern\" is not in a separate kernel namespace");
	key("vm.overcommit_memory", all, "sysctl \"vm.overcommit_memory\" is not in a separate kernel namespace");
	key("fs.file-max", all, "sysctl \"fs.file-max\" is not in a separate kernel namespace");
	key("kernel.nosuchknob", all, "sysctl \"kernel.nosuchknob\" is not in a separate kernel namespace");
	key("kernel", all, "sysctl \"kernel\" is not in a separate kernel namespace");
	key("netfilter.x", all, "sysctl \"netfilter.x\" is not in a separate kernel namespace");
	/* net.*: a network namespace of its own */
	key("net.ipv4.conf.lo.accept_local", 0,
	    "sysctl \"net.ipv4.conf.lo.accept_local\" not allowed in host network namespace");
	key("net.core.somaxconn", SYSCTL_OWN_IPC | SYSCTL_OWN_UTS,
	    "sysctl \"net.core.somaxconn\" not allowed in host network namespace");
	key("net.core.somaxconn", SYSCTL_OWN_NET, NULL);
	key("net.ipv4.ip_forward", SYSCTL_OWN_NET, NULL);
	key("net.ipv4.conf.eth0-1.forwarding", SYSCTL_OWN_NET, NULL);
	key("net", SYSCTL_OWN_NET, "sysctl \"net\" is not in a separate kernel namespace");
	/* IPC: the SysV knobs and fs.mqueue.* */
	const char *ipc[] = {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
			     "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced",
			     "fs.mqueue.msg_max", "fs.mqueue.queues_max"};
	for (size_t i = 0; i < sizeof(ipc) / sizeof(ipc[0]); i++) {
		char want[128];
		snprintf(want, sizeof(want), "sysctl \"%s\" is not allowed in the host's ipc namespace", ipc[i]);
		key(ipc[i], SYSCTL_OWN_IPC, NULL);
		key(ipc[i], SYSCTL_OWN_NET | SYSCTL_OWN_UTS, want);
	}
	key("kernel.shm_next_id", all, "sysctl \"kernel.shm_next_id\" is not in a separate kernel namespace");
	key("fs.mqueue", SYSCTL_OWN_IPC, "sysctl \"fs.mqueue\" is not in a separate kernel namespace");
	key("kernel.shmmax.x", SYSCTL_OWN_IPC, "sysctl \"kernel.shmmax.x\" is not in a separate kernel namespace");
	/* UTS */
	key("kernel.hostname", SYSCTL_OWN_UTS, NULL);
	key("kernel.domainname", SYSCTL_OWN_UTS, NULL);
	key("kernel.hostname", SYSCTL_OWN_IPC | SYSCTL_OWN_NET,
	    "sysctl \"kernel.hostname\" is not in a separate kernel namespace");
	key("kernel.domainname", 0, "sysctl \"kernel.domainname\" is not in a separate kernel namespace");
	/* names that would not be one file below /proc/sys */
	key("", all, "sysctl \"\": empty name");
	key("net..core.somaxconn", all, "sysctl \"net..core.somaxconn\": empty component in the name");
	key("net.core.", all, "sysctl \"net.core.\": empty component in the name");
	key(".net.core", all, "sysctl \".net.core\": empty component in the name");
	key("net.....kernel.printk_ratelimit", all,
	    "sysctl \"net.....kernel.printk_ratelimit\": empty component in the name");
	key("net/../kernel/printk_ratelimit", all,
	    "sysctl \"net/../kernel/printk_ratelimit\": '/' in the name (components are separated by '.')");
	key("net.ipv4/../../kernel.printk_ratelimit", all,
	    "sysctl \"net.ipv4/../../kernel.printk_ratelimit\": '/' in the name (components are separated by '.')");
	key("net.core.somaxconn/", all,
	    "sysctl \"net.core.somaxconn/\": '/' in the name (components are separated by '.')");
	key("net.core.some maxconn", all, "sysctl \"net.core.some maxconn\": space or control character in the name");
	key("net.core.x\ny", all, "sysctl \"net.core.x?y\": space or control character in the name");
	/* from a config: the namespaces decide */
#define NS(l, sysctl) "{'ociVersion':'1.0.0','root':{'path':'r'},'linux':{'namespaces':[" l "],'sysctl':{" sysctl "}}}"
	sysctl_cfg("sysctl F2 config", NS("{'type':'mount'},{'type':'pid'}",
					  "'kernel.printk_ratelimit':'9','net.ipv4.conf.lo.accept_local':'1'"),
		   "config.json: linux.sysctl: sysctl \"kernel.printk_ratelimit\" is not in a separate kernel namespace");
	sysctl_cfg("sysctl net without netns", NS("{'type':'mount'},{'type':'ipc'},{'type':'uts'}",
						  "'net.ipv4.ip_forward':'1'"),
		   "sysctl \"net.ipv4.ip_forward\" not allowed in host network namespace");
	sysctl_cfg("sysctl net with netns", NS("{'type':'mount'},{'type':'network'}", "'net.ipv4.ip_forward':'1'"), NULL);
	sysctl_cfg("sysctl ipc with ipcns", NS("{'type':'ipc'}", "'kernel.shmmax':'1','fs.mqueue.msg_max':'9'"), NULL);
	sysctl_cfg("sysctl ipc without ipcns", NS("{'type':'network'}", "'kernel.shmmax':'1'"),
		   "sysctl \"kernel.shmmax\" is not allowed in the host's ipc namespace");
	sysctl_cfg("sysctl uts", NS("{'type':'uts'}", "'kernel.domainname':'x'"), NULL);
	sysctl_cfg("sysctl none", NS("", ""), NULL);
	/* joined by path: husk's own namespace is the host's */
	sysctl_cfg("sysctl host netns by path", NS("{'type':'network','path':'/proc/self/ns/net'}",
						   "'net.ipv4.ip_forward':'1'"),
		   "not allowed in host network namespace");
	sysctl_cfg("sysctl host ipcns by path", NS("{'type':'ipc','path':'/proc/self/ns/ipc'}", "'kernel.sem':'1'"),
		   "not allowed in the host's ipc namespace");
	sysctl_cfg("sysctl missing netns path", NS("{'type':'network','path':'/nonexistent/ns'}",
						   "'net.ipv4.ip_forward':'1'"),
		   "config.json: linux.namespaces[0]: net namespace /nonexistent/ns");
#undef NS
}

/* util.c's field() and field_u64(), husk's replacement for sscanf over
 * mountinfo, /proc/PID/stat and cgroup files. */
static void fields(void)
{
	const char *mi = "36 35 98:0 /mnt1 /mnt\\040x rw,noatime master:1 - ext3 /dev/root rw\n";
	char b[16];
	unsigned long long v;
	report("field 0", field(mi, 0, b, sizeof(b)) == 0 && !strcmp(b, "36"), b);
	report("field 4", field(mi, 4, b, sizeof(b)) == 0 && !strcmp(b, "/mnt\\040x"), b);
	report("field past the end", field(mi, 11, b, sizeof(b)) < 0, "");
	report("field too long", field("0123456789abcdef", 0, b, sizeof(b)) < 0, "");
	report("field fits", field("0123456789abcde", 0, b, sizeof(b)) == 0, "");
	report("field blanks", field(" \t a\t\tb \n", 1, b, sizeof(b)) == 0 && !strcmp(b, "b"), b);
	report("field empty", field("", 0, b, sizeof(b)) < 0 && field(" \n", 0, b, sizeof(b)) < 0, "");
	report("u64 big", field_u64("x 18446744073709551615", 1, 10, &v) == 0 && v == UINT64_MAX, "");
	report("u64 overflow", field_u64("18446744073709551616", 0, 10, &v) < 0, "");
	report("u64 hex", field_u64("00e9", 0, 16, &v) == 0 && v == 0xe9, "");
	report("u64 junk", field_u64("12x", 0, 10, &v) < 0 && field_u64("-1", 0, 10, &v) < 0 &&
			       field_u64("+1", 0, 10, &v) < 0, "");
	report("u64 missing", field_u64("1", 1, 10, &v) < 0, "");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0); /* lines whole among the parser's warnings */
	spec_examples(argc, argv);
	types_and_required();
	linux_cases();
	numbers();
	exact_messages();
	deep_and_big();
	syntax();
	strings_and_duplicates();
	process_kernel_values();
	process_kernel_errors();
	supported();
	for (int i = 0; i < 4; i++)
		default_config(i & 1, i & 2);
	loading();
	sysctls();
	fields();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
