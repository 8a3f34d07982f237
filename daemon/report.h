/* Reports what the engine did as structured log records and as systemd's STATUS= line. */
#pragma once

#include "engine.h"
#include "policy.h"

struct daemon;
struct scope;

/* "system", or the scope's cgroup path. */
const char *scope_name(const struct scope *s);

/* The hooks through which the engine tells the daemon what it did (logged as they come). */
void report_observer(struct daemon *d, struct engine_observer *ret);

/* STATUS=: pressure level, cgroups managed, over their soft limit and clamped, bytes reclaimed. */
void report_status(struct daemon *d);

/*
 * The end of a round (the balancer's when sc->proactive, for the system
 * scope s), and "reclaim exhausted" when priority 0 passed with nothing freed.
 */
void report_round(const struct scope *s, unsigned round, const struct scan_control *sc, int v);

/* Updates s's backoff after its round (consider_reclaim_throttle()), and says when it starts one. */
void report_backoff(struct daemon *d, struct scope *s, const struct scan_control *sc);

/* What the kernel supports, once at start-up. */
void report_capabilities(const struct daemon *d, const char *release);
