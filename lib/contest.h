/* Holds someone else keeps writing over: each file's losses counted, so that a fight is said once, and its end. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * A hold found written over (adjust.c, lost_said()) ends, and the floors
 * and clamps take it again over the value found: the soft limit is the
 * operator's word, and most writers write once (systemd, at each
 * daemon-reload and set-property). One that writes again and again -- a
 * script, or an agent that keeps reconciling its own idea of the file --
 * would have every round of the fight said, a notice and the hold's line
 * each balance interval, for as long as both run. So the losses of a file
 * are counted: CONTEST_STREAK of them, each found within CONTEST_WINDOW_USEC
 * of the one before, are a fight, said once (at notice), its later rounds
 * at debug; a held file not written over for CONTEST_WINDOW_USEC ends it,
 * said once too. reclaimd goes on holding
 * through a fight: giving up would end the soft limit's promise on a
 * writer's say, and the daemon-reloads of one package upgrade would look
 * the same.
 */
#define CONTEST_STREAK 3
#define CONTEST_WINDOW_USEC (10ULL * 60 * 1000000)

struct contest {
        uint32_t lost;               /* holds of the file found written over, in all (the metric) */
        uint32_t streak;             /* the last of them, each found within CONTEST_WINDOW_USEC of the
                                      * one before: CONTEST_STREAK or more is a fight */
        uint64_t last_usec;          /* when the last was found (0: never) */
        uint64_t value;              /* what reclaimd held the file at then: a hold taken again at
                                      * that value is the fight's next round, one at another value
                                      * news of its own */
};

/* Counts a hold of the file at value found written over at now. Returns the streak it is part of. */
uint32_t contest_lost(struct contest *c, uint64_t value, uint64_t now);

/* Adds the counts of from to c (a record moved from one cgroup entry to another). */
void contest_merge(struct contest *c, const struct contest *from);

/* Whether the file is in a fight: said once already, its rounds are said at debug. */
bool contest_fight(const struct contest *c);

/*
 * Ends a streak whose last loss is CONTEST_WINDOW_USEC old at now. Returns
 * true when that was a fight and the file is held now (held): no one wrote
 * over it for the whole window, the news to say. A fight whose hold went
 * (the floors went back) ends unsaid: with nothing held, nothing tells
 * whether the other writer stopped.
 */
bool contest_settled(struct contest *c, bool held, uint64_t now);
