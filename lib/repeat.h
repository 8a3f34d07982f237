/* Says a repeated line once, then summarizes its repeats at a bounded rate, as journald rate-limits. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * How often the repeats of one line are summarized at most: journald's
 * RateLimitIntervalSec= default (30 s). Under sustained pressure with
 * nothing left to take, the same round ends twice a second; the journal
 * keeps what changed and one line per interval about what did not.
 */
#define REPEAT_INTERVAL_USEC (30ULL * 1000000)

/*
 * The line said last, and its repeats since. State carried between calls;
 * the clock is an input. The key is the caller's: equal keys are "the same
 * line" (its numbers that always move, such as a round's serial, left out).
 */
struct repeat_filter {
        bool active;                 /* a line has been said: key is its */
        uint64_t key;
        uint64_t said_at_usec;       /* when it (or the last summary) was said */
        unsigned pending;            /* repeats since then, not said */
        uint64_t suppressed_total;   /* every repeat that was not said in full */
};

enum repeat_verdict {
        REPEAT_SAY,       /* a new line: say it (after a summary of *ret_count repeats of the old one, if any) */
        REPEAT_QUIET,     /* the same line within the interval: count it, say nothing */
        REPEAT_SUMMARY,   /* the same line, the interval passed: say *ret_count repeats in one line */
};

/*
 * Decides what to say of a line with key at now_usec. *ret_count is the
 * number of repeats the caller is to summarize (0: none).
 */
enum repeat_verdict repeat_check(struct repeat_filter *f, uint64_t key, uint64_t now_usec, uint64_t interval_usec,
                                 unsigned *ret_count);

/* Whether a line is being repeated: the lines that lead up to the next one may be quieted too. */
bool repeat_streak(const struct repeat_filter *f);

/*
 * Ends the streak (something else was said for the same thing): returns the
 * repeats not said yet, for a last summary, and forgets the line.
 */
unsigned repeat_reset(struct repeat_filter *f);
