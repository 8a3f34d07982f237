/* reclaimctl status: a snapshot as aligned text for people, or as JSON for scripts. */
#include "autoconfig.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "adjust.h"
#include "escape.h"
#include "policy.h"
#include "snapshot.h"
#include "status.h"
#include "units.h"
#include "util.h"

const char *status_clock(const struct snapshot *s, uint64_t mono_usec, char *buf, size_t size)
{
        time_t t = (time_t)(((int64_t)mono_usec + s->realtime_offset_usec) / 1000000);
        struct tm tm;

        if (!localtime_r(&t, &tm) || !strftime(buf, size, "%H:%M:%S", &tm))
                snprintf(buf, size, "?");
        return buf;
}

static const char *size_or_max(char *buf, size_t size, uint64_t v)
{
        return v == UINT64_MAX ? "max" : format_size(buf, size, v);
}

static const char *cpct(char *buf, size_t size, uint32_t v)
{
        snprintf(buf, size, "%u.%02u%%", v / 100, v % 100);
        return buf;
}

/* ---- text ---- */

enum col {
        C_PATH, C_SECTION, C_SOFT, C_CURRENT, C_EXCESS, C_RANK, C_MIN, C_LOW, C_HIGH, C_THRASH, C_BACKOFF, C_LAST,
        _C_MAX
};

static const char *const col_names[_C_MAX] = {
        "CGROUP", "SECTION", "SOFT LIMIT", "CURRENT", "EXCESS", "RANK", "MIN", "LOW", "HIGH", "THRASHING",
        "BACKOFF", "LAST STEP",
};

/* One cell, printf-style, into a fresh string. */
static char *cell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *cell(const char *fmt, ...)
{
        va_list ap;
        char *s;

        va_start(ap, fmt);
        if (vasprintf(&s, fmt, ap) < 0)
                s = NULL;
        va_end(ap);
        return s;
}

/*
 * A held file the kernel says holds another value than reclaimd's: someone
 * set it since (the record ends at reclaimd's next read of it). Its value,
 * and what reclaimd held it at.
 */
static char *changed_cell(const struct adjust *a, uint64_t kernel)
{
        char v[FORMAT_SIZE_MAX], h[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX];

        return cell("%s (set since reclaimd held %s; was %s)", size_or_max(v, sizeof(v), kernel),
                    size_or_max(h, sizeof(h), a->value), size_or_max(o, sizeof(o), a->original));
}

/*
 * A cell of memory.min, memory.low or memory.high, and, while someone keeps
 * writing over reclaimd's hold of it (a fight: lib/contest.c), how many
 * times they did in all: the cell would else look settled between two of
 * their writes. NULL (no memory) stays NULL.
 */
static char *contested(char *held, const struct snapshot_cgroup *c, enum cg_file f)
{
        const struct contest *k = &c->contests[adjust_index(f)];
        char *s;

        if (!held || !contest_fight(k))
                return held;
        s = cell("%s, written over %" PRIu32 " times", held, k->lost);
        free(held);
        return s;
}

/* memory.high: as held ("300.0M (max) since 12:03:10" while clamped). */
static char *high_cell(const struct snapshot *s, const struct snapshot_cgroup *c)
{
        char v[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX], t[16];

        if (!c->high_adj.active)
                return c->files_read ? strdup(size_or_max(v, sizeof(v), c->high)) : strdup("-");
        if (!snapshot_held(c, CG_MEMORY_HIGH))
                return changed_cell(&c->high_adj, c->high);
        return cell("%s (was %s) since %s", size_or_max(v, sizeof(v), c->high_adj.value),
                    size_or_max(o, sizeof(o), c->high_adj.original), status_clock(s, c->high_since_usec, t, sizeof(t)));
}

/* memory.low or memory.min: as the kernel holds it, or as reclaimd holds it and what it was. */
static char *held_cell(const struct snapshot_cgroup *c, enum cg_file f, const struct adjust *a, uint64_t value)
{
        char v[FORMAT_SIZE_MAX], o[FORMAT_SIZE_MAX];

        if (!a->active)
                return c->files_read ? strdup(size_or_max(v, sizeof(v), value)) : strdup("-");
        if (!snapshot_held(c, f))
                return changed_cell(a, value);
        return cell("%s (was %s)", size_or_max(v, sizeof(v), a->value), size_or_max(o, sizeof(o), a->original));
}

static const char *result_word(int r, bool clamp)
{
        if (r == 0)
                return "ok";
        if (r == -EAGAIN)
                return "partial";
        if (r == -EEXIST && clamp)
                return "already lower";
        if (r == -ETIMEDOUT)
                return "timed out";
        return strerrorname_np(-r) ?: "error";
}

static char *last_cell(const struct snapshot *s, const struct snapshot_cgroup *c)
{
        const struct cg_counters *k = &c->counters;
        char a[FORMAT_SIZE_MAX], b[FORMAT_SIZE_MAX], t[16];

        if (!k->stepped)
                return strdup("-");
        if (k->last_clamp)
                return cell("clamp to %s, %s, priority %d, %s", format_size(a, sizeof(a), k->last_requested),
                            result_word(k->last_result, true), k->last_priority,
                            status_clock(s, k->last_at_usec, t, sizeof(t)));
        return cell("reclaim %s, freed %s, %s, priority %d, %s", format_size(a, sizeof(a), k->last_requested),
                    format_size(b, sizeof(b), k->last_reclaimed), result_word(k->last_result, false),
                    k->last_priority, status_clock(s, k->last_at_usec, t, sizeof(t)));
}

static int cgroup_row(const struct snapshot *s, const struct snapshot_cgroup *c, char **row)
{
        const struct snapshot_trigger *backoff = snapshot_backoff(s, c->path);
        char a[FORMAT_SIZE_MAX], b[FORMAT_SIZE_MAX], cc[FORMAT_SIZE_MAX], t[16];

        row[C_PATH] = escape_string(escape_text, c->path);
        row[C_SECTION] = c->section ? escape_string(escape_text, c->section) : strdup("-");
        row[C_SOFT] = strdup(size_or_max(a, sizeof(a), c->soft_limit));
        row[C_CURRENT] = c->exists ? strdup(format_size(b, sizeof(b), c->current)) : strdup("(none)");
        row[C_EXCESS] = strdup(c->exists ? format_size(cc, sizeof(cc), c->excess) : "-");
        row[C_RANK] = c->rank ? cell("%u", c->rank) : strdup("-");
        row[C_MIN] = contested(held_cell(c, CG_MEMORY_MIN, &c->min_adj, c->min), c, CG_MEMORY_MIN);
        row[C_LOW] = contested(held_cell(c, CG_MEMORY_LOW, &c->low_adj, c->low), c, CG_MEMORY_LOW);
        row[C_HIGH] = contested(high_cell(s, c), c, CG_MEMORY_HIGH);
        if (c->yield_until_usec > s->now_usec)
                row[C_THRASH] = cell("yes (%u‰ back), left to the LRU until %s", c->taken_permille,
                                     status_clock(s, c->yield_until_usec, t, sizeof(t)));
        else
                row[C_THRASH] = !c->refault_known ? strdup("-") :
                                cell("%s (%u‰)", c->refault_permille >= REFAULT_THRASHING_PERMILLE ? "yes" : "no",
                                     c->refault_permille);
        row[C_BACKOFF] = backoff ? cell("until %s", status_clock(s, backoff->backoff_until_usec, t, sizeof(t)))
                                 : strdup("-");
        row[C_LAST] = last_cell(s, c);
        for (int k = 0; k < _C_MAX; k++)
                if (!row[k])
                        return -ENOMEM;
        return 0;
}

/* Display width: characters, not bytes (escaped names are ASCII; ‰ is one). */
static size_t width(const char *s)
{
        size_t n = 0;

        for (; *s; s++)
                n += ((unsigned char)*s & 0xc0) != 0x80;
        return n;
}

static int table(FILE *f, const struct snapshot *s)
{
        size_t n = s->n_cgroups, w[_C_MAX];
        char **cells = calloc((n ?: 1) * _C_MAX, sizeof(char *));
        int r = 0;

        if (!cells)
                return -ENOMEM;
        for (int k = 0; k < _C_MAX; k++)
                w[k] = width(col_names[k]);
        for (size_t i = 0; i < n && r == 0; i++) {
                r = cgroup_row(s, &s->cgroups[i], cells + i * _C_MAX);
                for (int k = 0; k < _C_MAX && r == 0; k++)
                        if (width(cells[i * _C_MAX + k]) > w[k])
                                w[k] = width(cells[i * _C_MAX + k]);
        }
        for (size_t i = 0; i <= n && r == 0; i++)
                for (int k = 0; k < _C_MAX; k++) {
                        const char *t = i == 0 ? col_names[k] : cells[(i - 1) * _C_MAX + k];

                        fprintf(f, "%s%*s", t, k + 1 < _C_MAX ? (int)(w[k] - width(t) + 2) : 0, "");
                        if (k + 1 == _C_MAX)
                                fputc('\n', f);
                }
        for (size_t i = 0; i < n * _C_MAX; i++)
                free(cells[i]);
        free(cells);
        return r;
}

/*
 * The fights over holds in cgroups reclaimd does not manage (an ancestor's
 * floor): they have no row of the table, and a managed cgroup's floor holds
 * only as far as its ancestors' do.
 */
static void text_unmanaged_fights(FILE *f, const struct snapshot *s)
{
        bool first = true;

        for (size_t i = 0; i < s->n_unmanaged_contests; i++) {
                const struct snapshot_contest *c = &s->unmanaged_contests[i];

                if (!contest_fight(&c->contest))
                        continue;
                fputs(first ? "Contested: " : "           ", f);
                escape_text(f, c->path);
                fprintf(f, " (not managed): %s written over %" PRIu32 " times\n",
                        cg_file_name(c->file), c->contest.lost);
                first = false;
        }
}

static void text_system(FILE *f, const struct snapshot *s)
{
        char a[16], b[16], c[16], x[FORMAT_SIZE_MAX], y[FORMAT_SIZE_MAX], z[FORMAT_SIZE_MAX], t[16];
        uint64_t target = s->mem.wmark.high_bytes + s->reserve_bytes;
        const struct psi_line *l;
        char held[64] = "", others[96] = "";

        /* Those back within the margin that the floors still hold for (policy_note_over()). */
        if (s->n_held_over > s->n_over)
                snprintf(held, sizeof(held), " (%zu counted for the floors)", s->n_held_over);
        /* Ancestors whose memory.low a floor needs, and restores that failed and wait to be retried. */
        if (s->unmanaged_held)
                snprintf(others, sizeof(others), ", %d unmanaged cgroup%s holding a value of reclaimd's",
                         s->unmanaged_held, s->unmanaged_held == 1 ? "" : "s");
        fprintf(f, "reclaimd %s: %zu cgroups managed, %zu over their soft limit%s, %d clamped, %d protected%s%s%s\n",
                PACKAGE_VERSION, s->n_cgroups, s->n_over, held, s->clamped, s->protected, others,
                s->busy ? "; a round is in flight (cgroup readings from its start)" : "",
                s->dry_run ? "; dry run" : "");
        if (s->psi_valid) {
                l = &s->psi.line[PSI_SOME];
                fprintf(f, "Pressure:  some avg10 %s avg60 %s avg300 %s", cpct(a, sizeof(a), l->avg10_cpct),
                        cpct(b, sizeof(b), l->avg60_cpct), cpct(c, sizeof(c), l->avg300_cpct));
                l = &s->psi.line[PSI_FULL];
                fprintf(f, "; full avg10 %s avg60 %s avg300 %s\n", cpct(a, sizeof(a), l->avg10_cpct),
                        cpct(b, sizeof(b), l->avg60_cpct), cpct(c, sizeof(c), l->avg300_cpct));
        } else {
                fprintf(f, "Pressure:  unknown (/proc/pressure/memory could not be read)\n");
        }
        if (s->mem_valid)
                fprintf(f, "Memory:    free %s of %s; high watermark %s + reserve %s: %s\n",
                        format_size(x, sizeof(x), s->mem.free_bytes), format_size(y, sizeof(y), s->mem.total_bytes),
                        format_size(z, sizeof(z), s->mem.wmark.high_bytes), format_size(a, sizeof(a), s->reserve_bytes),
                        s->mem.free_bytes >= target ? "not short" : "short");
        else
                fprintf(f, "Memory:    unknown (/proc/meminfo or /proc/zoneinfo could not be read)\n");
        if (s->floors_yield_until_usec > s->now_usec)
                fprintf(f, "Floors:    let go until %s: of the %s the kernel took machine-wide, %u‰ came back\n",
                        status_clock(s, s->floors_yield_until_usec, t, sizeof(t)),
                        format_size(x, sizeof(x), s->machine_taken_bytes), s->machine_taken_permille);
        text_unmanaged_fights(f, s);
        for (size_t i = 0; i < s->n_triggers; i++) {
                const struct snapshot_trigger *tr = &s->triggers[i];

                fprintf(f, "%s", i == 0 ? "Triggers:  " : "           ");
                escape_text(f, tr->scope ?: "system");
                fprintf(f, ": %s, %s; fired %" PRIu64 ", rounds %" PRIu64 ", coalesced %" PRIu64, tr->trigger,
                        tr->armed ? "armed" : "not armed", tr->fires, tr->rounds, tr->coalesced);
                if (tr->backoff_until_usec)
                        fprintf(f, "; backing off until %s", status_clock(s, tr->backoff_until_usec, t, sizeof(t)));
                fputc('\n', f);
        }
        fprintf(f, "Rounds:    %" PRIu64 " run, %s reclaimed", s->counters.duration_count,
                format_size(x, sizeof(x), s->counters.reclaimed_bytes));
        if (s->last_round.ran) {
                fprintf(f, "; the last: ");
                escape_text(f, s->last_round.scope ?: "system");
                fprintf(f, "%s, %s at priority %d, freed %s of %s, %s", s->last_round.proactive ? " (balancer)" : "",
                        snapshot_verdict_name(s->last_round.verdict), s->last_round.priority,
                        format_size(y, sizeof(y), s->last_round.reclaimed),
                        format_size(z, sizeof(z), s->last_round.target),
                        status_clock(s, s->last_round.at_usec, t, sizeof(t)));
        }
        fprintf(f, "\n\n");
}

int status_write_text(FILE *f, const struct snapshot *s)
{
        int r;

        text_system(f, s);
        r = table(f, s);
        if (r < 0)
                return r;
        return ferror(f) ? -EIO : 0;
}

/* ---- JSON ---- */

static void json_u64(FILE *f, const char *key, uint64_t v, bool max_is_null)
{
        if (max_is_null && v == UINT64_MAX)
                fprintf(f, "\"%s\":null", key);
        else
                fprintf(f, "\"%s\":%" PRIu64, key, v);
}

static void json_str(FILE *f, const char *key, const char *v)
{
        fprintf(f, "\"%s\":", key);
        if (v)
                escape_json(f, v);
        else
                fputs("null", f);
}

/* A CLOCK_MONOTONIC time as Unix seconds, or null. */
static void json_time(FILE *f, const char *key, const struct snapshot *s, uint64_t mono_usec, bool set)
{
        if (!set)
                fprintf(f, "\"%s\":null", key);
        else
                fprintf(f, "\"%s\":%.3f", key, (double)((int64_t)mono_usec + s->realtime_offset_usec) / 1e6);
}

/* ,"FILE_held":bool and, while held, FILE_original_bytes and FILE_held_bytes ([balance] protect). */
static void json_held(FILE *f, const char *file, const struct adjust *a)
{
        char key[64];

        fprintf(f, ",\"%s_held\":%s", file, a->active ? "true" : "false");
        if (!a->active)
                return;
        snprintf(key, sizeof(key), "%s_original_bytes", file);
        fputc(',', f);
        json_u64(f, key, a->original, true);
        snprintf(key, sizeof(key), "%s_held_bytes", file);
        fputc(',', f);
        json_u64(f, key, a->value, true);
}

/* ,"FILE_written_over":N,"FILE_contested":bool for each of the three files reclaimd may hold (lib/contest.c). */
static void json_contests(FILE *f, const struct snapshot_cgroup *c)
{
        static const char *const names[] = { "memory_high", "memory_low", "memory_min" };   /* adjust_files */

        for (size_t k = 0; k < ARRAY_SIZE(names); k++)
                fprintf(f, ",\"%s_written_over\":%" PRIu32 ",\"%s_contested\":%s", names[k], c->contests[k].lost,
                        names[k], contest_fight(&c->contests[k]) ? "true" : "false");
}

static void json_psi(FILE *f, const char *key, const struct psi_line *l)
{
        fprintf(f, "\"%s\":{\"avg10\":%.2f,\"avg60\":%.2f,\"avg300\":%.2f,\"total_usec\":%" PRIu64 "}", key,
                l->avg10_cpct / 100.0, l->avg60_cpct / 100.0, l->avg300_cpct / 100.0, l->total_usec);
}

static void json_cgroup(FILE *f, const struct snapshot *s, const struct snapshot_cgroup *c)
{
        const struct snapshot_trigger *backoff = snapshot_backoff(s, c->path);
        const struct cg_counters *k = &c->counters;

        fputc('{', f);
        json_str(f, "path", c->path);
        fputc(',', f);
        json_str(f, "section", c->section);
        fprintf(f, ",\"exists\":%s,", c->exists ? "true" : "false");
        json_u64(f, "soft_limit_bytes", c->soft_limit, true);
        fputc(',', f);
        json_u64(f, "memory_current_bytes", c->current, false);
        fputc(',', f);
        json_u64(f, "excess_bytes", c->excess, false);
        fprintf(f, ",\"over_soft_limit\":%s,\"held_over\":%s,\"rank\":", c->over ? "true" : "false",
                c->held_over ? "true" : "false");
        if (c->rank)
                fprintf(f, "%u", c->rank);
        else
                fputs("null", f);
        if (c->files_read) {
                fputc(',', f);
                json_u64(f, "memory_min_bytes", c->min, true);
                fputc(',', f);
                json_u64(f, "memory_low_bytes", c->low, true);
                fputc(',', f);
                json_u64(f, "memory_high_bytes", c->high, true);
        }
        fprintf(f, ",\"memory_high_clamped\":%s", c->high_adj.active ? "true" : "false");
        if (c->high_adj.active) {
                fputc(',', f);
                json_u64(f, "memory_high_original_bytes", c->high_adj.original, true);
                fputc(',', f);
                json_u64(f, "memory_high_clamped_bytes", c->high_adj.value, true);
                fputc(',', f);
                json_time(f, "memory_high_clamped_since", s, c->high_since_usec, true);
        }
        json_held(f, "memory_low", &c->low_adj);
        json_held(f, "memory_min", &c->min_adj);
        json_contests(f, c);
        fprintf(f, ",\"thrashing\":%s,\"refault_permille\":",
                c->refault_known && c->refault_permille >= REFAULT_THRASHING_PERMILLE ? "true" : "false");
        if (c->refault_known)
                fprintf(f, "%u", c->refault_permille);
        else
                fputs("null", f);
        fputc(',', f);
        json_time(f, "floors_yield_until", s, c->yield_until_usec, c->yield_until_usec > s->now_usec);
        fprintf(f, ",\"taken_back_permille\":%u,", c->taken_permille);
        json_time(f, "backoff_until", s, backoff ? backoff->backoff_until_usec : 0, backoff != NULL);
        fprintf(f, ",\"reclaimed_bytes_total\":%" PRIu64 ",\"last_step\":", k->reclaimed_bytes);
        if (k->stepped) {
                fprintf(f, "{\"action\":\"%s\",\"requested_bytes\":%" PRIu64 ",\"reclaimed_bytes\":%" PRIu64
                        ",\"priority\":%d,\"result\":\"%s\",", k->last_clamp ? "clamp" : "reclaim", k->last_requested,
                        k->last_reclaimed, k->last_priority, result_word(k->last_result, k->last_clamp));
                json_time(f, "at", s, k->last_at_usec, true);
                fputc('}', f);
        } else {
                fputs("null", f);
        }
        fputc('}', f);
}

int status_write_json(FILE *f, const struct snapshot *s)
{
        fprintf(f, "{\"version\":\"%s\",\"dry_run\":%s,\"round_in_flight\":%s,", PACKAGE_VERSION,
                s->dry_run ? "true" : "false", s->busy ? "true" : "false");
        json_time(f, "taken", s, s->now_usec, true);
        fputs(",\"pressure\":", f);
        if (s->psi_valid) {
                fputc('{', f);
                json_psi(f, "some", &s->psi.line[PSI_SOME]);
                fputc(',', f);
                json_psi(f, "full", &s->psi.line[PSI_FULL]);
                fputc('}', f);
        } else {
                fputs("null", f);
        }
        fputs(",\"memory\":", f);
        if (s->mem_valid)
                fprintf(f, "{\"total_bytes\":%" PRIu64 ",\"free_bytes\":%" PRIu64 ",\"watermark_min_bytes\":%" PRIu64
                        ",\"watermark_low_bytes\":%" PRIu64 ",\"watermark_high_bytes\":%" PRIu64
                        ",\"reserve_bytes\":%" PRIu64 ",\"short\":%s}", s->mem.total_bytes, s->mem.free_bytes,
                        s->mem.wmark.min_bytes, s->mem.wmark.low_bytes, s->mem.wmark.high_bytes, s->reserve_bytes,
                        s->mem.free_bytes < s->mem.wmark.high_bytes + s->reserve_bytes ? "true" : "false");
        else
                fputs("null", f);
        fputc(',', f);
        json_time(f, "machine_floors_yield_until", s, s->floors_yield_until_usec,
                  s->floors_yield_until_usec > s->now_usec);
        fprintf(f, ",\"machine_taken_bytes\":%" PRIu64 ",\"machine_taken_back_permille\":%u", s->machine_taken_bytes,
                s->machine_taken_permille);
        fprintf(f, ",\"unmanaged_cgroups_held\":%d,\"unmanaged_written_over\":[", s->unmanaged_held);
        for (size_t i = 0; i < s->n_unmanaged_contests; i++) {
                const struct snapshot_contest *c = &s->unmanaged_contests[i];

                fputs(i ? ",{" : "{", f);
                json_str(f, "path", c->path);
                fputc(',', f);
                json_str(f, "file", cg_file_name(c->file));
                fprintf(f, ",\"written_over\":%" PRIu32 ",\"contested\":%s}", c->contest.lost,
                        contest_fight(&c->contest) ? "true" : "false");
        }
        fputc(']', f);
        fputs(",\"triggers\":[", f);
        for (size_t i = 0; i < s->n_triggers; i++) {
                const struct snapshot_trigger *t = &s->triggers[i];

                fprintf(f, "%s{", i ? "," : "");
                json_str(f, "scope", t->scope ?: "system");
                fputc(',', f);
                json_str(f, "trigger", t->trigger);
                fprintf(f, ",\"armed\":%s,\"fires\":%" PRIu64 ",\"rounds\":%" PRIu64 ",\"coalesced\":%" PRIu64 ",",
                        t->armed ? "true" : "false", t->fires, t->rounds, t->coalesced);
                json_time(f, "backoff_until", s, t->backoff_until_usec, t->backoff_until_usec != 0);
                fputc('}', f);
        }
        fprintf(f, "],\"rounds\":%" PRIu64 ",\"reclaimed_bytes_total\":%" PRIu64 ",\"last_round\":",
                s->counters.duration_count, s->counters.reclaimed_bytes);
        if (s->last_round.ran) {
                fputc('{', f);
                json_str(f, "scope", s->last_round.scope ?: "system");
                fprintf(f, ",\"mode\":\"%s\",\"result\":\"%s\",\"priority\":%d,\"target_bytes\":%" PRIu64
                        ",\"reclaimed_bytes\":%" PRIu64 ",", s->last_round.proactive ? "background" : "direct",
                        snapshot_verdict_name(s->last_round.verdict), s->last_round.priority, s->last_round.target,
                        s->last_round.reclaimed);
                json_time(f, "at", s, s->last_round.at_usec, true);
                fputc('}', f);
        } else {
                fputs("null", f);
        }
        fputs(",\"cgroups\":[", f);
        for (size_t i = 0; i < s->n_cgroups; i++) {
                if (i)
                        fputc(',', f);
                json_cgroup(f, s, &s->cgroups[i]);
        }
        fputs("]}\n", f);
        return ferror(f) ? -EIO : 0;
}
