/* seccomp-listener: a tiny seccomp agent for the tests (linux.seccomp.listenerPath).
 *
 *   seccomp-listener SOCKET
 * Listens on the unix stream socket SOCKET and accepts one connection: the
 * runtime sends the container process state (JSON) with one fd (SCM_RIGHTS),
 * then must close the connection. Prints "listener: fds N", the JSON as
 * "listener: state: ...", and "listener: closed" at the connection's EOF.
 * Then it answers every notification on the fd with success and the value
 * 42 ("listener: notified syscall NR"), until the container is gone.
 * Exit status: 0, 1 on any error (message on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* From <linux/seccomp.h>, which musl-gcc does not see: a stable ABI. */
struct seccomp_data {
	int nr;
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t args[6];
};
struct seccomp_notif {
	uint64_t id;
	uint32_t pid;
	uint32_t flags;
	struct seccomp_data data;
};
struct seccomp_notif_resp {
	uint64_t id;
	int64_t val;
	int32_t error;
	uint32_t flags;
};
#define SECCOMP_IOCTL_NOTIF_RECV _IOWR('!', 0, struct seccomp_notif)
#define SECCOMP_IOCTL_NOTIF_SEND _IOWR('!', 1, struct seccomp_notif_resp)

static int die(const char *what)
{
	fprintf(stderr, "seccomp-listener: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The state and the fds; the rest of the JSON until EOF. */
static int receive(int conn)
{
	static char buf[1 << 16];
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf - 1};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof cbuf};
	struct cmsghdr *c;
	size_t len;
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	int fd = -1, nfds = 0;

	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds += (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(&fd, CMSG_DATA(c), sizeof fd);
	}
	for (len = (size_t)n; n > 0 && len < sizeof buf - 1; len += (size_t)n)
		n = read(conn, buf + len, sizeof buf - 1 - len);
	if (n < 0)
		return -1;
	buf[len] = '\0';
	printf("listener: fds %d\nlistener: state: %s\nlistener: closed\n", nfds, buf);
	fflush(stdout);
	if (nfds != 1)
		errno = EPROTO;
	return nfds == 1 ? fd : -1;
}

static int serve(int fd)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;
		if (poll(&p, 1, -1) < 0 && errno != EINTR)
			return die("poll");
		if (p.revents & (POLLHUP | POLLERR | POLLNVAL))
			return 0; /* every process under the filter is gone */
		if (!(p.revents & POLLIN))
			continue;
		memset(&req, 0, sizeof req);
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return die("SECCOMP_IOCTL_NOTIF_RECV");
		}
		printf("listener: notified syscall %d\n", req.data.nr);
		fflush(stdout);
		resp = (struct seccomp_notif_resp){.id = req.id, .val = 42};
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0 && errno != ENOENT)
			return die("SECCOMP_IOCTL_NOTIF_SEND");
	}
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int lfd, conn, fd;

	if (argc != 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: seccomp-listener SOCKET\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0)
		return die(argv[1]);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return die("accept");
	fd = receive(conn);
	if (fd < 0)
		return die("receive the seccomp fd");
	close(conn);
	close(lfd);
	return serve(fd);
}
