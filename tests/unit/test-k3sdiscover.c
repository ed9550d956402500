/* SPDX-License-Identifier: MIT */
/*
 * K3s unit discovery and its reuse: a scan is kept while the unit directories are unchanged, and
 * a changed unit, drop-in or directory is still seen.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "k3sconfig.h"
#include "k3sdiscover.h"
#include "unit-main.h"

#define ETC_UNITS "/etc/systemd/system"

typedef struct Root {
	char path[40];
} Root;

static void root_make(Root *r)
{
	snprintf(r->path, sizeof(r->path), "/tmp/routeguard-k3sdisc-XXXXXX");
	assert_non_null(mkdtemp(r->path));
}

static void root_remove(Root *r)
{
	char cmd[80];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", r->path);
	assert_int_equal(system(cmd), 0);
}

/* Writes name below the root in place: same inode when it exists, so its directory's mtime
 * does not move (that is what an editor writing in place does). */
static void put(const Root *r, const char *name, const char *text)
{
	char full[256], cmd[300];
	snprintf(full, sizeof(full), "%s%s", r->path, name);
	snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", full);
	assert_int_equal(system(cmd), 0);
	FILE *f = fopen(full, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

/* Dates name below the root an hour back: a directory changed within the last seconds is never
 * kept (its mtime could still move within the same timestamp). */
static void age(const Root *r, const char *name)
{
	char full[256];
	struct timespec old[2] = {{.tv_sec = time(NULL) - 3600}, {.tv_sec = time(NULL) - 3600}};
	snprintf(full, sizeof(full), "%s%s", r->path, name);
	assert_int_equal(utimensat(AT_FDCWD, full, old, 0), 0);
}

static char *unit_running(const char *flags)
{
	char *s = NULL;
	assert_true(asprintf(&s, "[Service]\nExecStart=/usr/local/bin/k3s server %s\n", flags) > 0);
	return s;
}

static void put_unit(const Root *r, const char *name, const char *flags)
{
	char *text = unit_running(flags);
	put(r, name, text);
	free(text);
}

static const char *backend_of(const Root *r, K3sDiscovery **cache, char *buf, size_t size)
{
	K3sConfig *k = NULL;
	assert_int_equal(k3sconfig_load(r->path, NULL, NULL, cache, &k), 0);
	assert_non_null(k->unit);
	snprintf(buf, size, "%s %s", k->unit, k3sconfig_flannel_backend(k));
	k3sconfig_free(k);
	return buf;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* How many units discovery names below r. */
static size_t discovered(const Root *r, K3sDiscovery **cache)
{
	char **names = NULL;
	size_t n = 0;
	assert_int_equal(k3s_discover_units(r->path, cache, &names, &n), 0);
	free_names(names, n);
	return n;
}

/* The scan is kept, and the unit it found is read again: an edit in place is seen. */
static void test_kept_scan_sees_the_unit_edited(void **state)
{
	Root r[1];
	char buf[128];
	K3sDiscovery *cache = NULL;

	root_make(r);
	put_unit(r, ETC_UNITS "/k3s.service", "--flannel-backend=vxlan");
	age(r, ETC_UNITS);
	assert_string_equal(backend_of(r, &cache, buf, sizeof(buf)), "k3s.service vxlan");
	K3sDiscovery *kept = cache;
	assert_non_null(kept);

	put_unit(r, ETC_UNITS "/k3s.service", "--flannel-backend=none");
	assert_string_equal(backend_of(r, &cache, buf, sizeof(buf)), "k3s.service none");
	assert_ptr_equal(cache, kept); /* no rescan: the directory did not change */
	k3s_discovery_free(cache);
	root_remove(r);
}

/* Drop-ins are read at every load too: one added to an existing drop-in dir is seen. */
static void test_kept_scan_sees_a_new_dropin(void **state)
{
	Root r[1];
	char buf[128];
	K3sDiscovery *cache = NULL;

	root_make(r);
	put_unit(r, ETC_UNITS "/k3s.service", "--flannel-backend=vxlan");
	put(r, ETC_UNITS "/k3s.service.d/README", "drop-ins here\n");
	age(r, ETC_UNITS);
	assert_string_equal(backend_of(r, &cache, buf, sizeof(buf)), "k3s.service vxlan");
	K3sDiscovery *kept = cache;

	put(r, ETC_UNITS "/k3s.service.d/50-backend.conf",
	    "[Service]\nExecStart=\nExecStart=/usr/local/bin/k3s server "
	    "--flannel-backend=host-gw\n");
	assert_string_equal(backend_of(r, &cache, buf, sizeof(buf)), "k3s.service host-gw");
	assert_ptr_equal(cache, kept);
	k3s_discovery_free(cache);
	root_remove(r);
}

/* A unit added to a directory of the search path changes its mtime: scanned again, found. */
static void test_new_unit_is_found(void **state)
{
	Root r[1];
	char buf[128], **names = NULL;
	size_t n = 0;
	K3sDiscovery *cache = NULL;

	root_make(r);
	put(r, "/lib/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n");
	age(r, "/lib/systemd/system");
	assert_int_equal(discovered(r, &cache), 0);
	assert_non_null(cache);

	/* /etc/systemd/system did not exist: its appearance is a change too */
	put_unit(r, ETC_UNITS "/k3s.service", "--flannel-backend=wireguard-native");
	assert_string_equal(backend_of(r, &cache, buf, sizeof(buf)),
			    "k3s.service wireguard-native");
	/* and a second unit in an existing directory */
	age(r, ETC_UNITS);
	assert_int_equal(discovered(r, &cache), 1);
	put_unit(r, ETC_UNITS "/k3s-agent.service", "--flannel-backend=none");
	assert_int_equal(k3s_discover_units(r->path, &cache, &names, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "k3s-agent.service");
	assert_string_equal(names[1], "k3s.service");
	free_names(names, n);
	k3s_discovery_free(cache);
	root_remove(r);
}

/* What the key is: with every directory's identity and mtime unchanged the scan is reused, even
 * for a name planted behind its back (the mtime set back): nothing but the directories is read. */
static void test_unchanged_directories_reuse_the_scan(void **state)
{
	Root r[1];
	K3sDiscovery *cache = NULL;

	root_make(r);
	put_unit(r, ETC_UNITS "/k3s.service", "");
	age(r, ETC_UNITS);
	assert_int_equal(discovered(r, &cache), 1);

	put_unit(r, ETC_UNITS "/k3s-planted.service", "");
	age(r, ETC_UNITS);
	assert_int_equal(discovered(r, &cache), 1);
	/* a scan without the kept one sees it */
	assert_int_equal(discovered(r, NULL), 2);
	k3s_discovery_free(cache);
	root_remove(r);
}

/* A directory changed in the last seconds may change again within the same timestamp: such a
 * scan is used, not kept. */
static void test_recent_change_is_not_kept(void **state)
{
	Root r[1];
	K3sDiscovery *cache = NULL;

	root_make(r);
	put_unit(r, ETC_UNITS "/k3s.service", "");
	assert_int_equal(discovered(r, &cache), 1);
	assert_null(cache);
	root_remove(r);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_kept_scan_sees_the_unit_edited),
	    cmocka_unit_test(test_kept_scan_sees_a_new_dropin),
	    cmocka_unit_test(test_new_unit_is_found),
	    cmocka_unit_test(test_unchanged_directories_reuse_the_scan),
	    cmocka_unit_test(test_recent_change_is_not_kept),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
