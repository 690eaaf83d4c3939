/* sockrecv: the receiving end of --console-socket, for the tests.
 *
 *   sockrecv SOCKET [INPUT]
 * Listens on the unix stream socket SOCKET, accepts one connection, takes the
 * one fd sent with SCM_RIGHTS (the pty master), prints "sockrecv: got fd" and
 * the payload length, writes INPUT (if given) to the master, then copies the
 * master to stdout until the container side closes (EIO or EOF). Anything
 * but exactly one fd is refused, as go-runc and conmon do.
 * Exit status: 0, 1 on any error (message on stderr). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int die(const char *what)
{
	fprintf(stderr, "sockrecv: %s: %s\n", what, strerror(errno));
	return 1;
}

static int recv_fd(int conn, size_t *payload)
{
	char buf[4096], cbuf[CMSG_SPACE(sizeof(int) * 4)];
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof cbuf};
	struct cmsghdr *c;
	ssize_t n = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
	int fd;

	if (n < 0)
		return -1;
	c = CMSG_FIRSTHDR(&msg);
	if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS ||
	    c->cmsg_len != CMSG_LEN(sizeof(int))) {
		errno = EPROTO;
		return -1;
	}
	memcpy(&fd, CMSG_DATA(c), sizeof fd);
	*payload = (size_t)n;
	return fd;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[4096];
	size_t payload = 0;
	ssize_t n;
	int lfd, conn, master;

	if (argc < 2 || strlen(argv[1]) >= sizeof sa.sun_path) {
		fprintf(stderr, "usage: sockrecv SOCKET [INPUT]\n");
		return 2;
	}
	strcpy(sa.sun_path, argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 || listen(lfd, 1) != 0)
		return die(argv[1]);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return die("accept");
	master = recv_fd(conn, &payload);
	if (master < 0)
		return die("recvmsg");
	close(conn);
	close(lfd);
	printf("sockrecv: got fd (payload %zu bytes)\n", payload);
	fflush(stdout);
	if (argc > 2 && write(master, argv[2], strlen(argv[2])) < 0)
		return die("write to master");
	while ((n = read(master, buf, sizeof buf)) > 0)
		if (write(1, buf, (size_t)n) != n)
			return die("write");
	if (n < 0 && errno != EIO)
		return die("read master");
	return 0;
}
