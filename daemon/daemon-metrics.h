/* SPDX-License-Identifier: MIT */
/* The metrics textfile for node-exporter. */
#pragma once

typedef struct Daemon Daemon;

void daemon_schedule_metrics(Daemon *d);
/* Rewrites the textfile if it has not been written for a while, so its age tells liveness. */
void daemon_metrics_heartbeat(Daemon *d);
int daemon_metrics_timer_new(Daemon *d);
