#!/bin/sh
# demo.sh: what `make demo` runs. Builds the test rootfs, makes a bundle
# with `husk spec` in build/demo, turns the terminal off, sets a visible
# command, and runs it in the foreground with its own --root.
# Exit status: the container's.
set -e
cd "$(dirname "$0")/.."
husk=$PWD/husk
sh test/rootfs.sh build/rootfs
rm -rf build/demo
mkdir -p build/demo
cd build/demo
"$husk" spec
ln -s ../rootfs rootfs
# runc's default config has terminal true and args ["sh"]: edit both
# (no jq on the target; husk spec writes one field per line).
sed -e 's/"terminal":[[:space:]]*true/"terminal": false/' config.json >config.tmp
awk '
	/"args"[[:space:]]*:[[:space:]]*\[/ {
		print "\t\t\"args\": [\"sh\", \"-c\", \"echo hello from husk; uname -a; id; cat /proc/self/cgroup; hostname; ls /\"],"
		skip = !/\]/
		next
	}
	skip { if (/\]/) skip = 0; next }
	{ print }' config.tmp >config.json
rm config.tmp
set +e
"$husk" --root ../demo-state run "demo-$$"
status=$?
echo "(container exited with status $status)"
exit "$status"
