/* SPDX-License-Identifier: MIT */
/*
 * The state file: the tracker's open findings and removal history, so that a restart neither
 * alerts again on what was open nor forgets how often a device came back.
 */
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "daemon-state.h"
#include "daemon.h"
#include "fileutil.h"
#include "log.h"
#include "netstate-json.h" /* json_object_putp */
#include "timeutil.h"

#define STATE_FILE "state.json"
/* Far above any real state; a larger file is not ours. */
#define STATE_FILE_MAX (16 * 1024 * 1024)

int daemon_save_state(Daemon *d)
{
	_cleanup_(json_object_putp) json_object *o = NULL;
	_cleanup_free_ char *path = NULL;
	int r;

	if (mkdir(d->options.state_dir, 0755) < 0 && errno != EEXIST)
		return log_warning_errno(errno, "Cannot create %s; state is not saved",
					 d->options.state_dir);
	if (asprintf(&path, "%s/%s", d->options.state_dir, STATE_FILE) < 0 ||
	    (r = tracker_to_json(d->tracker, &o)) < 0)
		return -ENOMEM;
	size_t len;
	const char *text = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN, &len);
	if ((r = write_file_atomic(path, text, len, 0644)) < 0)
		return log_warning_errno(r, "Cannot save state to %s", path);
	return 0;
}

int daemon_load_state(Daemon *d)
{
	_cleanup_free_ char *path = NULL, *text = NULL;
	size_t len;

	if (asprintf(&path, "%s/%s", d->options.state_dir, STATE_FILE) < 0)
		return log_error_errno(ENOMEM, "Out of memory");
	int r = read_text_file(path, STATE_FILE_MAX, &text, &len);
	if (r == -ENOENT)
		return 0;
	if (r < 0) {
		log_warning_errno(r, "Cannot read %s; starting without saved state", path);
		return 0;
	}
	json_object *o = json_tokener_parse(text);
	r = o ? tracker_from_json(d->tracker, o) : -EINVAL;
	json_object_put(o);
	if (r < 0)
		log_warning(
		    "%s is not routeguard state; starting without it (open findings alert again)",
		    path);
	else {
		/* Times from a clock that ran ahead are clamped here, on load (issue 13). */
		tracker_prune(d->tracker, now_usec(CLOCK_REALTIME),
			      d->config->enforce.recreate_window_usec);
		log_info("Loaded %zu open finding(s) from %s", d->tracker->n_open, path);
	}
	return 0;
}
