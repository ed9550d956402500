/* SPDX-License-Identifier: MIT */
/*
 * Test tool (issue 13): sends forged rtnetlink answers to a process's request sockets, as any
 * local user may try (a netlink socket that is not connected takes unicast datagrams from any
 * port; one connected to the kernel refuses them).
 *
 *   forge-acks PID ERROR SEQ_FROM SEQ_TO
 *
 * Finds PID's NETLINK_ROUTE sockets that joined no group (its request sockets, not its
 * notification socket) through /proc/net/netlink and /proc/PID/fd, and sends each one datagram of
 * NLMSG_ERROR messages with error ERROR (0 is a plain ACK), addressed to that socket's port, one
 * for every sequence number from SEQ_FROM to SEQ_TO. Prints "delivered PORT" or "refused PORT"
 * (ECONNREFUSED), one a line. Runs in
 * the target's network namespace (/proc/net/netlink lists the reader's namespace only).
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SEQS 1500
#define MAX_INODES 1024

static unsigned long inodes[MAX_INODES];
static size_t n_inodes;

static void read_socket_inodes(const char *pid)
{
	char dir[64], path[320], target[64];
	snprintf(dir, sizeof(dir), "/proc/%s/fd", pid);
	DIR *d = opendir(dir);
	if (!d) {
		fprintf(stderr, "forge-acks: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	struct dirent *e;
	while ((e = readdir(d)) && n_inodes < MAX_INODES) {
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		unsigned long inode;
		if (sscanf(target, "socket:[%lu]", &inode) == 1)
			inodes[n_inodes++] = inode;
	}
	closedir(d);
}

static bool ours(unsigned long inode)
{
	for (size_t i = 0; i < n_inodes; i++)
		if (inodes[i] == inode)
			return true;
	return false;
}

static void forge(int fd, uint32_t port, int error, uint32_t from, uint32_t to)
{
	static uint8_t buf[MAX_SEQS * NLMSG_SPACE(sizeof(struct nlmsgerr))];
	size_t len = 0;

	for (uint64_t seq = from; seq <= to; seq++) {
		struct nlmsghdr nlh = {.nlmsg_len = NLMSG_LENGTH(sizeof(struct nlmsgerr)),
				       .nlmsg_type = NLMSG_ERROR,
				       .nlmsg_seq = (uint32_t)seq,
				       .nlmsg_pid = port};
		struct nlmsgerr err = {
		    .error = error,
		    .msg = {.nlmsg_len = 32, .nlmsg_seq = (uint32_t)seq, .nlmsg_pid = port}};
		memcpy(buf + len, &nlh, sizeof(nlh));
		memcpy(buf + len + NLMSG_HDRLEN, &err, sizeof(err));
		len += NLMSG_SPACE(sizeof(err));
	}
	struct sockaddr_nl to_addr = {.nl_family = AF_NETLINK, .nl_pid = port};
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&to_addr, sizeof(to_addr)) < 0) {
		/* A socket connected to the kernel takes nothing from other ports. */
		if (errno == ECONNREFUSED) {
			printf("refused %" PRIu32 "\n", port);
			return;
		}
		fprintf(stderr, "forge-acks: sending to port %" PRIu32 ": %s\n", port,
			strerror(errno));
		exit(1);
	}
	printf("delivered %" PRIu32 "\n", port);
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: forge-acks PID ERROR SEQ_FROM SEQ_TO\n");
		return 2;
	}
	int error = atoi(argv[2]);
	uint32_t from = (uint32_t)strtoul(argv[3], NULL, 10),
		 to = (uint32_t)strtoul(argv[4], NULL, 10);
	if (to < from || to - from >= MAX_SEQS) {
		fprintf(stderr, "forge-acks: at most %d sequence numbers\n", MAX_SEQS);
		return 2;
	}
	read_socket_inodes(argv[1]);

	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	struct sockaddr_nl self = {.nl_family = AF_NETLINK};
	if (fd < 0 || bind(fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		perror("forge-acks: netlink socket");
		return 1;
	}
	FILE *f = fopen("/proc/net/netlink", "re");
	if (!f) {
		perror("forge-acks: /proc/net/netlink");
		return 1;
	}
	char line[512];
	int reached = 0;
	(void)!fgets(line, sizeof(line), f); /* the column names */
	while (fgets(line, sizeof(line), f)) {
		/* sk Eth Pid Groups Rmem Wmem Dump Locks Drops Inode */
		unsigned long long sk;
		unsigned eth, groups, rmem, wmem, locks, drops;
		uint32_t pid;
		unsigned long long dump;
		unsigned long inode;
		if (sscanf(line, "%llx %u %" SCNu32 " %x %u %u %llx %u %u %lu", &sk, &eth, &pid,
			   &groups, &rmem, &wmem, &dump, &locks, &drops, &inode) != 10)
			continue;
		if (eth != NETLINK_ROUTE || groups != 0 || !ours(inode) || pid == 0)
			continue;
		forge(fd, pid, error, from, to);
		reached++;
	}
	fclose(f);
	return reached ? 0 : 1;
}
