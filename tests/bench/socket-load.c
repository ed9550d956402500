/* SPDX-License-Identifier: MIT */
/*
 * GetStatus load: CLIENTS threads, each with its own connection, calling for SECONDS.
 * Prints {"clients": N, "calls": N, "per_second": N, "p50_ms": N, "p99_ms": N, "max_ms": N}.
 *
 *   socket-load SOCKET CLIENTS SECONDS
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_SAMPLES 4000000

static const char *socket_path;
static double deadline;
static double *samples;
static size_t n_samples;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *client(void *arg)
{
	static const char call[] = "{\"method\":\"io.routeguard.GetStatus\",\"parameters\":{}}";
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *buf = malloc(1 << 20);
	double *mine = malloc(sizeof(double) * 200000);
	size_t n = 0;
	(void)arg;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", socket_path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("socket-load: connect");
		exit(1);
	}
	while (now_s() < deadline && n < 200000) {
		double start = now_s();
		if (send(fd, call, sizeof(call), MSG_NOSIGNAL) != (ssize_t)sizeof(call)) {
			perror("socket-load: send");
			exit(1);
		}
		size_t got = 0;
		for (;;) {
			ssize_t r = recv(fd, buf + got, (1 << 20) - got, 0);
			if (r <= 0) {
				fprintf(stderr, "socket-load: the daemon closed the connection\n");
				exit(1);
			}
			got += (size_t)r;
			if (memchr(buf + got - (size_t)r, '\0', (size_t)r))
				break;
		}
		mine[n++] = (now_s() - start) * 1e3;
	}
	close(fd);
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < n && n_samples < MAX_SAMPLES; i++)
		samples[n_samples++] = mine[i];
	pthread_mutex_unlock(&lock);
	free(mine);
	free(buf);
	return NULL;
}

static int compare(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "Usage: socket-load SOCKET CLIENTS SECONDS\n");
		return 2;
	}
	socket_path = argv[1];
	int clients = atoi(argv[2]);
	double seconds = atof(argv[3]);
	pthread_t *threads = calloc((size_t)clients, sizeof(*threads));
	samples = malloc(sizeof(double) * MAX_SAMPLES);
	double start = now_s();
	deadline = start + seconds;
	for (int i = 0; i < clients; i++)
		pthread_create(&threads[i], NULL, client, NULL);
	for (int i = 0; i < clients; i++)
		pthread_join(threads[i], NULL);
	double elapsed = now_s() - start;
	qsort(samples, n_samples, sizeof(double), compare);
	double p50 = n_samples ? samples[n_samples / 2] : -1;
	double p99 = n_samples ? samples[(size_t)((double)n_samples * 0.99)] : -1;
	printf("{\"clients\": %d, \"calls\": %zu, \"per_second\": %.0f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"max_ms\": %.3f}\n",
	       clients, n_samples, (double)n_samples / elapsed, p50, p99,
	       n_samples ? samples[n_samples - 1] : -1);
	return 0;
}
