#!/bin/sh
# Install the Debian packages named in "$@" that are missing, when root on
# Debian; otherwise say exactly what to install. A package named PKG:ARCH
# (a cross build's musl-dev:arm64) first adds ARCH to dpkg's architectures.
# A package Debian does not have (musl-dev:riscv64 in Debian 12) is named.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "installing:$missing"
	added=""
	for p in $missing; do
		a=${p#*:}
		[ "$a" != "$p" ] || continue
		dpkg --print-foreign-architectures | grep -qx "$a" || dpkg --print-architecture | grep -qx "$a" ||
			{ dpkg --add-architecture "$a" && added="$added $a"; } || exit 1
	done
	apt-get update -q >/dev/null || exit 1
	none=""
	for p in $missing; do
		apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [0-9]' || none="$none $p"
	done
	if [ -n "$none" ]; then
		echo "husk: these packages are not in this system's Debian ($(. /etc/os-release && echo "$PRETTY_NAME")):$none" >&2
		for a in $added; do dpkg --remove-architecture "$a"; done
		exit 1
	fi
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null || exit 1
	exit 0
fi
echo "husk needs these Debian packages:$missing" >&2
[ "${missing#*:}" = "$missing" ] || echo "first add their architecture: sudo dpkg --add-architecture ARCH" >&2
echo "install them with: sudo apt-get install$missing" >&2
exit 1
