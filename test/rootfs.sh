#!/bin/sh
# rootfs.sh OUT_DIR: build the tests' root filesystem from Debian's
# busybox-static: OUT_DIR/bin/busybox and a link per applet, the usual empty
# directories, a minimal /etc/passwd and /etc/group, and the probe
# (test/probe.c) as OUT_DIR/bin/probe. Also builds the helpers next to OUT_DIR:
# build/sockrecv (the console-socket receiver and seccomp agent) and
# build/nosys (test/check.sh's older kernel). Quick and silent when already up to date.
#   BUSYBOX  the busybox-static binary   default /bin/busybox
#   MUSL_CC  the compiler                default musl-gcc
# For another architecture (the Makefile's rule for build/ARCH/rootfs), both
# are that architecture's: its musl cross compiler, and Debian's
# busybox-static for it (test/busybox-arch.sh).
# Exit status: 0, 1 on failure.
set -e
out=${1:?usage: rootfs.sh OUT_DIR}
src=$(cd "$(dirname "$0")" && pwd)
build=$(dirname "$out")
busybox=${BUSYBOX:-/bin/busybox}
cc=${MUSL_CC:-musl-gcc}
cflags="-static -Os -Wall -Wextra -Werror -I$build/include"

# newer A B: A exists and is not older than B.
newer() { [ -e "$1" ] && ! [ "$2" -nt "$1" ]; }

mkdir -p "$build"
for p in probe sockrecv nosys; do
	if ! newer "$build/$p" "$src/$p.c"; then
		$cc $cflags -o "$build/$p.tmp" "$src/$p.c"
		mv "$build/$p.tmp" "$build/$p"
	fi
done

if newer "$out/.ok" "$src/rootfs.sh" && newer "$out/.ok" "$build/probe"; then
	exit 0
fi
rm -rf "$out"
mkdir -p "$out/bin" "$out/etc"
for d in proc sys dev tmp root mnt run var home usr opt; do mkdir -p "$out/$d"; done
chmod 1777 "$out/tmp"
cp "$busybox" "$out/bin/busybox"
# Every applet in bin/ (busybox-install.sh lists them, with the host's busybox
# when this one is another architecture's).
applets=$(sh "$src/../kit/busybox-install.sh" --list "$busybox")
for a in $applets; do
	a=${a##*/}
	[ "$a" = busybox ] || [ -e "$out/bin/$a" ] || ln -s busybox "$out/bin/$a"
done
# So that PATH=/usr/bin:/sbin:... also finds the applets.
ln -s ../bin "$out/usr/bin"
ln -s bin "$out/sbin"
cp "$build/probe" "$out/bin/probe"
cat >"$out/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$out/etc/group" <<'EOF'
root:x:0:
tty:x:5:
user:x:1000:
nogroup:x:65534:
EOF
: >"$out/etc/hostname"
touch "$out/.ok"
