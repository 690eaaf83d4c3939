#!/bin/sh
# mkinitramfs.sh [-c CONF] [-a DIR]... OUT HUSK BUSYBOX BUNDLE
# Builds OUT, a gzip-compressed newc cpio that a kernel boots as its
# initramfs: /init (kit/init), HUSK as /bin/husk, BUSYBOX as /bin/busybox with
# a link per applet, and the OCI bundle BUNDLE as /bundle (its config.json's
# root.path must be relative; a rootfs that is a symlink is copied as the
# directory it points to). -c CONF: /etc/kit.conf (kit/init's settings).
# -a DIR: DIR's contents added at / (repeatable; later ones win).
# HUSK, BUSYBOX and the bundle's programs must be static binaries for the
# board's architecture. Needs no root: /dev/console, which the kernel opens
# for /init, is a cpio entry written here. Exit 1 with one line on stderr.
die() { echo "mkinitramfs.sh: $*" >&2; exit 1; }
kit=$(cd "$(dirname "$0")" && pwd)
conf= adds=
while getopts c:a: o; do
	case $o in
	c) [ -f "$OPTARG" ] || die "-c $OPTARG: no such file"; conf=$OPTARG ;;
	a) [ -d "$OPTARG" ] || die "-a $OPTARG: not a directory"; adds="$adds $OPTARG" ;;
	*) die "usage: mkinitramfs.sh [-c CONF] [-a DIR]... OUT HUSK BUSYBOX BUNDLE" ;;
	esac
done
shift $((OPTIND - 1))
[ $# = 4 ] || die "usage: mkinitramfs.sh [-c CONF] [-a DIR]... OUT HUSK BUSYBOX BUNDLE"
out=$1 husk=$2 busybox=$3 bundle=$4
[ -f "$husk" ] || die "$husk: no such file (the husk binary)"
[ -f "$bundle/config.json" ] || die "$bundle: no config.json (not an OCI bundle)"
# e_machine of an ELF file: husk and busybox must be for one architecture.
machine() { od -An -tx1 -j18 -N2 "$1" 2>/dev/null | tr -d ' '; }
[ "$(machine "$husk")" = "$(machine "$busybox")" ] || die "$husk and $busybox are not for the same architecture"
root=$(awk '/"root"[[:space:]]*:/ { r = 1 } r && /"path"/ { sub(/.*"path"[[:space:]]*:[[:space:]]*"/, ""); sub(/".*/, ""); print; exit }' "$bundle/config.json")
case $root in
"") die "$bundle/config.json: no root.path" ;;
/*) die "$bundle/config.json: root.path $root is absolute: the bundle must name its rootfs relative to itself" ;;
esac
[ -d "$bundle/$root" ] || die "$bundle/$root: not a directory (the bundle's rootfs)"

stage=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/dev" "$stage/proc" "$stage/sys" "$stage/run" "$stage/tmp" "$stage/root" "$stage/etc" \
	"$stage/newroot" "$stage/bundle" || die "cannot fill $stage"
sh "$kit/busybox-install.sh" "$busybox" "$stage" || exit 1
cp "$husk" "$stage/bin/husk" && chmod 755 "$stage/bin/husk" && cp "$kit/init" "$stage/init" &&
	chmod 755 "$stage/init" || die "cannot copy husk or init"
# The bundle as it is, its rootfs as the directory it is (links inside kept).
(cd "$bundle" && tar -cf - --exclude="./$root" .) | (cd "$stage/bundle" && tar -xf -) &&
	mkdir -p "$stage/bundle/$root" && (cd "$bundle/$root/" && tar -cf - .) | (cd "$stage/bundle/$root" && tar -xf -) ||
	die "cannot copy the bundle $bundle"
[ -z "$conf" ] || cp "$conf" "$stage/etc/kit.conf" || die "cannot copy $conf"
for d in $adds; do
	(cd "$d" && tar -cf - .) | (cd "$stage" && tar -xf -) || die "cannot copy $d"
done

# entry NAME MODE RDEVMAJOR RDEVMINOR: one newc header and name, no data
# (what cpio would write for a node it could read; NAME "TRAILER!!!" ends an
# archive). The kernel reads concatenated archives as one.
entry() {
	n=$((${#1} + 1))
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 "$2" 0 0 1 0 0 0 0 "$3" "$4" $n 0
	printf '%s\000' "$1"
	printf '%*s' $(((4 - (110 + n) % 4) % 4)) '' | tr ' ' '\000'
}
mkdir -p "$(dirname "$out")" || die "cannot make the directory of $out"
(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) >"$stage.cpio" || die "cpio failed"
trap 'rm -rf "$stage" "$stage.cpio"' EXIT
{
	cat "$stage.cpio"
	entry dev/console 8576 5 1 # 8576 = 020600: a character device, mode 0600
	entry 'TRAILER!!!' 0 0 0
} | gzip -9 >"$out.tmp" && mv "$out.tmp" "$out" || die "cannot write $out"
