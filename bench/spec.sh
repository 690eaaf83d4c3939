#!/bin/sh
# spec.sh DIR ROOTFS: the benchmarks' config.json in DIR (bench.sh,
# memmin.sh, arch.sh): `runc spec`, args /bin/true, terminal false, root.path
# ROOTFS (written as given, so a placeholder works). The spec's ambient
# capabilities are not in its inheritable set, and an ambient raise needs
# both (husk refuses the bundle, crun and runc go on); inheritable = the same
# three caps makes the raise valid for all three. Exit 1 with one line on stderr.
dir=$1 rootfs=$2
die() { echo "spec.sh: $*" >&2; exit 1; }
[ -n "$dir" ] && [ -n "$rootfs" ] || die "usage: spec.sh DIR ROOTFS"
command -v runc >/dev/null 2>&1 || sh "$(dirname "$0")/../test/deps.sh" runc >&2 || die "runc (for runc spec) could not be installed"
rm -rf "$dir" && mkdir -p "$dir" && (cd "$dir" && runc spec) || die "runc spec failed in $dir"
sed -i -e 's/"terminal": true/"terminal": false/' \
	-e 's/^\([[:space:]]*\)"sh"$/\1"\/bin\/true"/' \
	-e "s#\"path\": \"rootfs\"#\"path\": \"$rootfs\"#" \
	-e 's/"bounding": \[/"inheritable": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],\n\t\t\t"bounding": [/' \
	"$dir/config.json"
grep -q '"/bin/true"' "$dir/config.json" && grep -q '"terminal": false' "$dir/config.json" &&
	grep -q "\"path\": \"$rootfs\"" "$dir/config.json" && grep -q inheritable "$dir/config.json" ||
	die "could not edit $dir/config.json"
