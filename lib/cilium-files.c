/* SPDX-License-Identifier: MIT */
/*
 * Finding the Cilium agent pod from host files alone, and reading its configuration directory and
 * its newest container log. The kubelet names a pod's log directory NAMESPACE_POD_UID
 * (BuildPodLogsDirectory), and a container's log RESTARTCOUNT.log, so the newest attempt is the
 * highest N. The log of the `config` init container counts as well: with kube-proxy replacement
 * and no k8sServiceHost it fails before cilium-agent ever starts.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cilium.h"

CiliumFacts *cilium_facts_free(CiliumFacts *f)
{
	if (!f)
		return NULL;
	cilium_agent_view_clear(&f->agent);
	cilium_config_view_clear(&f->config);
	cilium_fatal_clear(&f->fatal);
	free(f->pod_uid);
	free(f);
	return NULL;
}

int cilium_facts_new(CiliumFacts **ret)
{
	CiliumFacts *f = calloc(1, sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->agent.auto_direct_node_routes = -1;
	*ret = f;
	return 0;
}

static bool is_dir_at(int dirfd, const char *path, struct stat *ret)
{
	struct stat st;
	if (fstatat(dirfd, path, &st, 0) < 0 || !S_ISDIR(st.st_mode))
		return false;
	if (ret)
		*ret = st;
	return true;
}

static bool newer(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec != b->st_mtim.tv_sec ? a->st_mtim.tv_sec > b->st_mtim.tv_sec
						      : a->st_mtim.tv_nsec > b->st_mtim.tv_nsec;
}

/* Whether dir holds the pod that entry names; *ret gets the stat whose mtime dates that pod. */
typedef bool (*PodEntryTest)(int dirfd, const char *name, struct stat *ret);

/* The entry of dir that passes test and is the newest by that mtime; *ret_name stays NULL when
 * none passes or dir cannot be opened (no pod on this node yet). */
static int find_newest_pod_entry(const char *dir, PodEntryTest test, char **ret_name)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	struct stat best_st = {};
	char *best = NULL;

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat st;
		if (!test(dirfd(d), de->d_name, &st) || (best && !newer(&st, &best_st)))
			continue;
		char *name = strdup(de->d_name);
		if (!name) {
			closedir(d);
			free(best);
			return -ENOMEM;
		}
		free(best);
		best = name;
		best_st = st;
	}
	closedir(d);
	*ret_name = best;
	return 0;
}

/* A kube-system_cilium-X_UID log dir with a cilium-agent/ or config/ container dir: that
 * excludes cilium-operator-* and cilium-envoy-*, whose containers are named otherwise. */
static bool is_agent_pod_log_dir(int dirfd, const char *name, struct stat *ret)
{
	char sub[NAME_MAX + 16];

	if (strncmp(name, "kube-system_cilium-", 19) != 0 || !is_dir_at(dirfd, name, ret))
		return false;
	for (size_t i = 0; i < 2; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", name, i ? "config" : "cilium-agent");
		if (is_dir_at(dirfd, sub, NULL))
			return true;
	}
	return false;
}

/* A uid dir under kubelet-pods-dir that ran a cilium-agent container. */
static bool is_agent_pod_uid_dir(int dirfd, const char *name, struct stat *ret)
{
	char sub[NAME_MAX + 32];

	if (name[0] == '.')
		return false;
	snprintf(sub, sizeof(sub), "%s/containers/cilium-agent", name);
	return is_dir_at(dirfd, sub, ret);
}

/* RESTARTCOUNT.log: digits, then .log, nothing after (rotated N.log.TIMESTAMP[.gz] and .tmp
 * files are older by construction). */
static long log_number(const char *name)
{
	char *end;
	if (name[0] < '0' || name[0] > '9')
		return -1;
	long n = strtol(name, &end, 10);
	return strcmp(end, ".log") == 0 && n >= 0 ? n : -1;
}

/* The highest-numbered log of a container dir, mtime breaking ties. */
static int newest_log(const char *dir, char **ret_path, struct stat *ret_st)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	long best_n = -1;
	struct stat best_st = {};
	char best_name[NAME_MAX + 1] = "";

	if (!d)
		return 0;
	while ((de = readdir(d))) {
		struct stat st;
		long n = log_number(de->d_name);
		if (n < 0 || fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (n < best_n || (n == best_n && !newer(&st, &best_st)))
			continue;
		best_n = n;
		best_st = st;
		snprintf(best_name, sizeof(best_name), "%s", de->d_name);
	}
	closedir(d);
	if (best_n < 0)
		return 0;
	if (asprintf(ret_path, "%s/%s", dir, best_name) < 0)
		return -ENOMEM;
	*ret_st = best_st;
	return 0;
}

/* A running agent's log can be megabytes: the fatal line, if any, is at its end. */
#define LOG_TAIL_MAX (256 * 1024)

static int read_tail(const char *path, char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	_cleanup_free_ char *buf = malloc(LOG_TAIL_MAX + 1);
	struct stat st;
	size_t len = 0;
	off_t offset;

	if (fd < 0 || fstat(fd, &st) < 0)
		return negative_errno();
	if (!buf)
		return -ENOMEM;
	offset = st.st_size > LOG_TAIL_MAX ? st.st_size - LOG_TAIL_MAX : 0;
	while (len < LOG_TAIL_MAX) {
		ssize_t n = pread(fd, buf + len, LOG_TAIL_MAX - len, offset + (off_t)len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	if (offset > 0) {
		/* started inside a line: drop its rest */
		char *nl = memchr(buf, '\n', len);
		size_t skip = nl ? (size_t)(nl + 1 - buf) : len;
		memmove(buf, buf + skip, len - skip + 1);
		len -= skip;
	}
	*ret = TAKE_PTR(buf);
	*ret_len = len;
	return 0;
}

static int load_logs(const char *pod_dir, CiliumFacts *f)
{
	static const char *const containers[] = {"cilium-agent", "config"};
	_cleanup_free_ char *newest = NULL;
	struct stat newest_st = {};
	int r;

	for (size_t i = 0; i < ELEMENTSOF(containers); i++) {
		_cleanup_free_ char *dir = NULL, *path = NULL;
		struct stat st = {};
		if (asprintf(&dir, "%s/%s", pod_dir, containers[i]) < 0)
			return -ENOMEM;
		if ((r = newest_log(dir, &path, &st)) < 0)
			return r;
		if (path && (!newest || newer(&st, &newest_st))) {
			free(newest);
			newest = TAKE_PTR(path);
			newest_st = st;
		}
	}
	if (!newest)
		return 0;
	_cleanup_free_ char *text = NULL;
	size_t len;
	if (read_tail(newest, &text, &len) < 0)
		return 0; /* gone under us: as if absent */
	if ((r = cilium_log_newest_fatal(text, len, &f->fatal)) < 0)
		return r;
	if (f->fatal.info)
		f->fatal.path = TAKE_PTR(newest);
	return 0;
}

static int load_config(const char *kubelet_pods_dir, const char *uid, CiliumFacts *f)
{
	for (size_t i = 0; i < ELEMENTSOF(CILIUM_CONFIG_SUBDIRS); i++) {
		_cleanup_free_ char *dir = NULL;
		struct stat st;
		if (asprintf(&dir, "%s/%s/%s", kubelet_pods_dir, uid, CILIUM_CONFIG_SUBDIRS[i]) < 0)
			return -ENOMEM;
		if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
			continue;
		int r = cilium_config_load_dir(dir, &f->config);
		if (r == -ENOMEM)
			return r;
		if (r == 0) {
			f->have_config = true;
			return 0;
		}
	}
	return 0;
}

int cilium_files_load(const char *kubelet_pods_dir, const char *pod_logs_dir, CiliumFacts *f)
{
	_cleanup_free_ char *log_dir_name = NULL;
	int r;

	cilium_config_view_clear(&f->config);
	f->have_config = false;
	cilium_fatal_clear(&f->fatal);
	free(f->pod_uid);
	f->pod_uid = NULL;

	if (pod_logs_dir && pod_logs_dir[0]) {
		if ((r = find_newest_pod_entry(pod_logs_dir, is_agent_pod_log_dir, &log_dir_name)) <
		    0)
			return r;
		if (log_dir_name) {
			_cleanup_free_ char *pod_dir = NULL;
			if (asprintf(&pod_dir, "%s/%s", pod_logs_dir, log_dir_name) < 0 ||
			    !(f->pod_uid = strdup(strrchr(log_dir_name, '_') + 1)))
				return -ENOMEM;
			if ((r = load_logs(pod_dir, f)) < 0)
				return r;
		}
	}
	if (!kubelet_pods_dir || !kubelet_pods_dir[0])
		return 0;
	if (!f->pod_uid &&
	    (r = find_newest_pod_entry(kubelet_pods_dir, is_agent_pod_uid_dir, &f->pod_uid)) < 0)
		return r;
	if (!f->pod_uid)
		return 0;
	return load_config(kubelet_pods_dir, f->pod_uid, f);
}
