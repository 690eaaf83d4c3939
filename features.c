/* features.c: `husk features`, what this husk implements (features.md).
 * Each part comes from the table the code that does it uses (the parser,
 * the mounts, seccomp, idmap), so it cannot claim what they would refuse. */
#include "husk.h"

#include <seccomp.h>
#include <stdio.h>

int cmd_features(int argc, char **argv, struct husk_err *e)
{
	const struct opt t[] = {OPT_END};
	struct args a;
	if (parse_opts(t, argc, argv, &a, 0, e) < 0)
		return -1;
	FILE *f = stdout;
	fprintf(f, "{\"ociVersionMin\": \"1.0.0\", \"ociVersionMax\": \"%s\",\n", HUSK_SPEC_VERSION);
	fputs(" \"hooks\": [\"prestart\", \"createRuntime\", \"createContainer\", "
	      "\"startContainer\", \"poststart\", \"poststop\"],\n ", f);
	mount_features(f);
	fputs(",\n \"linux\": {", f);
	spec_features(f);
	fputs(", ", f);
	seccomp_features(f);
	fputs("},\n  \"apparmor\": {\"enabled\": true}, \"selinux\": {\"enabled\": true},\n"
	      "  \"cgroup\": {\"v1\": false, \"v2\": true, \"systemd\": "
#ifdef HUSK_NO_SYSTEMD
	      "false"
#else
	      "true"
#endif
	      ", \"systemdUser\": false, \"rdma\": true},\n"
	      "  \"intelRdt\": {\"enabled\": false}, ", f);
	/* idmapped mounts (idmap.c), where the kernel has mount_setattr */
	fprintf(f, "\"mountExtensions\": {\"idmap\": {\"enabled\": %s}},\n"
		   "  \"netDevices\": {\"enabled\": true}},\n", idmap_supported() ? "true" : "false");
	fprintf(f, " \"annotations\": {\"org.husk.version\": \"%s\", "
		   "\"io.github.seccomp.libseccomp.version\": \"%u.%u.%u\"}}\n",
		HUSK_VERSION, seccomp_version()->major, seccomp_version()->minor,
		seccomp_version()->micro);
	return 0;
}
