#!/bin/sh
# busybox-arch.sh ARCH: prints the path of a static busybox for ARCH (a
# Debian architecture name). The host's own is /bin/busybox (busybox-static);
# any other comes from busybox-static:ARCH, which cannot be installed beside
# the host's (the two conflict), so it is fetched with `apt-get download`
# and unpacked into build/ARCH/busybox-static/ once (cached).
# Run from anywhere; exit 1 with one line on stderr when it cannot.
cd "$(dirname "$0")/.." || exit 1
arch=$1
die() { echo "busybox-arch.sh: $*" >&2; exit 1; }
[ -n "$arch" ] || die "usage: busybox-arch.sh ARCH"
if [ "$arch" = "$(dpkg --print-architecture)" ]; then
	[ -x /bin/busybox ] || sh test/deps.sh busybox-static >&2 || die "busybox-static is not installed"
	echo /bin/busybox
	exit 0
fi
dpkg-architecture -a"$arch" >/dev/null 2>&1 || die "ARCH=$arch: not an architecture dpkg-architecture knows"
dir=build/$arch/busybox-static
if ! [ -x "$dir/bin/busybox" ]; then
	rm -rf "$dir.dl" && mkdir -p "$dir.dl" || exit 1
	get() { (cd "$dir.dl" && apt-get download "busybox-static:$arch" >/dev/null 2>&1); }
	get || { apt-get update -q >/dev/null 2>&1 && get; } ||
		die "cannot download busybox-static:$arch (is $arch in dpkg --print-foreign-architectures?)"
	rm -rf "$dir" && dpkg-deb -x "$dir.dl"/*.deb "$dir" && rm -rf "$dir.dl" || die "dpkg-deb failed"
	[ -x "$dir/bin/busybox" ] || die "busybox-static:$arch has no bin/busybox"
fi
echo "$PWD/$dir/bin/busybox"
