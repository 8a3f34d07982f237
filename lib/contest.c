/* Holds someone else keeps writing over: each file's losses counted, so that a fight is said once, and its end. */
#include "autoconfig.h"

#include <stdint.h>

#include "contest.h"

uint32_t contest_lost(struct contest *c, uint64_t value, uint64_t now)
{
        bool recent = c->last_usec && now < c->last_usec + CONTEST_WINDOW_USEC;

        if (!recent)
                c->streak = 1;
        else if (c->streak < UINT32_MAX)
                c->streak++;
        c->last_usec = now;
        c->value = value;
        if (c->lost < UINT32_MAX)
                c->lost++;
        return c->streak;
}

bool contest_fight(const struct contest *c)
{
        return c->streak >= CONTEST_STREAK;
}

bool contest_settled(struct contest *c, bool held, uint64_t now)
{
        bool fight = contest_fight(c);

        /* now may be a reading taken before the last loss was found: no wrap. */
        if (!c->streak || now < c->last_usec + CONTEST_WINDOW_USEC)
                return false;
        c->streak = 0;
        return fight && held;
}

void contest_merge(struct contest *c, const struct contest *from)
{
        uint32_t lost = c->lost > UINT32_MAX - from->lost ? UINT32_MAX : c->lost + from->lost;

        if (from->last_usec >= c->last_usec)
                *c = *from;   /* the later streak */
        c->lost = lost;
}
