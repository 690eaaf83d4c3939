/* unit_dbus.c: husk's D-Bus wire code (dbus.c) and the systemd driver's
 * names and properties (systemd.c), against the reference implementation:
 * a private dbus-daemon (Debian's dbus-daemon, started here on a socket of
 * its own) answers Hello, GetId, AddMatch and an unknown method, and
 * checks every message it relays against its signature: a StartTransientUnit
 * husk lays out reaches "no such service" (no systemd on that bus) instead
 * of a dropped connection only if it is well-formed. The slice and unit
 * names are checked against what systemd and runc make of them.
 * Run from the repository root (make build/unit_dbus). */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../systemd.c"

/* util.c's logging reads these; runtime.c defines them in the real binary. */
const char *opt_log;
bool opt_log_json, opt_debug, opt_systemd;

/* cgroup.c's conversions, as it makes them (the driver's own code is what
 * is under test here, not cgroup.c's, which the integration tests cover). */
int cgroup_mount(char *out, size_t len)
{
	snprintf(out, len, "/sys/fs/cgroup");
	return 0;
}
int cgroup_swap_v2(int64_t swap, int64_t mem, int64_t *out, struct husk_err *e)
{
	(void)e;
	*out = swap - mem;
	return 0;
}
uint64_t cgroup_cpu_weight(int64_t shares)
{
	return (uint64_t)shares;
}
uint64_t cgroup_io_weight(int64_t w)
{
	return (uint64_t)w;
}

static int passed, failed;

static void report(const char *name, bool ok, const char *detail)
{
	if (ok)
		passed++, printf("PASS: %s\n", name);
	else
		failed++, printf("FAIL: %s (%s)\n", name, detail);
}

static void names(void)
{
	static const struct {
		const char *path, *id, *unit, *rel; /* rel NULL: refused */
	} t[] = {
		{"system.slice:libpod:abc", "x", "libpod-abc.scope", "/system.slice/libpod-abc.scope"},
		{"machine.slice:libpod:0123", "x", "libpod-0123.scope", "/machine.slice/libpod-0123.scope"},
		{"kubepods-besteffort-pod1.slice:cri-containerd:c1", "x", "cri-containerd-c1.scope",
		 "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1.slice/cri-containerd-c1.scope"},
		{":cri-containerd:c1", "x", "cri-containerd-c1.scope", "/system.slice/cri-containerd-c1.scope"},
		{"-.slice:p:n", "x", "p-n.scope", "/p-n.scope"},
		{"system.slice::n", "x", "n.scope", "/system.slice/n.scope"},
		{"", "myid", "husk-myid.scope", "/system.slice/husk-myid.scope"},
		{"a:b", "x", NULL, NULL},
		{"a.slice:b:c:d", "x", NULL, NULL},
		{"a--b.slice:p:n", "x", NULL, NULL},
		{"-a.slice:p:n", "x", NULL, NULL},
		{"a-.slice:p:n", "x", NULL, NULL},
		{".slice:p:n", "x", NULL, NULL},
		{"a/b.slice:p:n", "x", NULL, NULL},
		{"../../x.slice:p:n", "x", NULL, NULL},
		{"system.slice:p:../n", "x", NULL, NULL},
		{"system.slice:p:n.slice", "x", NULL, NULL},
		{"system.slice:p:\n", "x", NULL, NULL},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct spec s = {0};
		s.linux.cgroups_path = (char *)t[i].path;
		char unit[256] = "", rel[2048] = "", slice[256], name[128], got[2900];
		struct husk_err e = {0};
		int r = unit_of(&s, t[i].id, unit, sizeof(unit), rel, sizeof(rel), slice, sizeof(slice), &e);
		snprintf(name, sizeof(name), "cgroupsPath \"%s\"", t[i].path);
		snprintf(got, sizeof(got), "got %d: %s %s (%s)", r, unit, rel, e.msg);
		if (!t[i].rel)
			report(name, r < 0 && e.msg[0], got);
		else
			report(name, r == 0 && !strcmp(unit, t[i].unit) && !strcmp(rel, t[i].rel), got);
	}
}

/* AllowedCPUs: bit i of byte i/8, as many bytes as the highest CPU needs. */
static void bits(void)
{
	static const struct {
		const char *list;
		int len; /* -1: refused */
		uint8_t b[4];
	} t[] = {{"0", 1, {0x01}}, {"0-3,8", 2, {0x0f, 0x01}}, {"1,3,5-6", 1, {0x6a}},
		 {"31", 4, {0, 0, 0, 0x80}}, {"3-1", -1, {0}}, {"a", -1, {0}}, {"1,", -1, {0}},
		 {"-1", -1, {0}}, {"1-", -1, {0}}, {"4096", -1, {0}}, {"0 1", -1, {0}}};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct dbuf d = {.n = 0};
		struct husk_err e = {0};
		char name[64];
		snprintf(name, sizeof(name), "cpu list \"%s\"", t[i].list);
		int r = prop_bits(&d, "AllowedCPUs", "f", t[i].list, &e);
		/* name (4 + 11 + 1 -> 16), signature "ay" (4), array length at 20, bytes at 24 */
		uint32_t len = 0;
		if (r == 0)
			memcpy(&len, d.b + 20, 4);
		bool ok = t[i].len < 0 ? r < 0 :
			  r == 0 && len == (uint32_t)t[i].len && !memcmp(d.b + 24, t[i].b, len);
		report(name, ok, e.msg[0] ? e.msg : "wrong bytes");
	}
}

/* Malformed messages: dbus_parse must refuse them, never read past len. */
static void parse_bad(void)
{
	uint8_t m[64] = {'l', 2, 0, 1};
	struct dbus_msg msg = {0};
	uint32_t v = 0;
	memcpy(m + 4, &v, 4);
	v = 1;
	memcpy(m + 8, &v, 4);
	v = 200; /* header fields longer than the message */
	memcpy(m + 12, &v, 4);
	report("header fields past the end", dbus_msg_len(m) != 16 || dbus_parse(m, 16, &msg) < 0, "parsed");
	v = 8; /* one field: code 1, signature "o", string length past the end */
	memcpy(m + 12, &v, 4);
	memcpy(m + 16, "\x01\x01o\0\xff\xff\x00\x00", 8);
	report("a string past the end", dbus_parse(m, 24, &msg) < 0, "parsed");
	m[0] = __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__ ? 'B' : 'l';
	report("the other byte order", dbus_msg_len(m) == 0, "accepted");
}

/* ---- against dbus-daemon ----------------------------------------------------- */

static pid_t daemon_pid;

static int start_daemon(const char *dir, char *sock, size_t len)
{
	char conf[512];
	snprintf(sock, len, "%s/bus", dir);
	snprintf(conf, sizeof(conf), "%s/bus.conf", dir);
	FILE *f = fopen(conf, "w");
	if (!f)
		return -1;
	fprintf(f, "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
		   " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
		   "<busconfig><type>session</type><listen>unix:path=%s</listen>\n"
		   "<auth>EXTERNAL</auth><policy context=\"default\"><allow send_destination=\"*\" "
		   "eavesdrop=\"true\"/><allow eavesdrop=\"true\"/><allow own=\"*\"/></policy>"
		   "</busconfig>\n", sock);
	fclose(f);
	daemon_pid = fork();
	if (daemon_pid == 0) {
		freopen("/dev/null", "w", stderr); /* its notes on fd limits */
		execlp("dbus-daemon", "dbus-daemon", "--nofork", "--nopidfile", "--config-file", conf,
		       (char *)NULL);
		_exit(127);
	}
	/* until it accepts: the socket file exists from bind(), before listen() */
	struct dbus b;
	struct husk_err e;
	for (int i = 0; i < 30000; i++) {
		if (dbus_connect(&b, sock, true, &e) == 0) {
			dbus_close(&b);
			return 0;
		}
		if (waitpid(daemon_pid, NULL, WNOHANG) == daemon_pid)
			return -1;
		nanosleep(&(struct timespec){0, 1000000}, NULL);
	}
	return -1;
}

static void with_daemon(void)
{
	char dir[] = "/tmp/husk-unit-dbus.XXXXXX", sock[256], buf[512];
	if (!mkdtemp(dir) || start_daemon(dir, sock, sizeof(sock)) < 0) {
		printf("SKIP: against dbus-daemon (cannot start dbus-daemon: %s)\n", strerror(errno));
		return;
	}
	struct husk_err e = {0};
	struct dbus b;
	int r = dbus_connect(&b, sock, true, &e);
	report("connect, EXTERNAL, Hello", r == 0, e.msg);
	if (r == 0) {
		struct dbus_msg m;
		r = dbus_call(&b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			      "GetId", NULL, NULL, &m, NULL, NULL, 10000, &e);
		struct drd rd = {.p = r == 0 ? m.body : NULL, .n = r == 0 ? m.body_len : 0};
		const char *id = r == 0 && m.signature && !strcmp(m.signature, "s") ? drd_str(&rd) : NULL;
		report("GetId: a string of 32 hex digits", id && strlen(id) == 32, e.msg);
		if (r == 0)
			free(m.raw);

		r = dbus_call(&b, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			      "NoSuchMethod", NULL, NULL, NULL, NULL, NULL, 10000, &e);
		report("an error reply names the error",
		       r < 0 && strstr(e.msg, "org.freedesktop.DBus.Error.UnknownMethod: "), e.msg);

		/* the driver's own calls, on this bus without systemd */
		bus = b;
		e.msg[0] = 0;
		struct dbuf match = {.n = 0};
		dbuf_str(&match, "type='signal',sender='" SD "',interface='" SD_MANAGER "',member='JobRemoved'");
		r = dbus_call(&bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			      "AddMatch", "s", &match, NULL, NULL, NULL, 10000, &e);
		report("AddMatch with the JobRemoved rule", r == 0, e.msg);

		struct resources res = {0};
		res.memory.limit = 64 << 20;
		res.memory.reservation = UNSET;
		res.memory.swap = 128 << 20;
		res.cpu.shares = 512;
		res.cpu.quota = 50000;
		res.cpu.period = 100000;
		res.cpu.cpus = "0-1";
		res.cpu.mems = "0";
		res.pids_limit = 55;
		res.block_io.weight = 100;
		struct kv u[] = {{"memory.high", "max"}, {"cpu.max", "max 20000"}, {"pids.max", "7"}};
		res.unified.v = u;
		res.unified.n = 3;
		holder = getpid();
		r = start_scope("husk-unit.scope", "system.slice", "unit", &res, &e);
		report("StartTransientUnit is well-formed (dbus-daemon: no such service)",
		       r < 0 && strstr(e.msg, "org.freedesktop.DBus.Error.ServiceUnknown"), e.msg);
		holder = -1;
		r = systemd_set("husk-unit.scope", "/", 0, &res, &e);
		report("SetUnitProperties is well-formed",
		       r < 0 && strstr(e.msg, "org.freedesktop.DBus.Error.ServiceUnknown"), e.msg);
		r = systemd_stop("husk-unit.scope", "/", 0, &e);
		report("StopUnit is well-formed",
		       r < 0 && strstr(e.msg, "org.freedesktop.DBus.Error.ServiceUnknown"), e.msg);
		/* still connected: a malformed message would have cost the connection */
		r = dbus_call(&bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			      "org.freedesktop.DBus", "GetId", NULL, NULL, NULL, NULL, NULL, 10000, &e);
		report("the connection survived every call", r == 0, e.msg);
		dbus_close(&bus);
	}
	r = dbus_connect(&b, "/nonexistent/bus", true, &e);
	snprintf(buf, sizeof(buf), "%d %s", r, e.msg);
	report("no socket: connect fails, naming it", r < 0 && strstr(e.msg, "/nonexistent/bus"), buf);
	kill(daemon_pid, SIGTERM);
	waitpid(daemon_pid, NULL, 0);
	snprintf(buf, sizeof(buf), "rm -rf %s", dir);
	if (system(buf) != 0)
		printf("note: could not remove %s\n", dir);
}

int main(void)
{
	names();
	bits();
	parse_bad();
	with_daemon();
	printf("%d passed, %d failed, 0 skipped\n", passed, failed);
	return failed != 0;
}
