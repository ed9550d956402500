/* SPDX-License-Identifier: MIT */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cniipam.h"

void cni_networks_free(CniNetwork *networks, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(networks[i].name);
		free(networks[i].dir);
	}
	free(networks);
}

static bool is_reservation(const char *name)
{
	return name[0] != '.' && strcmp(name, "lock") != 0 &&
	       strncmp(name, "last_reserved_ip", 16) != 0;
}

static size_t count_reservations(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (e->d_type != DT_DIR && is_reservation(e->d_name))
			n++;
	closedir(d);
	return n;
}

static int name_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && (d->d_type == DT_DIR || d->d_type == DT_UNKNOWN);
}

int cni_networks_load(const char *root, CniNetwork **ret, size_t *ret_n)
{
	_cleanup_free_ char *base = NULL;
	struct dirent **entries = NULL;
	CniNetwork *networks = NULL;
	size_t n = 0;
	int r = 0;

	if (asprintf(&base, "%s%s", root ? root : "", CNI_NETWORKS_DIR) < 0)
		return -ENOMEM;
	int count = scandir(base, &entries, name_filter, alphasort);
	if (count > 0 && !(networks = calloc((size_t)count, sizeof(*networks))))
		r = -ENOMEM;
	for (int i = 0; i < count; i++) {
		if (r == 0) {
			CniNetwork *net = &networks[n];
			char *dir;
			if (asprintf(&dir, "%s/%s", base, entries[i]->d_name) < 0) {
				r = -ENOMEM;
			} else if (!(net->name = strdup(entries[i]->d_name))) {
				free(dir);
				r = -ENOMEM;
			} else {
				net->dir = dir;
				net->n_reservations = count_reservations(dir);
				n++;
			}
		}
		free(entries[i]);
	}
	free(entries);
	if (r < 0) {
		cni_networks_free(networks, n);
		return r;
	}
	*ret = networks;
	*ret_n = n;
	return 0;
}

const char *cni_network_bridge(const char *network)
{
	return strcmp(network, "cbr0") == 0 ? "cni0" : NULL;
}
