/* SPDX-License-Identifier: MIT */
/*
 * Reading every unit file of the search path costs milliseconds on a host with hundreds of units,
 * and the daemon discovers at every host-fact load. Which names mention k3s changes only when a
 * unit file appears, goes, is renamed or rewritten through a rename (package managers, systemctl
 * edit, the K3s installer), and each of those changes its directory's mtime: a scan is reused
 * while every directory of the search path is the same directory (st_dev, st_ino) with the same
 * st_mtim (and st_size: FileIdentity), and missing ones are still missing. What the scan does not
 * read is not keyed: the units it finds are read again, with their drop-ins and environment files,
 * at every load. Not seen until the next directory change: a file that did not mention k3s
 * rewritten in place to do so.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "fileutil.h"
#include "k3sdiscover.h"
#include "unitfile.h"

/* A unit file larger than this is no K3s unit (the installer's is about 1 KiB), and reading it
 * would only cost time. */
#define DISCOVER_FILE_MAX (64 * 1024)
/* A directory changed this shortly before a scan may change again within the same timestamp (the
 * kernel stamps with a coarse clock; FAT by two seconds): such a scan is used once, not kept. */
#define SETTLED_SEC 2

/* A directory of the search path as scanned: absent (or unreadable), or this one in this state. */
typedef struct DirIdentity {
	bool present;
	FileIdentity id;
} DirIdentity;

struct K3sDiscovery {
	char *root;
	DirIdentity *dirs; /* one per directory of unit_file_search_path(), in its order */
	size_t n_dirs;
	char **names;
	size_t n_names, allocated_names;
};

K3sDiscovery *k3s_discovery_free(K3sDiscovery *d)
{
	if (!d)
		return NULL;
	for (size_t i = 0; i < d->n_names; i++)
		free(d->names[i]);
	free(d->names);
	free(d->dirs);
	free(d->root);
	free(d);
	return NULL;
}

static bool dir_identity_equal(const DirIdentity *a, const DirIdentity *b)
{
	return a->present == b->present && (!a->present || file_identity_equal(&a->id, &b->id));
}

/* A *.service worth loading: a small regular file that mentions k3s. */
static bool mentions_k3s(int dirfd, const char *name)
{
	struct stat st;
	char buf[DISCOVER_FILE_MAX + 1];
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	bool yes = false;

	if (fd < 0)
		return false;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    st.st_size <= DISCOVER_FILE_MAX) {
		ssize_t n = read(fd, buf, DISCOVER_FILE_MAX);
		if (n > 0) {
			buf[n] = '\0';
			yes = memmem(buf, (size_t)n, "k3s", 3) != NULL;
		}
	}
	close(fd);
	return yes;
}

static bool has_name(const K3sDiscovery *d, const char *name)
{
	for (size_t i = 0; i < d->n_names; i++)
		if (strcmp(d->names[i], name) == 0)
			return true;
	return false;
}

static int scan_dir(K3sDiscovery *d, DIR *dir)
{
	for (struct dirent *de; (de = readdir(dir));) {
		size_t len = strlen(de->d_name);
		/* templates run nothing by themselves; a name is found once, first dir */
		if (len <= 8 || strcmp(de->d_name + len - 8, ".service") != 0 ||
		    strchr(de->d_name, '@') || has_name(d, de->d_name) ||
		    !mentions_k3s(dirfd(dir), de->d_name))
			continue;
		if (array_grow((void **)&d->names, &d->allocated_names, d->n_names + 1,
			       sizeof(*d->names)) < 0 ||
		    !(d->names[d->n_names] = strdup(de->d_name)))
			return -ENOMEM;
		d->n_names++;
	}
	return 0;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A new scan; *ret_settled is false when a directory changed too recently for it to be kept. */
static int scan(const char *root, K3sDiscovery **ret, bool *ret_settled)
{
	_cleanup_(k3s_discovery_freep) K3sDiscovery *d = calloc(1, sizeof(*d));
	const char *const *dirs = NULL;
	struct timespec now;
	bool settled = true;
	int r = 0;

	if (!d || !(d->root = strdup(root)))
		return -ENOMEM;
	dirs = unit_file_search_path(&d->n_dirs);
	if (!(d->dirs = calloc(d->n_dirs, sizeof(*d->dirs))))
		return -ENOMEM;
	/* Cannot fail for CLOCK_REALTIME, the clock file times are stamped with. */
	(void)clock_gettime(CLOCK_REALTIME, &now);
	for (size_t i = 0; i < d->n_dirs && r == 0; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;
		if (asprintf(&path, "%s%s", root, dirs[i]) < 0)
			return -ENOMEM;
		DIR *dir = opendir(path);
		if (!dir)
			continue; /* absent (or unreadable): keyed as absent */
		if (fstat(dirfd(dir), &st) == 0) {
			d->dirs[i] = (DirIdentity){.present = true, .id = file_identity(&st)};
			settled = settled && st.st_mtim.tv_sec + SETTLED_SEC < now.tv_sec;
		}
		r = scan_dir(d, dir);
		closedir(dir);
	}
	if (r < 0)
		return r;
	if (d->n_names > 1)
		qsort(d->names, d->n_names, sizeof(*d->names), compare_names);
	*ret = TAKE_PTR(d);
	*ret_settled = settled;
	return 0;
}

/* Whether d's directories below root are still the ones it scanned, unchanged. */
static bool still_true(const K3sDiscovery *d, const char *root)
{
	size_t n_dirs;
	const char *const *dirs = unit_file_search_path(&n_dirs);

	if (strcmp(d->root, root) != 0 || n_dirs != d->n_dirs)
		return false;
	for (size_t i = 0; i < n_dirs; i++) {
		_cleanup_free_ char *path = NULL;
		struct stat st;
		DirIdentity now = {};
		if (asprintf(&path, "%s%s", root, dirs[i]) < 0)
			return false;
		if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
			now = (DirIdentity){.present = true, .id = file_identity(&st)};
		if (!dir_identity_equal(&now, &d->dirs[i]))
			return false;
	}
	return true;
}

static int copy_names(const K3sDiscovery *d, char ***ret_names, size_t *ret_n)
{
	char **names = calloc(d->n_names + 1, sizeof(*names));

	if (!names)
		return -ENOMEM;
	for (size_t i = 0; i < d->n_names; i++)
		if (!(names[i] = strdup(d->names[i]))) {
			while (i-- > 0)
				free(names[i]);
			free(names);
			return -ENOMEM;
		}
	*ret_names = names;
	*ret_n = d->n_names;
	return 0;
}

int k3s_discover_units(const char *root, K3sDiscovery **cache, char ***ret_names, size_t *ret_n)
{
	_cleanup_(k3s_discovery_freep) K3sDiscovery *fresh = NULL;
	bool settled;
	int r;

	if (cache && *cache && still_true(*cache, root))
		return copy_names(*cache, ret_names, ret_n);
	if ((r = scan(root, &fresh, &settled)) < 0 || (r = copy_names(fresh, ret_names, ret_n)) < 0)
		return r;
	if (cache) {
		k3s_discovery_free(*cache);
		*cache = settled ? TAKE_PTR(fresh) : NULL;
	}
	return 0;
}
