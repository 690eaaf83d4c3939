# t-netdev.sh: linux.netDevices. Every case runs husk in a scratch network
# namespace of its own (nsenter into a namespace held by a bind mount in
# $TD), so the host's interfaces are never touched; the device is one end of
# a veth pair made there (this host's kernel has no dummy driver).

# in_ns CMD...: CMD in the scratch namespace husk runs in.
in_ns() {
	nsenter --net="$TD/ns" "$@"
}

# hn ARGS...: husk in the scratch namespace.
hn() {
	HUSK_TEST_MARK="$MARK" nsenter --net="$TD/ns" "$HUSK" --root "$ROOT" "$@"
}

# netdev_setup: the scratch namespace, with v0 (10.9.0.1/24, fd00::1/64)
# and its peer v1; the containers, the namespaces and the device go when
# the test ends.
netdev_setup() {
	command -v nsenter >/dev/null && command -v unshare >/dev/null ||
		skip "needs nsenter and unshare (util-linux)"
	touch "$TD/ns"
	unshare --net="$TD/ns" true 2>"$TD/nserr" || skip "unshare --net: $(cat "$TD/nserr")"
	trap netdev_teardown EXIT
	in_ns ip link add v0 type veth peer name v1 2>"$TD/nserr" ||
		skip "no veth pair: $(cat "$TD/nserr")"
	in_ns ip addr add 10.9.0.1/24 dev v0 || fail "ip addr add"
	in_ns ip addr add fd00::1/64 dev v0 nodad || fail "ip addr add (IPv6)"
}

netdev_teardown() {
	for _s in "$ROOT/$ID"*; do
		[ -e "$_s" ] && hn delete --force "${_s##*/}" </dev/null >/dev/null 2>&1
	done
	for _n in "$TD/ns" "$TD/cns"; do
		[ -e "$_n" ] && umount "$_n" 2>/dev/null
	done
	return 0
}

# netdev_done: end the test's namespaces, then nothing may be left.
netdev_done() {
	netdev_teardown
	trap - EXIT
	assert_clean "$ID"
}

# container_ns: a second namespace ($TD/cns, held by a bind mount as `ip
# netns add` does) for the container to join by path.
container_ns() {
	touch "$TD/cns"
	unshare --net="$TD/cns" true || fail "unshare --net=$TD/cns"
	C_NS="$(ns pid ipc uts mount), {\"type\": \"network\", \"path\": \"$TD/cns\"}"
}

# ns_has NSFILE DEV: DEV is in that namespace, with v0's addresses.
ns_has() {
	_a=$(nsenter --net="$1" ip -o addr show dev "$2" 2>&1)
	expect_match "inet 10\.9\.0\.1/24 .*scope global" "$_a" "$2's IPv4 address in $1"
	expect_match "inet6 fd00::1/64 .*scope global" "$_a" "$2's IPv6 address in $1"
}

# ns_lacks NSFILE DEV
ns_lacks() {
	! nsenter --net="$1" ip link show dev "$2" >/dev/null 2>&1 || fail "$2 is in $1"
}

# What the container sees of its eth1: the link, then its addresses.
SHOW_ETH1='ip -o link show dev eth1 && ip -o addr show dev eth1'
NETDEV='"netDevices": {"v0": {"name": "eth1"}},'

# Its own network namespace: v0 is eth1 there, up, with both addresses.
t_netdev_own_ns() {
	netdev_setup
	args sh -c "$SHOW_ETH1"
	C_LINUX=$NETDEV
	mkbundle
	expect_ok hn run -b "$B" "$ID"
	out=$(cat "$TD/out")
	expect_match '^[0-9]+: eth1(@[^:]*)?: <([^>]*,)?UP[,>]' "$out" "eth1 in the container, up"
	expect_match "inet 10\.9\.0\.1/24 .*scope global eth1" "$out" "eth1's IPv4 address"
	expect_match "inet6 fd00::1/64 scope global" "$out" "eth1's IPv6 address"
	ns_lacks "$TD/ns" eth1
	netdev_done
}

# Without name: the host's name is kept. An address that is not global
# (scope host) is not carried over (config-linux.md).
t_netdev_keep_name() {
	netdev_setup
	in_ns ip addr add 10.9.1.1/24 dev v0 scope host || fail "ip addr add scope host"
	args sh -c 'ip -o addr show dev v0'
	C_LINUX='"netDevices": {"v0": {}},'
	mkbundle
	expect_ok hn run -b "$B" "$ID"
	out=$(cat "$TD/out")
	expect_match "inet 10\.9\.0\.1/24 .*scope global v0" "$out" "v0's global address"
	expect_no_match "10\.9\.1\.1" "$out" "v0's host-scope address"
	netdev_done
}

# A namespace joined by path: the device is there while the container runs,
# and stays there after it (the namespace's owner keeps it: config-linux.md).
t_netdev_joined_ns() {
	netdev_setup
	container_ns
	args sh -c "$SHOW_ETH1"
	C_LINUX=$NETDEV
	mkbundle
	expect_ok hn run -b "$B" "$ID"
	expect_match "inet 10\.9\.0\.1/24 .*scope global eth1" "$(cat "$TD/out")" "eth1's address"
	ns_has "$TD/cns" eth1
	ns_lacks "$TD/ns" v0
	netdev_done
}

# No network namespace of its own: refused before anything exists.
t_netdev_no_netns() {
	netdev_setup
	C_NS=$(ns pid ipc uts mount)
	C_LINUX=$NETDEV
	mkbundle
	expect_fail 'config.json: linux.netDevices["v0"]: the container has no network namespace of its own' \
		hn run -b "$B" "$ID"
	# one joined by path that is husk's own is the host's
	C_NS="$(ns pid ipc uts mount), {\"type\": \"network\", \"path\": \"$TD/ns\"}"
	mkbundle
	expect_fail 'config.json: linux.netDevices["v0"]: the container has no network namespace of its own' \
		hn run -b "$B" "$ID"
	ns_has "$TD/ns" v0
	netdev_done
}

# A missing device: refused, and the one before it is not moved.
t_netdev_missing() {
	netdev_setup
	C_LINUX='"netDevices": {"v0": {"name": "eth1"}, "v9": {}},'
	mkbundle
	expect_fail 'config.json: linux.netDevices["v9"]: no such device in husk'"'"'s network namespace' \
		hn run -b "$B" "$ID"
	ns_has "$TD/ns" v0
	netdev_done
}

# A name taken in the container's namespace: refused, nothing moved.
t_netdev_name_taken() {
	netdev_setup
	container_ns
	nsenter --net="$TD/cns" ip link add eth1 type veth peer name eth2 || fail "veth in cns"
	C_LINUX=$NETDEV
	mkbundle
	expect_fail 'config.json: linux.netDevices["v0"]: "eth1" already exists in the container'"'"'s network namespace' \
		hn run -b "$B" "$ID"
	ns_has "$TD/ns" v0
	netdev_done
}

# A kernel name template (config-linux.md: the runtime MUST allow it): both
# ends of the veth as "eth%d" are eth0 and eth1 in the container, in the
# config's order, up, v0's addresses on eth0; nothing is called eth%d. Both
# die with the container's namespace (virtual devices: config-linux.md).
t_netdev_template() {
	netdev_setup
	args sh -c 'ip -o link show && ip -o addr show'
	C_LINUX='"netDevices": {"v0": {"name": "eth%d"}, "v1": {"name": "eth%d"}},'
	mkbundle
	expect_ok hn run -b "$B" "$ID"
	out=$(cat "$TD/out")
	expect_match '^[0-9]+: eth0(@[^:]*)?: <([^>]*,)?UP[,>]' "$out" "v0 as eth0 in the container, up"
	expect_match '^[0-9]+: eth1(@[^:]*)?: <([^>]*,)?UP[,>]' "$out" "v1 as eth1 in the container, up"
	expect_match "inet 10\.9\.0\.1/24 .*scope global eth0" "$out" "v0's IPv4 address on eth0"
	expect_match "inet6 fd00::1/64 scope global" "$out" "v0's IPv6 address"
	expect_no_match '%|: v[01][:@]' "$out" "a device named by the template or by its host name"
	ns_lacks "$TD/ns" v0
	ns_lacks "$TD/ns" v1
	netdev_done
}

# A template in a namespace joined by path that has an eth0 already: the
# device is eth1 there (the first free name), with its addresses, and stays
# there as eth1 after delete. The namespace's first devices take the
# indexes v0 and v1 have in husk's, so the kernel gives v0 another index
# there, which husk must follow to find the device it moved.
t_netdev_template_taken() {
	netdev_setup
	container_ns
	nsenter --net="$TD/cns" ip link add eth0 type veth peer name x0 || fail "veth in cns"
	_i=$(in_ns ip -o link show dev v0 | cut -d: -f1)
	nsenter --net="$TD/cns" ip -o link show | grep -q "^$_i: " ||
		fail "index $_i (v0's) is free in the joined namespace: the case tests nothing"
	args sh -c "$SHOW_ETH1"
	C_LINUX='"netDevices": {"v0": {"name": "eth%d"}},'
	mkbundle
	expect_ok hn run -d -b "$B" "$ID"
	wait_status "$ID" stopped
	out=$(cat "$TD/out")
	expect_match '^[0-9]+: eth1(@[^:]*)?: <([^>]*,)?UP[,>]' "$out" "v0 as eth1 in the container, up"
	expect_match "inet 10\.9\.0\.1/24 .*scope global eth1" "$out" "eth1's address"
	expect_ok hn delete "$ID"
	ns_has "$TD/cns" eth1
	nsenter --net="$TD/cns" ip link show dev eth0 >/dev/null 2>&1 || fail "the joined namespace's eth0 is gone"
	ns_lacks "$TD/ns" v0
	netdev_done
}

# Names the kernel would refuse, two devices with one name; a % other than
# one %d in name (the kernel's rule), or in a host name.
t_netdev_bad_names() {
	for bad in '"a/b": {}' '"v0": {"name": "0123456789abcdef"}' '"..": {}' '"": {}' \
		'"v0": {"name": "a b"}'; do
		C_LINUX="\"netDevices\": {$bad},"
		mkbundle
		expect_fail 'config.json: linux.netDevices.' h run -b "$B" "$ID"
	done
	for bad in '"v0": {"name": "eth%d%d"}' '"v0": {"name": "eth%s"}' '"v0": {"name": "eth%"}' \
		'"v%d": {}'; do
		C_LINUX="\"netDevices\": {$bad},"
		mkbundle
		expect_fail '": not a valid interface name (no /, : or blank; % only in name, as one %d)' h run -b "$B" "$ID"
	done
	C_LINUX='"netDevices": {"v0": {"name": "eth1"}, "v1": {"name": "eth1"}},'
	mkbundle
	expect_fail 'linux.netDevices.v1: "eth1" is also the name of v0 in the container' \
		h run -b "$B" "$ID"
	assert_clean "$ID"
}
