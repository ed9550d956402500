/* SPDX-License-Identifier: MIT */
/*
 * The host's files off the loop (issue 13). hostfacts_load() reads CNI directories, K3s's files
 * and units, networkd.conf: regular files opened O_NONBLOCK (a FIFO never blocks the open) and
 * capped at 1 MiB, yet a read from a hung NFS or FUSE mount, or a directory of a million entries,
 * still takes as long as it takes. No bound on the steps can promise the loop never blocks; a
 * thread can: it runs the one pure call and reports through an eventfd, while the loop keeps
 * reading netlink, answering the control socket and feeding the watchdog.
 *
 * One load at a time. The load and the loop share nothing while it runs: the thread reads the
 * configuration, which the loop never changes (a Reload swaps in a new one and hands the old one
 * here until the load is done), and writes only its own result. The load object has two
 * references, the loop's and the thread's; whoever drops the last frees it, so shutdown never
 * waits for a hung read.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "daemon-evaluate.h"
#include "daemon-hostfacts.h"
#include "daemon.h"
#include "log.h"
#include "timeutil.h"

/* A load is milliseconds; past this, evaluation stops waiting for it. */
#define DAEMON_HOSTFACTS_WAIT_USEC (2 * 1000000ULL)

struct HostFactsLoad {
	unsigned refs;
	int efd; /* the thread writes 1 when done */
	const Config *config;
	Config *owned_config; /* a configuration the loop no longer uses, freed with the load */
	char *root;
	HostFacts *result;
	/* The daemon's discovery, lent for the load: one load runs at a time, and an abandoned one
	 * frees it rather than handing it back. */
	K3sDiscovery *k3s_discovery;
	int error;
	uint64_t started_usec;
};

static void load_unref(HostFactsLoad *l)
{
	if (__atomic_sub_fetch(&l->refs, 1, __ATOMIC_ACQ_REL) > 0)
		return;
	hostfacts_free(l->result);
	k3s_discovery_free(l->k3s_discovery);
	config_free(l->owned_config);
	free(l->root);
	if (l->efd >= 0)
		close(l->efd);
	free(l);
}

static void *load_thread(void *userdata)
{
	HostFactsLoad *l = userdata;
	uint64_t one = 1;

	l->error = hostfacts_load(l->config, l->root, &l->k3s_discovery, &l->result);
	/* The eventfd's write and read order the result before the loop reads it. */
	if (write(l->efd, &one, sizeof(one)) < 0) {
		/* EAGAIN at most (a counter near 2^64): the loop still sees it readable */
	}
	load_unref(l);
	return NULL;
}

static void load_finish(Daemon *d)
{
	sd_event_source_disable_unref(d->hostfacts_done);
	d->hostfacts_done = NULL;
	(void)sd_event_source_set_enabled(d->hostfacts_timer, SD_EVENT_OFF);
	load_unref(d->loading);
	d->loading = NULL;
}

static int on_load_done(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	Daemon *d = userdata;
	HostFactsLoad *l = d->loading;

	d->k3s_discovery = TAKE_PTR(l->k3s_discovery);
	if (l->error < 0) {
		/* -ENOMEM only (unreadable files are facts): the old facts stay until the next
		 * change; retrying at once would spin. */
		log_error_errno(l->error, "Failed to re-read the host's configuration");
	} else {
		hostfacts_free(d->hostfacts);
		d->hostfacts = TAKE_PTR(l->result);
		/* What changed the host's files (K3s restarted, Reconcile) may have changed the
		 * legacy tables too, which send no events. */
		fw_mirror_read_legacy(d->fw_mirror);
	}
	load_finish(d);
	daemon_schedule_evaluation(d);
	return 0;
}

static int on_wait_over(sd_event_source *s, uint64_t usec, void *userdata)
{
	Daemon *d = userdata;
	log_warning("Reading the host's configuration takes more than %llu s; evaluating with what "
		    "was read before",
		    (unsigned long long)(DAEMON_HOSTFACTS_WAIT_USEC / 1000000));
	daemon_schedule_evaluation(d);
	return 0;
}

static int load_start(Daemon *d)
{
	_cleanup_free_ HostFactsLoad *l = calloc(1, sizeof(*l));
	pthread_attr_t attr;
	pthread_t thread;
	int r;

	if (!l)
		return -ENOMEM;
	l->refs = 1;
	l->config = d->config;
	l->started_usec = now_usec(CLOCK_MONOTONIC);
	if ((l->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0)
		return negative_errno();
	if (!(l->root = strdup(d->options.debug_host_root ? d->options.debug_host_root : "")) ||
	    (r = sd_event_add_io(d->event, &d->hostfacts_done, l->efd, EPOLLIN, on_load_done, d)) <
		0) {
		r = l->root ? r : -ENOMEM;
		close(l->efd);
		free(l->root);
		return r;
	}
	if (!d->hostfacts_timer && sd_event_add_time(d->event, &d->hostfacts_timer, CLOCK_MONOTONIC,
						     0, 100000, on_wait_over, d) < 0)
		d->hostfacts_timer = NULL; /* without it, evaluation waits for the load */
	(void)sd_event_source_set_time(d->hostfacts_timer,
				       l->started_usec + DAEMON_HOSTFACTS_WAIT_USEC);
	(void)sd_event_source_set_enabled(d->hostfacts_timer, SD_EVENT_ONESHOT);
	l->k3s_discovery = TAKE_PTR(d->k3s_discovery);
	d->loading = TAKE_PTR(l);
	d->loading->refs = 2;
	if ((r = -pthread_attr_init(&attr)) == 0) {
		(void)pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		r = -pthread_create(&thread, &attr, load_thread, d->loading);
		pthread_attr_destroy(&attr);
	}
	if (r < 0) {
		d->loading->refs = 1;
		d->k3s_discovery = TAKE_PTR(d->loading->k3s_discovery);
		load_finish(d);
	}
	return r;
}

bool daemon_hostfacts_ready(Daemon *d)
{
	int r;

	if (d->hostfacts_stale && !d->loading) {
		/* Stale from here on only if something changes while this load reads. */
		d->hostfacts_stale = false;
		if ((r = load_start(d)) < 0) {
			d->hostfacts_stale = true;
			log_error_errno(r, "Failed to start reading the host's configuration");
			return d->hostfacts != NULL;
		}
	}
	if (!d->loading)
		return d->hostfacts != NULL;
	return d->hostfacts &&
	       now_usec(CLOCK_MONOTONIC) >= d->loading->started_usec + DAEMON_HOSTFACTS_WAIT_USEC;
}

void daemon_hostfacts_retire_config(Daemon *d, Config *old)
{
	if (d->loading && d->loading->config == old && !d->loading->owned_config)
		d->loading->owned_config = old;
	else
		config_free(old);
}

void daemon_hostfacts_abandon(Daemon *d)
{
	if (d->loading) {
		daemon_hostfacts_retire_config(d, TAKE_PTR(d->config));
		load_finish(d);
	}
	sd_event_source_disable_unref(d->hostfacts_timer);
	d->hostfacts_timer = NULL;
	d->k3s_discovery = k3s_discovery_free(d->k3s_discovery);
}
