/* netdev.c: linux.netDevices, with a small rtnetlink client of husk's own.
 *
 * A device moves between network namespaces with one RTM_NEWLINK on a
 * NETLINK_ROUTE socket of the namespace it is in: its index, the target
 * namespace's fd (IFLA_NET_NS_FD) and its name there (IFLA_IFNAME), so that
 * the move and the rename are one step and a name taken in the target fails
 * the whole request (EEXIST) with the device left where it was.
 *
 * The kernel drops a device's addresses when it changes namespace.
 * config-linux.md says the runtime MUST keep the permanent ones
 * (IFA_F_PERMANENT) of global scope (RT_SCOPE_UNIVERSE), of any family, and
 * MUST set the device up in the container: they are read before the move
 * and added again after it, as runc 1.3 does (libcontainer's
 * devChangeNetNamespace), through a socket opened in the target namespace.
 * They are read before anything else: with the default
 * net.ipv6.conf.*.keep_addr_on_down, a device going down loses its IPv6
 * addresses.
 *
 * A name may be a kernel template ("eth%d"), passed on as runc does: the
 * kernel gives the device the first free name of that form in the target.
 * Which one it took is read from the target by the device's index there,
 * which the move's RTM_DELLINK notice in the source gives (IFLA_NEW_IFINDEX,
 * Linux 4.16; before, the index is kept, as it is whenever it is free).
 *
 * A socket belongs to the namespace it was made in: husk enters the
 * container's network namespace for the one socket() call and returns to
 * its own at once (husk is single-threaded; setns is per thread). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "husk.h"
#include "safepath.h"

#define MAX_ADDRS 32 /* kept per device; more is refused, never silently dropped */

/* One request: the header, the ifinfomsg or ifaddrmsg, attributes. */
struct req {
	struct nlmsghdr h;
	char body[256];
} __attribute__((aligned(NLMSG_ALIGNTO)));

struct addr {
	struct ifaddrmsg ifa;
	uint32_t flags; /* IFA_FLAGS: the ones RTM_NEWADDR takes are given again */
	unsigned char local[16], address[16], brd[16];
	unsigned short local_len, address_len, brd_len;
};

struct link {
	int index;
	char name[IFNAMSIZ];
	struct addr addrs[MAX_ADDRS];
	size_t n_addrs;
};

static void req_init(struct req *r, int type, int flags, const void *msg, size_t len)
{
	memset(r, 0, sizeof(*r));
	r->h.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
	r->h.nlmsg_type = (uint16_t)type;
	r->h.nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	memcpy(NLMSG_DATA(&r->h), msg, len);
}

/* Our own fixed attributes only: they always fit in body. */
static void put_attr(struct req *r, int type, const void *data, size_t len)
{
	struct rtattr *a = (struct rtattr *)((char *)&r->h + NLMSG_ALIGN(r->h.nlmsg_len));
	a->rta_type = (unsigned short)type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	r->h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(r->h.nlmsg_len) + RTA_ALIGN(a->rta_len));
}

/* Send r and read the answers: each RTM_NEW* message goes to fn, until the
 * ack (NLMSG_ERROR: 0 or -errno) or, for a dump, NLMSG_DONE. Returns 0, or
 * -1 with errno set (the kernel's, for a refused request). */
static int talk(int sock, struct req *r, void (*fn)(struct nlmsghdr *, void *), void *arg)
{
	static uint32_t seq;
	r->h.nlmsg_seq = ++seq;
	if (send(sock, &r->h, r->h.nlmsg_len, 0) < 0)
		return -1;
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t n = recv(sock, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? (errno = EPROTO, -1) : -1;
		size_t left = (size_t)n;
		for (struct nlmsghdr *m = (struct nlmsghdr *)buf; NLMSG_OK(m, left);
		     m = NLMSG_NEXT(m, left)) {
			if (m->nlmsg_seq != r->h.nlmsg_seq && m->nlmsg_type != RTM_DELLINK)
				continue; /* a move's RTM_DELLINK is a notice: seq 0 */
			if (m->nlmsg_type == NLMSG_DONE)
				return 0;
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err = NLMSG_DATA(m);
				return err->error ? (errno = -err->error, -1) : 0;
			}
			if (fn)
				fn(m, arg);
		}
	}
}

static int nl_socket(void)
{
	return socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

/* A NETLINK_ROUTE socket in the namespace nsfd (self: husk's own). */
static int socket_in(int nsfd, int self, struct husk_err *e)
{
	if (setns(nsfd, CLONE_NEWNET) < 0)
		return err_sys(e, "enter the container's network namespace");
	int sock = nl_socket();
	int err = errno;
	if (setns(self, CLONE_NEWNET) < 0)
		return err_sys(e, "return to husk's network namespace"); /* husk exits at once */
	errno = err;
	return sock >= 0 ? sock : err_sys(e, "netlink socket");
}

static void on_link(struct nlmsghdr *m, void *arg)
{
	struct link *l = arg;
	const struct ifinfomsg *ifi = NLMSG_DATA(m);
	if (m->nlmsg_type == RTM_DELLINK ? ifi->ifi_index != l->index
	                                 : m->nlmsg_type != RTM_NEWLINK)
		return;
	l->index = ifi->ifi_index;
	int len = (int)IFLA_PAYLOAD(m);
	for (struct rtattr *a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len))
		if (a->rta_type == IFLA_IFNAME)
			snprintf(l->name, sizeof(l->name), "%.*s", (int)RTA_PAYLOAD(a),
			         (char *)RTA_DATA(a));
		else if (a->rta_type == IFLA_NEW_IFINDEX && RTA_PAYLOAD(a) == sizeof(l->index))
			memcpy(&l->index, RTA_DATA(a),
			       sizeof(l->index)); /* moved: its index there */
}

/* The device called name (RTM_GETLINK by IFLA_IFNAME), or at index when
 * name is NULL: its index and name. */
static int link_get(int sock, const char *name, int index, struct link *l)
{
	struct req r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	req_init(&r, RTM_GETLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (name)
		put_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	l->index = 0;
	if (talk(sock, &r, on_link, l) < 0)
		return -1;
	return l->index > 0 ? 0 : (errno = ENODEV, -1);
}

static void copy_attr(const struct rtattr *a, unsigned char *to, unsigned short *len)
{
	size_t n = RTA_PAYLOAD(a);
	if (n > 16)
		return;
	memcpy(to, RTA_DATA(a), n);
	*len = (unsigned short)n;
}

/* Keep the device's permanent addresses of global scope (config-linux.md). */
static void on_addr(struct nlmsghdr *m, void *arg)
{
	struct link *l = arg;
	const struct ifaddrmsg *ifa = NLMSG_DATA(m);
	if (m->nlmsg_type != RTM_NEWADDR || (int)ifa->ifa_index != l->index ||
	    ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return;
	struct addr ad = {.ifa = *ifa};
	uint32_t flags = ifa->ifa_flags;
	int len = (int)IFA_PAYLOAD(m);
	for (struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_LOCAL)
			copy_attr(a, ad.local, &ad.local_len);
		else if (a->rta_type == IFA_ADDRESS)
			copy_attr(a, ad.address, &ad.address_len);
		else if (a->rta_type == IFA_BROADCAST)
			copy_attr(a, ad.brd, &ad.brd_len);
		else if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD(a) == sizeof(flags))
			memcpy(&flags, RTA_DATA(a), sizeof(flags));
	}
	if (!(flags & IFA_F_PERMANENT) || !ad.address_len)
		return;
	ad.flags = flags & (IFA_F_NODAD | IFA_F_HOMEADDRESS | IFA_F_MANAGETEMPADDR |
	                    IFA_F_NOPREFIXROUTE | IFA_F_MCAUTOJOIN);
	if (l->n_addrs >= MAX_ADDRS)
		l->n_addrs = MAX_ADDRS + 1; /* too many: refused by addrs_get */
	else
		l->addrs[l->n_addrs++] = ad;
}

static int addrs_get(int sock, struct link *l)
{
	struct req r;
	struct ifaddrmsg ifa = {.ifa_family = AF_UNSPEC, .ifa_index = (unsigned)l->index};
	req_init(&r, RTM_GETADDR, NLM_F_DUMP, &ifa, sizeof(ifa));
	l->n_addrs = 0;
	if (talk(sock, &r, on_addr, l) < 0)
		return -1;
	return l->n_addrs <= MAX_ADDRS ? 0 : (errno = E2BIG, -1);
}

/* Add a kept address to the device at index (its label, which names the
 * device as it was, is left out: the kernel takes the device's name). */
static int addr_add(int sock, int index, const struct addr *ad)
{
	struct req r;
	struct ifaddrmsg ifa = ad->ifa;
	ifa.ifa_index = (unsigned)index;
	ifa.ifa_flags = 0;
	req_init(&r, RTM_NEWADDR, NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, &ifa, sizeof(ifa));
	if (ad->local_len)
		put_attr(&r, IFA_LOCAL, ad->local, ad->local_len);
	put_attr(&r, IFA_ADDRESS, ad->address, ad->address_len);
	if (ad->brd_len)
		put_attr(&r, IFA_BROADCAST, ad->brd, ad->brd_len);
	if (ad->flags)
		put_attr(&r, IFA_FLAGS, &ad->flags, sizeof(ad->flags));
	return talk(sock, &r, NULL, NULL);
}

/* RTM_NEWLINK on an existing device: a new namespace and name (nsfd >= 0;
 * l, when given, gets its index there), or its up/down flag. */
static int link_set(int sock, int index, int nsfd, const char *name, bool up, struct link *l)
{
	struct req r;
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = index};
	if (nsfd < 0) {
		ifi.ifi_change = IFF_UP;
		ifi.ifi_flags = up ? IFF_UP : 0;
	}
	req_init(&r, RTM_NEWLINK, NLM_F_ACK, &ifi, sizeof(ifi));
	if (nsfd >= 0) {
		uint32_t fd = (uint32_t)nsfd;
		put_attr(&r, IFLA_NET_NS_FD, &fd, sizeof(fd));
		put_attr(&r, IFLA_IFNAME, name, strlen(name) + 1);
	}
	return talk(sock, &r, l ? on_link : NULL, l);
}

static const char *inet_text(const struct addr *ad, char *buf, size_t len)
{
	char text[INET6_ADDRSTRLEN] = "?";
	inet_ntop(ad->ifa.ifa_family, ad->local_len ? ad->local : ad->address, text, sizeof(text));
	snprintf(buf, len, "%s/%u", text, ad->ifa.ifa_prefixlen);
	return buf;
}

/* The device called from is there (on socket src, into *l), and the name
 * to is free in the target (on socket dst; where names it in errors). */
static int check(int src, int dst, const char *from, const char *to, const char *where,
                 struct link *l, struct husk_err *e)
{
	struct link taken;
	if (link_get(src, from, 0, l) < 0)
		return errno == ENODEV ? err_set(e, 0, "no such device")
		                       : err_sys(e, "find the device");
	/* A name taken in the target: the kernel would move the device under
	 * its old name and only then fail the rename (Linux 6.18). */
	if (strchr(to, '%'))
		return 0; /* a template: the kernel picks a free name */
	if (link_get(dst, to, 0, &taken) == 0)
		return err_set(e, 0, "\"%s\" already exists in %s", to, where);
	if (errno != ENODEV)
		return err_sys(e, "look for %s in %s", to, where);
	return 0;
}

/* Move the device called from (on socket src) into the namespace nsfd as to
 * (on socket dst there), with its kept addresses; set it up there if up. */
static int move(int src, int nsfd, int dst, const char *from, const char *to, const char *where,
                bool up, struct husk_err *e)
{
	struct link l, moved;
	if (check(src, dst, from, to, where, &l, e) < 0)
		return -1;
	if (addrs_get(src, &l) < 0)
		return err_sys(e, "read the addresses of %s", from);
	if (link_set(src, l.index, nsfd, to, false, &l) < 0)
		return err_sys(e, "move %s as %s", from, to);
	char buf[64];
	if (link_get(dst, NULL, l.index, &moved) < 0)
		return err_sys(e, "find %s once moved", to);
	for (size_t i = 0; i < l.n_addrs; i++) {
		if (addr_add(dst, moved.index, &l.addrs[i]) < 0)
			return err_sys(e, "add %s to %s", inet_text(&l.addrs[i], buf, sizeof(buf)),
			               moved.name);
	}
	if (up && link_set(dst, moved.index, -1, NULL, true, NULL) < 0)
		return err_sys(e, "set %s up", moved.name);
	log_debug("linux.netDevices: %s moved into %s as %s", from, where, moved.name);
	return 0;
}

static int wrap(const struct net_device *d, struct husk_err *e)
{
	return err_wrap(e, "config.json: linux.netDevices[\"%s\"]: ", d->host_name);
}

/* ---- the exported functions ------------------------------------------------- */

int netdev_check(const struct spec *s, struct husk_err *e)
{
	const struct linux_cfg *l = &s->linux;
	if (!l->n_net_devices)
		return 0;
	int own = sysctl_own_ns(s, CLONE_NEWNET, "net", e);
	if (own < 0)
		return err_wrap(e, "config.json: ");
	if (!own)
		return err_set(e, 0,
		               "config.json: linux.netDevices[\"%s\"]: the container has no "
		               "network namespace of its own",
		               l->net_devices[0].host_name);
	AUTO_FD sock = nl_socket();
	if (sock < 0)
		return err_sys(e, "netlink socket");
	for (size_t i = 0; i < l->n_net_devices; i++) {
		struct link k;
		if (link_get(sock, l->net_devices[i].host_name, 0, &k) < 0) {
			if (errno == ENODEV)
				err_set(e, 0, "no such device in husk's network namespace");
			else
				err_sys(e, "find the device");
			return wrap(&l->net_devices[i], e);
		}
	}
	return 0;
}

int netdev_move_in(const struct spec *s, int proc, int nsfd, struct husk_err *e)
{
	AUTO_FD self = procfs_open_ns(proc, 0, "net", e);
	AUTO_FD src = nl_socket();
	if (self < 0)
		return -1;
	/* src hears the moves' RTM_DELLINK notices: the index in the target */
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = RTMGRP_LINK};
	if (src < 0 || bind(src, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return err_sys(e, "netlink socket");
	AUTO_FD dst = socket_in(nsfd, self, e);
	if (dst < 0)
		return -1;
	static const char where[] = "the container's network namespace";
	/* Every device first, so that a missing one or a taken name moves none. */
	for (size_t i = 0; i < s->linux.n_net_devices; i++) {
		const struct net_device *d = &s->linux.net_devices[i];
		struct link l;
		if (check(src, dst, d->host_name, netdev_name(d), where, &l, e) < 0)
			return wrap(d, e);
	}
	for (size_t i = 0; i < s->linux.n_net_devices; i++) {
		const struct net_device *d = &s->linux.net_devices[i];
		if (move(src, nsfd, dst, d->host_name, netdev_name(d), where, true, e) < 0)
			return wrap(d, e);
	}
	return 0;
}
