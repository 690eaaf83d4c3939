/* sockrecv: the receiving end of the unix sockets husk passes an fd through,
 * for the tests.
 *
 *   sockrecv SOCKET [INPUT]      --console-socket: the pty master
 *   sockrecv --seccomp SOCKET    linux.seccomp.listenerPath: a tiny seccomp agent
 *   sockrecv --pidfd SOCKET      --pidfd-socket: a pidfd of the init or exec'd process
 * Listens on the unix stream socket SOCKET, accepts one connection and takes
 * the fds sent with SCM_RIGHTS in its first message. Anything but exactly one
 * fd is refused, as go-runc and conmon do.
 *
 * Console: prints "sockrecv: got fd (payload N bytes)" (the bytes of the
 * message that carried the fd), writes INPUT (if given) to the master, then
 * copies the master to stdout until the container side closes (EIO or EOF).
 *
 * --seccomp: the runtime sends the container process state (JSON) with the
 * fd, then must close the connection. Prints "listener: fds N", the JSON as
 * "listener: state: ...", and "listener: closed" at the connection's EOF.
 * Then it answers every notification on the fd with success and the value
 * 42 ("listener: notified syscall NR"), until the container is gone.
 *
 * --pidfd: prints "pidfd: payload P" (the message's bytes: runc sends
 * "standard" for an init, "setns" for an exec'd process), "pidfd: pid N"
 * (the Pid: line of /proc/self/fdinfo/FD, which only a pidfd has), then
 * waits until that process exits (the pidfd turns readable) and prints
 * "pidfd: exited".
 *
 * Exit status: 0, 1 on any error (message on stderr), 2 on bad usage. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
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

static char buf[1 << 16];

static int die(const char *what)
{
	fprintf(stderr, "sockrecv: %s: %s\n", what, strerror(errno));
	return 1;
}

/* The one connection on the unix stream socket at path; -1 on error. */
static int accept_one(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int lfd, conn;

	strcpy(sa.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0)
		return die(path), -1;
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return die("accept"), -1;
	close(lfd);
	return conn;
}

/* The first message on conn: its bytes into buf (at most size, their number
 * in *len) and the fds that came with it: returns how many (-1 on error),
 * the last one in *fd. */
static int recv_fds(int conn, size_t size, size_t *len, int *fd)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {.iov_base = buf, .iov_len = size};
	struct msghdr msg = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
	struct cmsghdr *c;
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	int nfds = 0;

	if (n < 0)
		return -1;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		nfds += (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(fd, CMSG_DATA(c), sizeof *fd);
	}
	*len = (size_t)n;
	return nfds;
}

/* --console-socket: the pty master, then its output. */
static int console(int conn, const char *input)
{
	size_t payload = 0;
	ssize_t n;
	int master = -1, nfds = recv_fds(conn, sizeof buf, &payload, &master);

	if (nfds != 1) {
		if (nfds >= 0)
			errno = EPROTO;
		return die("recvmsg");
	}
	close(conn);
	printf("sockrecv: got fd (payload %zu bytes)\n", payload);
	fflush(stdout);
	if (input && write(master, input, strlen(input)) < 0)
		return die("write to master");
	while ((n = read(master, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			return die("write");
	if (n < 0 && errno != EIO)
		return die("read master");
	return 0;
}

/* --seccomp: the state and the notify fd, then answer every notification. */
static int seccomp_agent(int conn)
{
	size_t len = 0;
	ssize_t n;
	int fd = -1, nfds = recv_fds(conn, sizeof buf - 1, &len, &fd);

	if (nfds < 0)
		return die("receive the seccomp fd");
	/* The rest of the JSON until EOF. */
	for (n = (ssize_t)len; n > 0 && len < sizeof buf - 1; len += (size_t)n)
		n = read(conn, buf + len, sizeof buf - 1 - len);
	if (n < 0)
		return die("receive the seccomp fd");
	buf[len] = '\0';
	printf("listener: fds %d\nlistener: state: %s\nlistener: closed\n", nfds, buf);
	fflush(stdout);
	if (nfds != 1) {
		errno = EPROTO;
		return die("receive the seccomp fd");
	}
	close(conn);
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

/* --pidfd: the fd must be a pidfd: its fdinfo names the process. */
static int pidfd(int conn)
{
	size_t len = 0;
	int fd = -1, nfds = recv_fds(conn, sizeof buf - 1, &len, &fd);
	char path[64], *pid;
	FILE *f;

	if (nfds != 1) {
		if (nfds >= 0)
			errno = EPROTO;
		return die("receive the pidfd");
	}
	close(conn);
	buf[len] = '\0';
	printf("pidfd: payload %s\n", buf);
	snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return die(path);
	len = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[len] = '\0';
	pid = strstr(buf, "\nPid:");
	if (!pid) {
		errno = EBADF;
		return die("not a pidfd (no Pid: in its fdinfo)");
	}
	printf("pidfd: pid %d\n", atoi(pid + 5));
	fflush(stdout);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (poll(&p, 1, -1) < 0)
		if (errno != EINTR)
			return die("poll the pidfd");
	printf("pidfd: exited\n");
	return 0;
}

int main(int argc, char **argv)
{
	int seccomp = argc > 1 && strcmp(argv[1], "--seccomp") == 0;
	int pidfd_mode = argc > 1 && strcmp(argv[1], "--pidfd") == 0;
	int mode = seccomp || pidfd_mode; /* a mode option before SOCKET */
	const char *path = argv[1 + mode];
	int conn;

	if (argc < 2 + mode || argc > 3 ||
	    strlen(path) >= sizeof((struct sockaddr_un *)0)->sun_path) {
		fprintf(stderr, "usage: sockrecv SOCKET [INPUT] | sockrecv --seccomp|--pidfd SOCKET\n");
		return 2;
	}
	conn = accept_one(path);
	if (conn < 0)
		return 1;
	if (pidfd_mode)
		return pidfd(conn);
	return seccomp ? seccomp_agent(conn) : console(conn, argc > 2 ? argv[2] : NULL);
}
