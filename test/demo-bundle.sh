#!/bin/sh
# demo-bundle.sh DIR [ARCH]: the demo's bundle in DIR (what `make demo` runs
# and what `make initramfs` puts in the kit by default): config.json from the
# host's ./husk spec with the terminal off and a visible program, and rootfs,
# a link to a busybox rootfs for ARCH (the host's by default): the tests'
# (test/rootfs.sh, build/rootfs) or, for another ARCH, busybox-static:ARCH
# alone (build/ARCH/rootfs).
# Exit status: 0, 1 with one line on stderr.
cd "$(dirname "$0")/.." || exit 1
top=$PWD
dir=$1 arch=${2:-$(dpkg --print-architecture)}
die() { echo "demo-bundle.sh: $*" >&2; exit 1; }
[ -n "$dir" ] || die "usage: demo-bundle.sh DIR [ARCH]"
[ -x husk ] || die "no ./husk (run make)"
if [ "$arch" = "$(dpkg --print-architecture)" ]; then
	rootfs=$top/build/rootfs
	sh test/rootfs.sh "$rootfs" || die "test/rootfs.sh failed"
else
	# test/rootfs.sh cannot list a foreign busybox's applets nor build the
	# probe for another architecture yet: busybox alone, with its links.
	busybox=$(sh test/busybox-arch.sh "$arch") || exit 1
	rootfs=$top/build/$arch/rootfs
	if ! [ "$rootfs/bin/busybox" -nt "$busybox" ]; then
		rm -rf "$rootfs" && sh kit/busybox-install.sh "$busybox" "$rootfs" &&
			mkdir -p "$rootfs/proc" "$rootfs/sys" "$rootfs/dev" "$rootfs/tmp" || die "cannot make $rootfs"
	fi
fi
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || die "cannot make $dir"
"$top/husk" spec || die "husk spec failed"
ln -s "$rootfs" rootfs
# runc's default config has terminal true and args ["sh"]: edit both
# (no jq on the target; husk spec writes one field per line). The program
# prints the time since boot first (CLOCK_BOOTTIME, 10 ms: /proc/uptime).
sed -e 's/"terminal":[[:space:]]*true/"terminal": false/' config.json >config.tmp
awk '
	/"args"[[:space:]]*:[[:space:]]*\[/ {
		print "\t\t\"args\": [\"sh\", \"-c\", \"read up _ </proc/uptime; echo hello from husk, $up s after boot; uname -a; id; cat /proc/self/cgroup; hostname; ls /\"],"
		skip = !/\]/
		next
	}
	skip { if (/\]/) skip = 0; next }
	{ print }' config.tmp >config.json
rm config.tmp
grep -q 'hello from husk' config.json && grep -q '"terminal": false' config.json || die "could not edit $dir/config.json"
