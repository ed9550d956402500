/* SPDX-License-Identifier: MIT */
/* Whole files in and out: limits, kinds of file, atomic replacement. */
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

#include "unit-main.h"
#include "fileutil.h"

typedef struct TempDir {
	char path[64];
	char file[128];
} TempDir;

/* Each case in a directory of its own: the cases also run together, under valgrind. */
static void tempdir_make(TempDir *t)
{
	snprintf(t->path, sizeof(t->path), "/tmp/test-fileutil.XXXXXX");
	assert_non_null(mkdtemp(t->path));
	snprintf(t->file, sizeof(t->file), "%s/state.json", t->path);
}

static void tempdir_remove(TempDir *t)
{
	DIR *dir = opendir(t->path);
	struct dirent *e;
	char path[512];

	while (dir && (e = readdir(dir)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			snprintf(path, sizeof(path), "%s/%s", t->path, e->d_name);
			(void)unlink(path);
		}
	if (dir)
		closedir(dir);
	assert_int_equal(rmdir(t->path), 0);
}

static size_t entries(const char *dir_path)
{
	DIR *dir = opendir(dir_path);
	struct dirent *e;
	size_t n = 0;

	assert_non_null(dir);
	while ((e = readdir(dir)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(dir);
	return n;
}

static void test_write_then_read(void **state)
{
	TempDir t[1];
	_cleanup_free_ char *text = NULL;
	size_t len;
	struct stat st;

	tempdir_make(t);
	assert_int_equal(write_file_atomic(t->file, "first", 5, 0600), 0);
	assert_int_equal(write_file_atomic(t->file, "{\"open\":[]}", 11, 0644), 0);
	assert_int_equal(read_text_file(t->file, 1024, &text, &len), 0);
	assert_int_equal(len, 11);
	assert_string_equal(text, "{\"open\":[]}");
	/* The mode asked for, whatever the umask: node-exporter reads the textfile. */
	assert_int_equal(stat(t->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	/* No temporary file left behind. */
	assert_int_equal(entries(t->path), 1);
	tempdir_remove(t);
}

static void test_write_failure_leaves_nothing(void **state)
{
	TempDir t[1];
	char path[256];

	tempdir_make(t);
	snprintf(path, sizeof(path), "%s/missing/state.json", t->path);
	assert_int_equal(write_file_atomic(path, "x", 1, 0644), -ENOENT);
	assert_int_equal(entries(t->path), 0);
	tempdir_remove(t);
}

/* The old temporary name was predictable and opened without O_EXCL: whatever another user plants
 * beside the target (a symlink to a file of ours, a file of theirs) is never written through. */
static void test_write_never_follows_planted_names(void **state)
{
	TempDir t[1];
	char planted[256], victim[256], guess[256];
	_cleanup_free_ char *text = NULL;
	size_t len;

	tempdir_make(t);
	snprintf(victim, sizeof(victim), "%s/victim", t->path);
	assert_int_equal(write_file_atomic(victim, "keep", 4, 0600), 0);
	snprintf(guess, sizeof(guess), "%s.tmp.%d", t->file, (int)getpid());
	assert_int_equal(symlink(victim, guess), 0);
	snprintf(planted, sizeof(planted), "%s/.state.json.AAAAAA", t->path);
	assert_int_equal(symlink(victim, planted), 0);
	for (int i = 0; i < 50; i++)
		assert_int_equal(write_file_atomic(t->file, "new", 3, 0644), 0);
	assert_int_equal(read_text_file(victim, 64, &text, &len), 0);
	assert_string_equal(text, "keep");
	/* the target, the victim, the two planted links: no temporary file left behind */
	assert_int_equal(entries(t->path), 4);
	tempdir_remove(t);
}

static void test_read_limits(void **state)
{
	TempDir t[1];
	_cleanup_free_ char *text = NULL;
	size_t len;

	tempdir_make(t);
	assert_int_equal(read_text_file(t->file, 1024, &text, &len), -ENOENT);
	assert_int_equal(write_file_atomic(t->file, "0123456789", 10, 0644), 0);
	assert_int_equal(read_text_file(t->file, 9, &text, &len), -EFBIG);
	assert_null(text);
	assert_int_equal(read_text_file(t->path, 1024, &text, &len), -EISDIR);
	assert_int_equal(read_text_file("/dev/null", 1024, &text, &len), -EINVAL);
	/* /proc files say size 0 and are read to their end all the same. */
	assert_int_equal(read_text_file("/proc/self/stat", 64 * 1024, &text, &len), 0);
	assert_true(len > 0);
	assert_int_equal(strlen(text), len);
	tempdir_remove(t);
}

static void test_read_at_stays_in_the_opened_dir(void **state)
{
	TempDir t[1];
	_cleanup_free_ char *text = NULL;
	char moved[80];
	size_t len;

	tempdir_make(t);
	assert_int_equal(write_file_atomic(t->file, "native", 6, 0644), 0);
	_cleanup_close_ int dirfd = open(t->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(dirfd >= 0);
	/* The directory's path now names nothing: the name is still found through dirfd. */
	snprintf(moved, sizeof(moved), "%s.moved", t->path);
	assert_int_equal(rename(t->path, moved), 0);
	assert_int_equal(read_text_fileat(dirfd, "state.json", 64, &text, &len), 0);
	assert_string_equal(text, "native");
	assert_int_equal(len, 6);
	assert_int_equal(read_text_fileat(dirfd, "state.json", 5, &text, &len), -EFBIG);
	assert_int_equal(read_text_fileat(dirfd, ".", 64, &text, &len), -EISDIR);
	assert_int_equal(read_text_fileat(dirfd, "missing", 64, &text, &len), -ENOENT);
	assert_int_equal(rename(moved, t->path), 0);
	tempdir_remove(t);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_write_then_read),
	    cmocka_unit_test(test_write_failure_leaves_nothing),
	    cmocka_unit_test(test_write_never_follows_planted_names),
	    cmocka_unit_test(test_read_limits),
	    cmocka_unit_test(test_read_at_stays_in_the_opened_dir),
	};
	/* ctest runs each case alone: tests/CMakeLists.txt passes its name. */
	if (argc > 1)
		cmocka_set_test_filter(argv[1]);
	return unit_main(argc, argv, tests);
}
