#!/bin/sh
# Install the Debian packages named in "$@" that are missing, when root on
# Debian; otherwise say exactly what to install.
missing=""
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "installing:$missing"
	apt-get update -q >/dev/null || exit 1
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null || exit 1
	exit 0
fi
echo "husk needs these Debian packages:$missing" >&2
echo "install them with: sudo apt-get install$missing" >&2
exit 1
