/* Reports what the engine did as structured log records and as systemd's STATUS= line. */
#pragma once

#include "engine.h"
#include "policy.h"
#include "repeat.h"

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
 * A round that freed nothing, ending as the one before it did, is said once;
 * its repeats are counted in rf and summarized at most every
 * d->repeat_interval_usec (action=repeated). Returns whether it was said in full.
 */
bool report_round(struct daemon *d, const struct scope *s, struct repeat_filter *rf, unsigned round,
                  const struct scan_control *sc, int v);

/* Says the repeats not said yet (stopping). */
void report_flush(struct daemon *d);

/* Says the rounds of s held back as repeats, as report_flush() does: before s goes, at a reload. */
void report_flush_scope(struct daemon *d, struct scope *s);

/*
 * Updates s's backoff after its round (consider_reclaim_throttle()), and
 * says when it starts one (at debug level when the round was not said: said).
 */
void report_backoff(struct daemon *d, struct scope *s, const struct scan_control *sc, bool said);

/* What the kernel supports, once at start-up. */
void report_capabilities(const struct daemon *d, const char *release);

/* Says, at start, each managed cgroup that does not exist (an exact path not there yet, or mistyped). */
size_t report_absent(const struct daemon *d);

/* Says, at start and at each reload, that a glob matched reclaimd's own cgroup and left it out. */
void report_own(const struct daemon *d);

/*
 * Ends a pass's floor lines (memory.low and memory.min raised or put back):
 * past the first 50, each was said at debug only; says how many in one line.
 */
void report_floors(struct daemon *d);

/*
 * Warns, once each time the managed cgroups come to need more descriptors
 * than RLIMIT_NOFILE allows (at start, a reload, a glob that matched more).
 */
void report_nofile(struct daemon *d);
