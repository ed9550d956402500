/* SPDX-License-Identifier: MIT */
/*
 * Moving CNI files into the quarantine (issue 13): names, refusals (FIFO, symlink, too large, no
 * free name), and the cross-filesystem copy that never loses a file, even one replaced or still
 * written during the copy. The netns test netns-daemon-quarantine-hostile-files.sh does the same
 * across a real filesystem boundary, with the daemon running.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileutil.h"
#include "quarantine.h"
#include "unit-main.h"

/* 2026-11-29T03:00:00Z */
#define NOW (1795921200ULL * 1000000ULL)

typedef struct Dirs {
	char root[64];
	char cni[96];
	char quarantine[96];
	char file[160];
} Dirs;

static void dirs_make(Dirs *d)
{
	snprintf(d->root, sizeof(d->root), "/tmp/test-quarantine.XXXXXX");
	assert_non_null(mkdtemp(d->root));
	snprintf(d->cni, sizeof(d->cni), "%s/net.d", d->root);
	snprintf(d->quarantine, sizeof(d->quarantine), "%s/quarantine", d->root);
	snprintf(d->file, sizeof(d->file), "%s/10-flannel.conflist", d->cni);
	assert_int_equal(mkdir(d->cni, 0755), 0);
}

static void remove_tree(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	char child[512];

	while (dir && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
			if (e->d_type == DT_DIR)
				remove_tree(child);
			else
				assert_int_equal(unlink(child), 0);
		}
	if (dir)
		closedir(dir);
	assert_int_equal(rmdir(path), 0);
}

static size_t entries(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	size_t n = 0;

	if (!dir)
		return 0;
	while ((e = readdir(dir)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dir);
	return n;
}

static void write_text(const char *path, const char *text)
{
	assert_int_equal(write_file_atomic(path, text, strlen(text), 0644), 0);
}

static void expect_text(const char *path, const char *text)
{
	_cleanup_free_ char *found = NULL;
	size_t len;
	assert_int_equal(read_text_file(path, 4 * 1024 * 1024, &found, &len), 0);
	assert_string_equal(found, text);
}

static void test_names(void **state)
{
	char buf[64];

	assert_int_equal(quarantine_name("10-flannel.conflist", NOW, 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10-flannel.conflist.20261129T030000Z");
	assert_int_equal(quarantine_name("10-flannel.conflist", NOW, 99, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "10-flannel.conflist.20261129T030000Z-99");
	assert_int_equal(quarantine_name("10-flannel.conflist", NOW, 1, buf, 20), -ENAMETOOLONG);
}

static void moves(bool always_copy)
{
	Dirs d[1];
	char expected[256];
	_cleanup_free_ char *dest = NULL;
	QuarantineOptions o = {.always_copy = always_copy};

	dirs_make(d);
	write_text(d->file, "{\"name\":\"cbr0\"}");
	assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, &o, &dest), 0);
	snprintf(expected, sizeof(expected), "%s/10-flannel.conflist.20261129T030000Z",
		 d->quarantine);
	assert_string_equal(dest, expected);
	expect_text(dest, "{\"name\":\"cbr0\"}");
	assert_int_equal(access(d->file, F_OK), -1);
	assert_int_equal(entries(d->cni), 0); /* no staging name left behind */
	struct stat st;
	assert_int_equal(stat(dest, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	/* the same name again in the same second: the next free name */
	free(dest);
	write_text(d->file, "second");
	assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, &o, &dest), 0);
	assert_non_null(strstr(dest, "Z-1"));
	expect_text(dest, "second");
	remove_tree(d->root);
}

static void test_moves_by_rename(void **state)
{
	moves(false);
}

static void test_moves_by_copy(void **state)
{
	moves(true);
}

/* A FIFO named *.conflist hung the daemon in open(); it is refused before anything opens it. */
static void test_fifo_refused(void **state)
{
	for (int copy = 0; copy < 2; copy++) {
		Dirs d[1];
		char *dest = (char *)"unset";
		QuarantineOptions o = {.always_copy = copy};

		dirs_make(d);
		assert_int_equal(mkfifo(d->file, 0644), 0);
		alarm(5); /* a hang fails the test instead of stalling it */
		assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, &o, &dest),
				 -EINVAL);
		alarm(0);
		assert_null(dest);
		struct stat st;
		assert_int_equal(lstat(d->file, &st), 0);
		assert_true(S_ISFIFO(st.st_mode));
		assert_int_equal(entries(d->quarantine), 0);
		remove_tree(d->root);
	}
}

static void test_symlink_and_large_file_refused(void **state)
{
	Dirs d[1];
	char *dest = NULL, target[256];

	dirs_make(d);
	snprintf(target, sizeof(target), "%s/target", d->root);
	write_text(target, "{}");
	assert_int_equal(symlink(target, d->file), 0);
	assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, NULL, &dest), -EINVAL);
	assert_int_equal(unlink(d->file), 0);

	int fd = open(d->file, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, QUARANTINE_FILE_MAX + 1), 0);
	close(fd);
	assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, NULL, &dest), -EFBIG);
	assert_int_equal(access(d->file, F_OK), 0);
	assert_int_equal(entries(d->quarantine), 0);
	remove_tree(d->root);
}

/* Every name taken: the old loop reported success without moving (32k alerts in 5 s). */
static void test_all_names_taken(void **state)
{
	for (int copy = 0; copy < 2; copy++) {
		Dirs d[1];
		char name[128], path[256];
		char *dest = NULL;
		QuarantineOptions o = {.always_copy = copy};

		dirs_make(d);
		assert_int_equal(mkdir(d->quarantine, 0700), 0);
		for (int i = 0; i < QUARANTINE_NAME_ATTEMPTS; i++) {
			assert_int_equal(
			    quarantine_name("10-flannel.conflist", NOW, i, name, sizeof(name)), 0);
			snprintf(path, sizeof(path), "%s/%s", d->quarantine, name);
			write_text(path, "taken");
		}
		write_text(d->file, "mine");
		assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, &o, &dest),
				 -EEXIST);
		assert_null(dest);
		expect_text(d->file, "mine");
		assert_int_equal(entries(d->cni), 1);
		assert_int_equal(entries(d->quarantine), QUARANTINE_NAME_ATTEMPTS);
		remove_tree(d->root);
	}
}

typedef struct Race {
	const char *path;
	const char *replacement;
	bool append_to_staged;
} Race;

/* What issue 13 did by hand, at the worst moment: mv new.conflist over the file being copied. */
static void during_copy(const char *staging, void *userdata)
{
	Race *race = userdata;
	if (race->replacement)
		write_text(race->path, race->replacement);
	if (race->append_to_staged) {
		int fd = open(staging, O_WRONLY | O_APPEND);
		assert_true(fd >= 0);
		assert_int_equal(write(fd, "more", 4), 4);
		close(fd);
	}
}

static void test_replaced_during_copy(void **state)
{
	Dirs d[1];
	_cleanup_free_ char *dest = NULL;

	dirs_make(d);
	Race race = {.path = d->file, .replacement = "new"};
	QuarantineOptions o = {.always_copy = true, .after_copy = during_copy, .userdata = &race};
	write_text(d->file, "old");
	assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, &o, &dest), 0);
	expect_text(dest, "old");
	expect_text(d->file, "new"); /* the old code unlinked this one */
	assert_int_equal(entries(d->cni), 1);
	remove_tree(d->root);
}

static void test_written_during_copy(void **state)
{
	Dirs d[1];
	char *dest = NULL;

	dirs_make(d);
	/* still written: put back whole, nothing in the quarantine, tried again later */
	Race race = {.path = d->file, .append_to_staged = true};
	QuarantineOptions o = {.always_copy = true, .after_copy = during_copy, .userdata = &race};
	write_text(d->file, "old");
	assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, &o, &dest), -EBUSY);
	assert_null(dest);
	expect_text(d->file, "oldmore");
	assert_int_equal(entries(d->quarantine), 0);
	assert_int_equal(entries(d->cni), 1);

	/* still written and its name taken meanwhile: both kept, the staged one under its name */
	race.replacement = "new";
	assert_int_equal(quarantine_file(d->file, d->quarantine, NOW, NULL, &o, &dest), -EBUSY);
	assert_non_null(dest);
	assert_non_null(strstr(dest, "/.10-flannel.conflist.routeguard-"));
	expect_text(dest, "oldmoremore");
	expect_text(d->file, "new");
	assert_int_equal(entries(d->quarantine), 0);
	free(dest);
	remove_tree(d->root);
}

/* Moved only when it is still the file evaluation judged: not one replaced or rewritten since. */
static void test_only_the_evaluated_file_moves(void **state)
{
	for (int copy = 0; copy < 2; copy++) {
		Dirs d[1];
		char *dest = NULL;
		struct stat st;
		QuarantineOptions o = {.always_copy = copy};

		dirs_make(d);
		write_text(d->file, "{\"type\":\"flannel\"}");
		assert_int_equal(lstat(d->file, &st), 0);
		FileIdentity evaluated = file_identity(&st);
		write_text(d->file, "{\"type\":\"cilium-cni\"}"); /* replaced */
		assert_int_equal(
		    quarantine_file(d->file, d->quarantine, NOW, &evaluated, &o, &dest), -ESTALE);
		assert_null(dest);
		expect_text(d->file, "{\"type\":\"cilium-cni\"}");
		assert_int_equal(entries(d->quarantine), 0);
		assert_int_equal(entries(d->cni), 1);

		assert_int_equal(lstat(d->file, &st), 0);
		evaluated = file_identity(&st);
		assert_int_equal(
		    quarantine_file(d->file, d->quarantine, NOW, &evaluated, &o, &dest), 0);
		expect_text(dest, "{\"type\":\"cilium-cni\"}");
		free(dest);
		remove_tree(d->root);
	}
}

/* cni-ipam-leftovers moves host-local's network directory: whole, by one rename, never copied. */
static void test_directory_moves_whole(void **state)
{
	Dirs d[1];
	char reservation[256], moved[256];
	_cleanup_free_ char *dest = NULL;
	char *none = NULL;
	QuarantineOptions o = {.always_copy = true};

	dirs_make(d);
	char net[160];
	snprintf(net, sizeof(net), "%s/cbr0", d->cni);
	assert_int_equal(mkdir(net, 0755), 0);
	snprintf(reservation, sizeof(reservation), "%s/10.42.0.5", net);
	write_text(reservation, "abc");
	/* across filesystems (forced here) a directory is refused, not copied */
	assert_int_equal(quarantine_file(net, d->quarantine, NOW, NULL, &o, &none), -EXDEV);
	assert_null(none);
	assert_int_equal(quarantine_file(net, d->quarantine, NOW, NULL, NULL, &dest), 0);
	snprintf(moved, sizeof(moved), "%s/10.42.0.5", dest);
	expect_text(moved, "abc");
	assert_int_equal(access(net, F_OK), -1);
	remove_tree(d->root);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_moves_by_rename),
	    cmocka_unit_test(test_moves_by_copy),
	    cmocka_unit_test(test_fifo_refused),
	    cmocka_unit_test(test_symlink_and_large_file_refused),
	    cmocka_unit_test(test_all_names_taken),
	    cmocka_unit_test(test_replaced_during_copy),
	    cmocka_unit_test(test_written_during_copy),
	    cmocka_unit_test(test_only_the_evaluated_file_moves),
	    cmocka_unit_test(test_directory_moves_whole),
	};
	return unit_main(argc, argv, tests);
}
