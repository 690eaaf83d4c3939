#!/bin/sh
# busybox-install.sh BUSYBOX DIR: a static busybox as DIR/bin/busybox, and a
# link to it for each applet (DIR/bin/sh, DIR/sbin/switch_root, ...). The
# applet list comes from the binary itself, or, when it cannot run here
# (another architecture), from this machine's busybox if it is the same
# build (Debian's busybox-static has one configuration for all
# architectures; the version string says which). Exit 1 with one line on
# stderr when neither works.
# busybox-install.sh --list BUSYBOX: only print that list (bin/sh, ...).
[ "$1" != --list ] || { listonly=1 && shift; }
bb=$1 dir=$2
die() { echo "busybox-install.sh: $*" >&2; exit 1; }
[ -n "$bb" ] && [ -n "$dir$listonly" ] || die "usage: busybox-install.sh BUSYBOX DIR, or --list BUSYBOX"
[ -f "$bb" ] || die "$bb: no such file"
version() { LC_ALL=C grep -a -o -m 1 'BusyBox v[^)]*)' "$1" | head -n 1; }
list=$("$bb" --list-full 2>/dev/null)
if [ -z "$list" ]; then
	host=$(command -v busybox) || die "$bb cannot run here and this machine has no busybox to list its applets"
	[ -n "$(version "$bb")" ] && [ "$(version "$bb")" = "$(version "$host")" ] ||
		die "$bb cannot run here and is not the same build as $host ($(version "$bb") vs $(version "$host"))"
	list=$("$host" --list-full)
fi
[ -z "$listonly" ] || { echo "$list"; exit 0; }
mkdir -p "$dir/bin" "$dir/sbin" "$dir/usr/bin" "$dir/usr/sbin" && cp "$bb" "$dir/bin/busybox" &&
	chmod 755 "$dir/bin/busybox" || die "cannot copy $bb to $dir/bin"
# Relative links (../bin/busybox): followed on this machine, they stay in DIR.
for a in $list; do
	up=$(echo "$a" | sed 's|[^/]*/|../|g; s|[^/]*$||')
	[ -e "$dir/$a" ] || ln -s "${up}bin/busybox" "$dir/$a" || die "cannot link $dir/$a"
done
