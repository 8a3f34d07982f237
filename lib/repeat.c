/* Says a repeated line once, then summarizes its repeats at a bounded rate, as journald rate-limits. */
#include "autoconfig.h"

#include "repeat.h"

enum repeat_verdict repeat_check(struct repeat_filter *f, uint64_t key, uint64_t now_usec, uint64_t interval_usec,
                                 unsigned *ret_count)
{
        *ret_count = 0;
        if (!f->active || f->key != key) {
                *ret_count = repeat_reset(f);
                f->active = true;
                f->key = key;
                f->said_at_usec = now_usec;
                return REPEAT_SAY;
        }
        f->suppressed_total++;
        f->pending++;
        /* journald's ratelimit: one message per interval about what was held back. */
        if (now_usec - f->said_at_usec < interval_usec)
                return REPEAT_QUIET;
        *ret_count = f->pending;
        f->pending = 0;
        f->said_at_usec = now_usec;
        return REPEAT_SUMMARY;
}

bool repeat_streak(const struct repeat_filter *f)
{
        return f->active;
}

unsigned repeat_reset(struct repeat_filter *f)
{
        unsigned n = f->pending;

        f->active = false;
        f->pending = 0;
        return n;
}
