#!/bin/sh
# podman-seccomp.sh OUT CAP...: podman's default seccomp profile as the OCI
# linux.seccomp object podman puts in config.json, for this architecture and
# these capabilities, in OUT (bench.sh's "podman's profile" rows).
# The profile is containers-common's /usr/share/containers/seccomp.json
# (Debian: golang-github-containers-common). When it is not installed, the
# package is fetched with apt-get download and unpacked with dpkg -x under
# build/bench/containers-common; nothing is installed. The conversion follows
# podman's (containers/common pkg/seccomp): a rule stays when every capability
# and the architecture it includes are there and nothing it excludes is;
# architectures = this one and its archMap sub-architectures.
# Exit 1 with one line on stderr.
out=$1
shift
die() { echo "podman-seccomp.sh: $*" >&2; exit 1; }
[ -n "$out" ] || die "usage: podman-seccomp.sh OUT CAP..."
command -v jq >/dev/null 2>&1 || die "jq is needed (apt-get install jq)"
top=$(cd "$(dirname "$0")/.." && pwd)
src=/usr/share/containers/seccomp.json
if ! [ -s "$src" ]; then
	d=$top/build/bench/containers-common
	src=$d/x/usr/share/containers/seccomp.json
	if ! [ -s "$src" ]; then
		rm -rf "$d" && mkdir -p "$d" &&
			(cd "$d" && apt-get download golang-github-containers-common >/dev/null 2>&1) &&
			dpkg -x "$d"/golang-github-containers-common_*.deb "$d/x" || die "could not fetch golang-github-containers-common"
	fi
fi
case $(uname -m) in
x86_64) arch=amd64 scmp=SCMP_ARCH_X86_64 ;;
aarch64) arch=arm64 scmp=SCMP_ARCH_AARCH64 ;;
arm*) arch=arm scmp=SCMP_ARCH_ARM ;;
*) die "no mapping for $(uname -m)" ;;
esac
caps=$(printf '%s\n' "$@" | jq -R . | jq -s .)
jq --arg arch "$arch" --arg scmp "$scmp" --argjson caps "$caps" '
	def has($l; $x): ($l | index([$x])) != null;
	{defaultAction, defaultErrnoRet,
	 architectures: [.archMap[] | select(.architecture == $scmp) | .architecture, .subArchitectures[]],
	 syscalls: [.syscalls[]
		| select(all((.includes.caps // [])[]; has($caps; .)))
		| select((.includes.arches // []) as $a | ($a | length) == 0 or has($a; $arch))
		| select(any((.excludes.caps // [])[]; has($caps; .)) | not)
		| select(has(.excludes.arches // []; $arch) | not)
		| {names, action}
		  + (if .errnoRet then {errnoRet} else {} end)
		  + (if (.args // []) | length > 0 then {args} else {} end)]}' "$src" >"$out.tmp" &&
	mv "$out.tmp" "$out" || die "could not convert $src"
