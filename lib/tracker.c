/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "tracker.h"

#define REMOVALS_PER_NAME_MAX 64

int tracker_new(Tracker **ret)
{
	Tracker *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	*ret = t;
	return 0;
}

static void clear(Tracker *t)
{
	for (size_t i = 0; i < t->n_open; i++)
		free(t->open[i].subject);
	free(t->open);
	for (size_t i = 0; i < t->n_removals; i++)
		free(t->removals[i].times_usec);
	free(t->removals);
	memset(t, 0, sizeof(*t));
}

Tracker *tracker_free(Tracker *t)
{
	if (!t)
		return NULL;
	clear(t);
	free(t);
	return NULL;
}

static OpenFinding *find_open(const Tracker *t, CheckId check, const char *subject)
{
	for (size_t i = 0; i < t->n_open; i++)
		if (t->open[i].check == check && strcmp(t->open[i].subject, subject) == 0)
			return &t->open[i];
	return NULL;
}

static bool in_verdict(const Verdict *v, const OpenFinding *o)
{
	for (size_t i = 0; i < v->n_findings; i++)
		if (v->findings[i].check == o->check &&
		    strcmp(v->findings[i].subject, o->subject) == 0)
			return true;
	return false;
}

int tracker_update(Tracker *t, const Verdict *v, uint64_t now_usec, TransitionHandler handler,
		   void *userdata, uint64_t *since_usec)
{
	OpenFinding *next = calloc(v->n_findings ? v->n_findings : 1, sizeof(*next));
	if (!next)
		return -ENOMEM;

	for (size_t i = 0; i < v->n_findings; i++) {
		const Finding *f = &v->findings[i];
		const OpenFinding *old = find_open(t, f->check, f->subject);
		next[i].check = f->check;
		next[i].subject = strdup(f->subject);
		next[i].since_usec = old ? old->since_usec : now_usec;
		if (!next[i].subject) {
			for (size_t j = 0; j < i; j++)
				free(next[j].subject);
			free(next);
			return -ENOMEM;
		}
		if (since_usec)
			since_usec[i] = next[i].since_usec;
		if (!old && handler)
			handler(f->check, f->subject, TRANSITION_OPENED, f, userdata);
	}
	for (size_t i = 0; i < t->n_open; i++)
		if (!in_verdict(v, &t->open[i]) && handler)
			handler(t->open[i].check, t->open[i].subject, TRANSITION_RESOLVED, NULL,
				userdata);

	for (size_t i = 0; i < t->n_open; i++)
		free(t->open[i].subject);
	free(t->open);
	t->open = next;
	t->n_open = v->n_findings;
	return 0;
}

static RemovalHistory *removal_entry(Tracker *t, const char *name, bool create)
{
	for (size_t i = 0; i < t->n_removals; i++)
		if (strcmp(t->removals[i].name, name) == 0)
			return &t->removals[i];
	if (!create)
		return NULL;
	RemovalHistory *grown = realloc(t->removals, (t->n_removals + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	t->removals = grown;
	RemovalHistory *r = &t->removals[t->n_removals++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	return r;
}

/* Drops the times of r that left the window; clamps those after now (a clock that ran fast and was
 * set back) to now, so a removal counts for at most one window (issue 13). */
static void prune_times(RemovalHistory *r, uint64_t now_usec, uint64_t window_usec)
{
	size_t keep = 0;
	for (size_t i = 0; i < r->n_times; i++) {
		uint64_t t = r->times_usec[i] > now_usec ? now_usec : r->times_usec[i];
		if (t + window_usec > now_usec)
			r->times_usec[keep++] = t;
	}
	r->n_times = keep;
}

void tracker_prune(Tracker *t, uint64_t now_usec, uint64_t window_usec)
{
	size_t keep = 0;
	for (size_t i = 0; i < t->n_open; i++)
		if (t->open[i].since_usec > now_usec)
			t->open[i].since_usec = now_usec;
	for (size_t i = 0; i < t->n_removals; i++) {
		RemovalHistory *r = &t->removals[i];
		prune_times(r, now_usec, window_usec);
		if (r->n_times == 0) {
			free(r->times_usec);
			continue;
		}
		t->removals[keep++] = *r;
	}
	t->n_removals = keep;
}

int tracker_record_removal(Tracker *t, const char *name, uint64_t now_usec, uint64_t window_usec)
{
	/* Every name, not only this one: a name whose device never came back would stay forever. */
	tracker_prune(t, now_usec, window_usec);
	RemovalHistory *r = removal_entry(t, name, true);
	if (!r)
		return -ENOMEM;
	/* Never hold more than a bounded number. */
	if (r->n_times == REMOVALS_PER_NAME_MAX) {
		memmove(r->times_usec, r->times_usec + 1, (r->n_times - 1) * sizeof(uint64_t));
		r->n_times--;
	}
	uint64_t *grown = realloc(r->times_usec, (r->n_times + 1) * sizeof(uint64_t));
	if (!grown)
		return -ENOMEM;
	r->times_usec = grown;
	r->times_usec[r->n_times++] = now_usec;
	return 0;
}

History tracker_history(const Tracker *t, uint64_t now_usec)
{
	return (History){
	    .now_usec = now_usec, .removals = t->removals, .n_removals = t->n_removals};
}

int tracker_to_json(const Tracker *t, json_object **ret)
{
	json_object *o = json_object_new_object(), *open = json_object_new_array(),
		    *removals = json_object_new_array();

	if (!o || !open || !removals) {
		json_object_put(o);
		json_object_put(open);
		json_object_put(removals);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->n_open; i++) {
		json_object *f = json_object_new_object();
		json_object_object_add(f, "check",
				       json_object_new_string(check_to_string(t->open[i].check)));
		json_object_object_add(f, "subject", json_object_new_string(t->open[i].subject));
		json_object_object_add(f, "since-usec",
				       json_object_new_int64((int64_t)t->open[i].since_usec));
		json_object_array_add(open, f);
	}
	for (size_t i = 0; i < t->n_removals; i++) {
		json_object *r = json_object_new_object(), *times = json_object_new_array();
		json_object_object_add(r, "name", json_object_new_string(t->removals[i].name));
		for (size_t j = 0; j < t->removals[i].n_times; j++)
			json_object_array_add(
			    times, json_object_new_int64((int64_t)t->removals[i].times_usec[j]));
		json_object_object_add(r, "times-usec", times);
		json_object_array_add(removals, r);
	}
	json_object_object_add(o, "open", open);
	json_object_object_add(o, "removals", removals);
	*ret = o;
	return 0;
}

static const char *string_field(json_object *o, const char *key)
{
	json_object *v;
	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static int compare_removal_names(const void *a, const void *b)
{
	return strcmp(((const RemovalHistory *)a)->name, ((const RemovalHistory *)b)->name);
}

static int compare_times(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One entry per name, its times oldest first and bounded, as tracker_record_removal keeps them. */
static int merge_duplicate_names(Tracker *t)
{
	size_t keep = 0;

	qsort(t->removals, t->n_removals, sizeof(RemovalHistory), compare_removal_names);
	for (size_t i = 0; i < t->n_removals; i++) {
		RemovalHistory *r = &t->removals[i];
		RemovalHistory *last = keep ? &t->removals[keep - 1] : NULL;
		if (!last || strcmp(last->name, r->name) != 0) {
			t->removals[keep++] = *r;
			continue;
		}
		uint64_t *grown =
		    realloc(last->times_usec, (last->n_times + r->n_times + 1) * sizeof(uint64_t));
		if (!grown) {
			/* Entries from i on are not merged yet: freed here, the rest by clear(). */
			for (size_t j = i; j < t->n_removals; j++)
				free(t->removals[j].times_usec);
			t->n_removals = keep;
			return -ENOMEM;
		}
		memcpy(grown + last->n_times, r->times_usec, r->n_times * sizeof(uint64_t));
		last->times_usec = grown;
		last->n_times += r->n_times;
		free(r->times_usec);
	}
	t->n_removals = keep;
	for (size_t i = 0; i < t->n_removals; i++) {
		RemovalHistory *r = &t->removals[i];
		qsort(r->times_usec, r->n_times, sizeof(uint64_t), compare_times);
		if (r->n_times > REMOVALS_PER_NAME_MAX) {
			memmove(r->times_usec, r->times_usec + r->n_times - REMOVALS_PER_NAME_MAX,
				REMOVALS_PER_NAME_MAX * sizeof(uint64_t));
			r->n_times = REMOVALS_PER_NAME_MAX;
		}
	}
	return 0;
}

int tracker_from_json(Tracker *t, json_object *o)
{
	_cleanup_(tracker_freep) Tracker *loaded = NULL;
	json_object *open, *removals, *v;
	int r;

	if ((r = tracker_new(&loaded)) < 0)
		return r;
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "open", &open) ||
	    !json_object_is_type(open, json_type_array) ||
	    !json_object_object_get_ex(o, "removals", &removals) ||
	    !json_object_is_type(removals, json_type_array))
		return -EINVAL;
	size_t n = json_object_array_length(open);
	loaded->open = calloc(n ? n : 1, sizeof(OpenFinding));
	if (!loaded->open)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		json_object *f = json_object_array_get_idx(open, i);
		const char *check = string_field(f, "check"), *subject = string_field(f, "subject");
		if (!check || !subject || !json_object_object_get_ex(f, "since-usec", &v) ||
		    !json_object_is_type(v, json_type_int))
			return -EINVAL;
		CheckId id = check_from_string(check);
		if (id < 0)
			continue;
		OpenFinding *of = &loaded->open[loaded->n_open];
		if (!(of->subject = strdup(subject)))
			return -ENOMEM;
		of->check = id;
		of->since_usec = (uint64_t)json_object_get_int64(v);
		loaded->n_open++;
	}
	size_t n_names = json_object_array_length(removals);
	loaded->removals = calloc(n_names ? n_names : 1, sizeof(RemovalHistory));
	if (!loaded->removals)
		return -ENOMEM;
	/* Appended as they come and merged by name after a sort: a lookup per entry made loading
	 * quadratic (60000 names took 4 s, issue 13). */
	for (size_t i = 0; i < n_names; i++) {
		json_object *rm = json_object_array_get_idx(removals, i), *times;
		const char *name = string_field(rm, "name");
		if (!name || strlen(name) >= REMOVAL_NAME_MAX ||
		    !json_object_object_get_ex(rm, "times-usec", &times) ||
		    !json_object_is_type(times, json_type_array))
			return -EINVAL;
		RemovalHistory *h = &loaded->removals[loaded->n_removals++];
		snprintf(h->name, sizeof(h->name), "%s", name);
		size_t n_times = json_object_array_length(times);
		if (n_times > REMOVALS_PER_NAME_MAX)
			n_times = REMOVALS_PER_NAME_MAX;
		if (n_times && !(h->times_usec = calloc(n_times, sizeof(uint64_t))))
			return -ENOMEM;
		for (size_t j = 0; j < n_times; j++) {
			json_object *tv = json_object_array_get_idx(times, j);
			if (!json_object_is_type(tv, json_type_int))
				return -EINVAL;
			h->times_usec[h->n_times++] = (uint64_t)json_object_get_int64(tv);
		}
	}
	if ((r = merge_duplicate_names(loaded)) < 0)
		return r;
	clear(t);
	*t = *loaded;
	memset(loaded, 0, sizeof(*loaded));
	return 0;
}
