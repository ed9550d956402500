/* SPDX-License-Identifier: MIT */
/* The daemon's view of Cilium: the triggers and the watches; the API client is cilium-client.c,
 * the decoders and the file readers are lib/cilium*.c. */
#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>

#include "cilium-client.h"
#include "daemon-cilium.h"
#include "daemon-evaluate.h"
#include "daemon.h"
#include "log.h"
#include "timeutil.h"

enum {
	WATCH_SOCKET_DIR,
	WATCH_POD_LOGS,
	WATCH_AGENT_LOGS,
	WATCH_CONFIG_LOGS,
	WATCH_CONFIG_DIR,
	WATCH_CONFIGMAP_DIR,
	_WATCH_MAX,
};

struct DaemonCilium {
	CiliumFacts *facts;
	CiliumClient *client;
	sd_event_source *poll;
	sd_event_source *reread; /* defer: the files once per batch of triggers */
	sd_event_source *watches[_WATCH_MAX];
	char *watched_uid; /* the pod whose directories the per-pod watches follow */
	uint64_t links_signature;
	bool links_seen;
};

const CiliumFacts *daemon_cilium_facts(Daemon *d)
{
	return d->cilium ? d->cilium->facts : NULL;
}

static void unwatch(struct DaemonCilium *dc, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		dc->watches[i] = sd_event_source_disable_unref(dc->watches[i]);
}

static void watch(Daemon *d, size_t slot, const char *dir, uint32_t mask,
		  sd_event_inotify_handler_t handler)
{
	struct DaemonCilium *dc = d->cilium;
	struct stat st;

	dc->watches[slot] = sd_event_source_disable_unref(dc->watches[slot]);
	if (!dir || !dir[0] || stat(dir, &st) < 0 || !S_ISDIR(st.st_mode))
		return; /* not there yet: the poll timer tries again */
	if (sd_event_add_inotify(d->event, &dc->watches[slot], dir, mask | IN_ONLYDIR, handler, d) <
	    0)
		log_warning("Cannot watch %s for changes; cilium.poll-interval re-reads it", dir);
}

/* ---- the agent's API ---- */

static void on_query_done(CiliumClient *c, CiliumAgentReach reach, CiliumAgentView *view,
			  void *userdata)
{
	Daemon *d = userdata;
	CiliumFacts *f = d->cilium->facts;

	if (reach != f->reach) {
		if (reach == CILIUM_AGENT_REACHED)
			log_info("Cilium agent answers on %s (routing mode %s)",
				 d->config->cilium.socket,
				 cilium_routing_mode_to_string(view->routing_mode) ?: "unknown");
		else if (reach == CILIUM_AGENT_UNREACHABLE)
			log_warning("Cilium agent on %s is unreachable", d->config->cilium.socket);
	}
	f->reach = reach;
	cilium_agent_view_clear(&f->agent);
	f->agent = *view;
	daemon_schedule_evaluation(d);
}

/* ---- the files ---- */

static void watch_pod(Daemon *d);

static int on_reread(sd_event_source *s, void *userdata)
{
	Daemon *d = userdata;
	struct DaemonCilium *dc = d->cilium;
	int r;

	(void)sd_event_source_set_enabled(s, SD_EVENT_OFF);
	r = cilium_files_load(d->config->cilium.kubelet_pods_dir, d->config->cilium.pod_logs_dir,
			      dc->facts);
	if (r < 0)
		log_warning_errno(r, "Failed to read Cilium's configuration directory and logs");
	watch_pod(d);
	daemon_schedule_evaluation(d);
	return 0;
}

static void schedule_reread(Daemon *d)
{
	(void)sd_event_source_set_enabled(d->cilium->reread, SD_EVENT_ONESHOT);
}

static int on_files_event(sd_event_source *s, const struct inotify_event *event, void *userdata)
{
	schedule_reread(userdata);
	return 0;
}

/* The pod's configuration directories (..data renamed over, keys created) and its containers'
 * log directories (a new N.log per attempt; closed when the container exits). */
static void watch_pod(Daemon *d)
{
	struct DaemonCilium *dc = d->cilium;
	const char *uid = dc->facts->pod_uid;
	const Config *c = d->config;
	_cleanup_free_ char *dir = NULL;

	if (uid && dc->watched_uid && strcmp(uid, dc->watched_uid) == 0 &&
	    dc->watches[WATCH_CONFIG_DIR])
		return;
	unwatch(dc, WATCH_AGENT_LOGS, _WATCH_MAX);
	free(dc->watched_uid);
	dc->watched_uid = uid ? strdup(uid) : NULL;
	if (!uid)
		return;
	for (size_t i = 0; i < ELEMENTSOF(CILIUM_CONFIG_SUBDIRS) && c->cilium.kubelet_pods_dir[0];
	     i++) {
		free(dir);
		dir = NULL;
		if (asprintf(&dir, "%s/%s/%s", c->cilium.kubelet_pods_dir, uid,
			     CILIUM_CONFIG_SUBDIRS[i]) < 0)
			return;
		watch(d, WATCH_CONFIG_DIR + i, dir,
		      IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_CLOSE_WRITE,
		      on_files_event);
	}
	free(dir);
	dir = NULL;
	/* The log directory's name is NAMESPACE_POD_UID: look it up by the uid's suffix. */
	DIR *logs = c->cilium.pod_logs_dir[0] ? opendir(c->cilium.pod_logs_dir) : NULL;
	struct dirent *de;
	while (logs && (de = readdir(logs))) {
		const char *us = strrchr(de->d_name, '_');
		if (strncmp(de->d_name, "kube-system_cilium-", 19) != 0 || !us ||
		    strcmp(us + 1, uid) != 0)
			continue;
		static const char *const containers[] = {"cilium-agent", "config"};
		for (size_t i = 0; i < 2; i++) {
			free(dir);
			dir = NULL;
			if (asprintf(&dir, "%s/%s/%s", c->cilium.pod_logs_dir, de->d_name,
				     containers[i]) < 0)
				break;
			watch(d, WATCH_AGENT_LOGS + i, dir,
			      IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO, on_files_event);
		}
		break;
	}
	if (logs)
		closedir(logs);
}

/* ---- the triggers ---- */

void daemon_cilium_refresh(Daemon *d)
{
	if (!d->cilium)
		return;
	cilium_client_query(d->cilium->client, d->config->cilium.socket);
	schedule_reread(d);
}

static int on_socket_dir_event(sd_event_source *s, const struct inotify_event *event,
			       void *userdata)
{
	Daemon *d = userdata;
	_cleanup_free_ char *copy = strdup(d->config->cilium.socket);

	/* The agent removes its socket early in start-up and listens only at its end; a socket
	 * is bound before it listens, so ask a moment later, through the poll timer. */
	if (copy && event->len > 0 && strcmp(event->name, basename(copy)) == 0) {
		uint64_t now;
		(void)sd_event_now(d->event, CLOCK_MONOTONIC, &now);
		(void)sd_event_source_set_time(d->cilium->poll, now + 250 * 1000);
		(void)sd_event_source_set_enabled(d->cilium->poll, SD_EVENT_ONESHOT);
	}
	return 0;
}

static void watch_socket_dir(Daemon *d)
{
	_cleanup_free_ char *copy = strdup(d->config->cilium.socket);
	if (!copy || !copy[0])
		return;
	watch(d, WATCH_SOCKET_DIR, dirname(copy), IN_CREATE | IN_MOVED_TO | IN_DELETE,
	      on_socket_dir_event);
}

static void watch_all(Daemon *d)
{
	struct DaemonCilium *dc = d->cilium;
	unwatch(dc, 0, _WATCH_MAX);
	free(dc->watched_uid);
	dc->watched_uid = NULL;
	watch_socket_dir(d);
	watch(d, WATCH_POD_LOGS, d->config->cilium.pod_logs_dir,
	      IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM, on_files_event);
}

static int on_poll(sd_event_source *s, uint64_t usec, void *userdata)
{
	Daemon *d = userdata;
	struct DaemonCilium *dc = d->cilium;

	/* directories that did not exist before Cilium was installed */
	if (!dc->watches[WATCH_SOCKET_DIR])
		watch_socket_dir(d);
	if (!dc->watches[WATCH_POD_LOGS])
		watch(d, WATCH_POD_LOGS, d->config->cilium.pod_logs_dir,
		      IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM, on_files_event);
	daemon_cilium_refresh(d);
	(void)sd_event_source_set_time(s, now_usec(CLOCK_MONOTONIC) +
					      d->config->cilium.poll_interval_usec);
	(void)sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
	return 0;
}

static void arm_poll(Daemon *d)
{
	uint64_t now;
	(void)sd_event_now(d->event, CLOCK_MONOTONIC, &now);
	(void)sd_event_source_set_time(d->cilium->poll, now + d->config->cilium.poll_interval_usec);
	(void)sd_event_source_set_enabled(d->cilium->poll, SD_EVENT_ONESHOT);
}

void daemon_cilium_reload(Daemon *d)
{
	if (!d->cilium)
		return;
	watch_all(d);
	arm_poll(d);
	daemon_cilium_refresh(d);
}

/* FNV-1a over the cilium_* links' indexes and names: which of Cilium's devices exist. */
void daemon_cilium_links_seen(Daemon *d)
{
	struct DaemonCilium *dc = d->cilium;
	uint64_t h = 1469598103934665603ULL;
	size_t n;
	const Link *const *links = netstate_links(d->netstate, &n);

	if (!dc)
		return;
	for (size_t i = 0; i < n; i++) {
		if (links[i]->name[0] != 'c' || strncmp(links[i]->name, "cilium_", 7) != 0)
			continue;
		for (const char *p = links[i]->name; *p; p++)
			h = (h ^ (uint8_t)*p) * 1099511628211ULL;
		h = (h ^ links[i]->ifindex) * 1099511628211ULL;
	}
	if (dc->links_seen && h != dc->links_signature) {
		log_debug("Cilium's devices changed: asking the agent again");
		daemon_cilium_refresh(d);
	}
	dc->links_signature = h;
	dc->links_seen = true;
}

int daemon_cilium_new(Daemon *d)
{
	struct DaemonCilium *dc = calloc(1, sizeof(*dc));
	int r;

	if (!dc)
		return log_error_errno(ENOMEM, "Failed to set up Cilium's view");
	d->cilium = dc;
	if ((r = cilium_facts_new(&dc->facts)) < 0 ||
	    (r = cilium_client_new(d->event, on_query_done, d, &dc->client)) < 0 ||
	    (r = sd_event_add_defer(d->event, &dc->reread, on_reread, d)) < 0 ||
	    (r = sd_event_add_time(d->event, &dc->poll, CLOCK_MONOTONIC, 0, 1000000, on_poll, d)) <
		0)
		return log_error_errno(r, "Failed to set up Cilium's view");
	(void)sd_event_source_set_enabled(dc->reread, SD_EVENT_OFF);
	daemon_cilium_reload(d);
	return 0;
}

void daemon_cilium_free(Daemon *d)
{
	struct DaemonCilium *dc = d->cilium;
	if (!dc)
		return;
	unwatch(dc, 0, _WATCH_MAX);
	cilium_client_free(dc->client);
	sd_event_source_disable_unref(dc->poll);
	sd_event_source_disable_unref(dc->reread);
	cilium_facts_free(dc->facts);
	free(dc->watched_uid);
	free(dc);
	d->cilium = NULL;
}
