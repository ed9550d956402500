/* SPDX-License-Identifier: MIT */
/*
 * Starts a daemon with NOTIFY_SOCKET pointing at a socket bound here, and measures the time from
 * exec to READY=1, the daemon's peak RSS (VmHWM) and its CPU seconds (from the scheduler) at that
 * moment; then stops it with SIGTERM.
 *
 *   ready-timer TIMEOUT_S COMMAND [ARGS…]   prints {"ready_s": …, "rss_kib": …, "cpu_s": …, "exit":
 * …}
 *
 * With --until-exit first, the peer's measure: the time from exec to the command's own exit (its
 * output passes through first), so that both sides of a comparison pay their process start.
 *
 *   ready-timer --until-exit COMMAND [ARGS…]  prints {"exit_s": …, "exit": …}
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double elapsed(const struct timespec *from)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - from->tv_sec) + (double)(now.tv_nsec - from->tv_nsec) / 1e9;
}

static long vm_hwm_kib(pid_t pid)
{
	char path[64], line[256];
	long kib = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kib) == 1)
			break;
	fclose(f);
	return kib;
}

/* On-CPU time so far, in seconds: the first field of /proc/PID/schedstat, in nanoseconds. */
static double cpu_seconds(pid_t pid)
{
	char path[64];
	unsigned long long ns = 0;
	snprintf(path, sizeof(path), "/proc/%d/schedstat", (int)pid);
	FILE *f = fopen(path, "re");
	if (!f)
		return -1;
	if (fscanf(f, "%llu", &ns) != 1)
		ns = 0;
	fclose(f);
	return (double)ns / 1e9;
}

static int time_until_exit(char **argv)
{
	struct timespec start;
	int status = 0;

	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		perror("ready-timer: exec");
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		perror("ready-timer: waiting for the command");
		return 1;
	}
	double seconds = elapsed(&start);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("{\"exit_s\": %.4f, \"exit\": %d}\n", seconds, code);
	return code;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "--until-exit") == 0)
		return time_until_exit(argv + 2);
	if (argc < 3) {
		fprintf(stderr, "Usage: ready-timer TIMEOUT_S COMMAND [ARGS...]\n"
				"       ready-timer --until-exit COMMAND [ARGS...]\n");
		return 2;
	}
	double timeout = atof(argv[1]);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/tmp/ready-timer.%d.sock", (int)getpid());
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	unlink(sa.sun_path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("ready-timer: notify socket");
		return 1;
	}
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);

	struct timespec start;
	clock_gettime(CLOCK_MONOTONIC, &start);
	pid_t pid = fork();
	if (pid == 0) {
		execv(argv[2], argv + 2);
		perror("ready-timer: exec");
		_exit(127);
	}
	double ready = -1;
	long rss = -1;
	double cpu = -1;
	char buf[4096];
	while (ready < 0 && elapsed(&start) < timeout) {
		struct pollfd p = {fd, POLLIN, 0};
		if (poll(&p, 1, 100) <= 0) {
			if (waitpid(pid, NULL, WNOHANG) == pid) {
				fprintf(stderr, "ready-timer: the daemon exited before READY=1\n");
				unlink(sa.sun_path);
				return 1;
			}
			continue;
		}
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n"))
			if (strcmp(line, "READY=1") == 0) {
				ready = elapsed(&start);
				rss = vm_hwm_kib(pid);
				cpu = cpu_seconds(pid);
			}
	}
	kill(pid, SIGTERM);
	int status = 0;
	waitpid(pid, &status, 0);
	unlink(sa.sun_path);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("{\"ready_s\": %.4f, \"rss_kib\": %ld, \"cpu_s\": %.4f, \"exit\": %d}\n", ready, rss,
	       cpu, code);
	return ready < 0 ? 1 : 0;
}
