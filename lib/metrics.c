/* The Prometheus text exposition of a snapshot, for node_exporter's textfile collector. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "adjust.h"
#include "escape.h"
#include "metrics.h"
#include "policy.h"
#include "snapshot.h"
#include "util.h"

static void help(FILE *f, const char *name, const char *type, const char *text)
{
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

/* name{cgroup="..."[,label="value"]} v: label and value are the callers' constants, printed as they are. */
static void labelled_sample(FILE *f, const char *name, const char *path, const char *label, const char *value,
                            uint64_t v)
{
        fprintf(f, "%s{cgroup=\"", name);
        escape_prom(f, path);
        if (value)
                fprintf(f, "\",%s=\"%s", label, value);
        fprintf(f, "\"} %" PRIu64 "\n", v);
}

/* name{cgroup="..."[,result="..."]} value */
static void cgroup_sample(FILE *f, const char *name, const char *path, const char *result, uint64_t v)
{
        labelled_sample(f, name, path, "result", result, v);
}


/*
 * One gauge of the values reclaimd holds file at, cgroup by cgroup: none
 * where the file as last read holds a value someone set since, as
 * reclaimctl status shows it ("set since reclaimd held ...").
 */
static void adjust_gauge(FILE *f, const struct snapshot *s, size_t n, const char *name, const char *text,
                         enum cg_file file)
{
        help(f, name, "gauge", text);
        for (size_t i = 0; i < n; i++) {
                const struct adjust *a = snapshot_held(&s->cgroups[i], file);

                if (a)
                        cgroup_sample(f, name, s->cgroups[i].path, NULL, a->value);
        }
}
/* The series of each cgroup of s (labelled_view()'s: those with series of their own). */
static void per_cgroup(FILE *f, const struct snapshot *s)
{
        size_t n = s->n_cgroups;
        static const char *const req[] = { "ok", "partial", "error" };
        static const char *const clamp[] = { "ok", "already_lower", "error" };

        help(f, "reclaimd_cgroup_reclaimed_bytes_total", "counter",
             "Bytes reclaimd's steps freed from the cgroup (measured falls of memory.current).");
        for (size_t i = 0; i < n; i++)
                cgroup_sample(f, "reclaimd_cgroup_reclaimed_bytes_total", s->cgroups[i].path, NULL,
                              s->cgroups[i].counters.reclaimed_bytes);
        help(f, "reclaimd_cgroup_requests_total", "counter", "memory.reclaim writes, by result.");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < ARRAY_SIZE(req); k++)
                        cgroup_sample(f, "reclaimd_cgroup_requests_total", s->cgroups[i].path, req[k],
                                      s->cgroups[i].counters.requests[k]);
        help(f, "reclaimd_cgroup_clamps_total", "counter", "memory.high lowerings, by result.");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < ARRAY_SIZE(clamp); k++)
                        cgroup_sample(f, "reclaimd_cgroup_clamps_total", s->cgroups[i].path, clamp[k],
                                      s->cgroups[i].counters.clamps[k]);
        help(f, "reclaimd_cgroup_memory_current_bytes", "gauge", "memory.current as last read.");
        for (size_t i = 0; i < n; i++)
                if (s->cgroups[i].exists)
                        cgroup_sample(f, "reclaimd_cgroup_memory_current_bytes", s->cgroups[i].path, NULL,
                                      s->cgroups[i].current);
        help(f, "reclaimd_cgroup_soft_limit_bytes", "gauge", "The configured soft limit (cgroups that have one).");
        for (size_t i = 0; i < n; i++)
                if (s->cgroups[i].soft_limit != UINT64_MAX)
                        cgroup_sample(f, "reclaimd_cgroup_soft_limit_bytes", s->cgroups[i].path, NULL,
                                      s->cgroups[i].soft_limit);
        help(f, "reclaimd_cgroup_soft_limit_excess_bytes", "gauge", "memory.current above the soft limit.");
        for (size_t i = 0; i < n; i++)
                if (s->cgroups[i].exists)
                        cgroup_sample(f, "reclaimd_cgroup_soft_limit_excess_bytes", s->cgroups[i].path, NULL,
                                      s->cgroups[i].excess);
        help(f, "reclaimd_cgroup_holds_written_over_total", "counter",
             "Holds of reclaimd's found written over by someone else, by file, since the cgroup was first "
             "managed, or for an ancestor first held (a steady rise: another writer fights reclaimd).");
        for (size_t i = 0; i < n; i++)
                for (size_t k = 0; k < ARRAY_SIZE(adjust_files); k++)
                        if (s->cgroups[i].contests[k].lost)
                                labelled_sample(f, "reclaimd_cgroup_holds_written_over_total", s->cgroups[i].path,
                                                "file", cg_file_name(adjust_files[k]),
                                                s->cgroups[i].contests[k].lost);
        /*
         * Ancestors too (a slice's memory.low, which systemd writes at each
         * daemon-reload), as many as max_cgroups (labelled_view()): a glob's
         * pods, each an ancestor that kubelet's memory QoS may set, would
         * otherwise take as many series as max_cgroups keeps from the
         * managed ones.
         */
        for (size_t i = 0; i < s->n_unmanaged_contests; i++)
                labelled_sample(f, "reclaimd_cgroup_holds_written_over_total", s->unmanaged_contests[i].path, "file",
                                cg_file_name(s->unmanaged_contests[i].file), s->unmanaged_contests[i].contest.lost);
        adjust_gauge(f, s, n, "reclaimd_cgroup_memory_high_clamped_bytes",
                     "memory.high as reclaimd holds it lowered (cgroups clamped now).",
                     CG_MEMORY_HIGH);
        adjust_gauge(f, s, n, "reclaimd_cgroup_memory_low_held_bytes",
                     "memory.low as reclaimd holds it raised while a cgroup is over its soft limit.",
                     CG_MEMORY_LOW);
        adjust_gauge(f, s, n, "reclaimd_cgroup_memory_min_held_bytes",
                     "memory.min as reclaimd holds it raised while a cgroup is over its soft limit ([balance] protect).",
                     CG_MEMORY_MIN);
}

static void rounds(FILE *f, const struct snapshot *s)
{
        static const char *const mode[] = { "direct", "background" };
        const struct snapshot_counters *c = &s->counters;

        help(f, "reclaimd_rounds_total", "counter",
             "Reclaim rounds, by mode and verdict (no_shortage: a trigger found the machine not short; none ran).");
        for (int p = 0; p < 2; p++)
                for (int v = POLICY_DONE_TARGET; v < (int)SNAPSHOT_VERDICTS; v++) {
                        int verdict = v == SNAPSHOT_VERDICTS - 2 ? -ECANCELED : v == SNAPSHOT_VERDICTS - 1 ? -EIO : v;

                        if (verdict == POLICY_IDLE)
                                continue;   /* the balancer's idle checks are not rounds */
                        fprintf(f, "reclaimd_rounds_total{mode=\"%s\",result=\"%s\"} %" PRIu64 "\n", mode[p],
                                snapshot_verdict_name(verdict), c->rounds[p][v]);
                }
        help(f, "reclaimd_round_duration_seconds", "histogram", "Wall time of reclaim rounds.");
        for (size_t i = 0; i < SNAPSHOT_DURATION_BUCKETS; i++)
                fprintf(f, "reclaimd_round_duration_seconds_bucket{le=\"%g\"} %" PRIu64 "\n",
                        snapshot_duration_bounds[i], c->duration_buckets[i]);
        fprintf(f, "reclaimd_round_duration_seconds_bucket{le=\"+Inf\"} %" PRIu64 "\n", c->duration_count);
        fprintf(f, "reclaimd_round_duration_seconds_sum %.6f\n", c->duration_sum_seconds);
        fprintf(f, "reclaimd_round_duration_seconds_count %" PRIu64 "\n", c->duration_count);
}

/* The managed cgroups the floors give way to now (policy_floors_yield()). */
static size_t yielded_to(const struct snapshot *s)
{
        size_t n = 0;

        for (size_t i = 0; i < s->n_cgroups; i++)
                n += s->cgroups[i].yield_until_usec > s->now_usec;
        return n;
}

/*
 * The PSI triggers' fires: the system's, and a cgroup's only when the
 * cgroup has series of its own (in view, labelled_view()), or a trigger on
 * each cgroup of a glob (a pod each) would take as many series as
 * max_cgroups keeps from the cgroup ones.
 */
static void trigger_fires(FILE *f, const struct snapshot *view, const struct snapshot *s)
{
        size_t unlabelled = 0;

        help(f, "reclaimd_trigger_fires_total", "counter", "PSI trigger events, by scope.");
        for (size_t i = 0; i < s->n_triggers; i++) {
                const char *scope = s->triggers[i].scope;

                if (scope && !snapshot_find(view, scope)) {
                        unlabelled++;
                        continue;
                }
                fputs("reclaimd_trigger_fires_total{scope=\"", f);
                escape_prom(f, scope ?: "system");
                fprintf(f, "\"} %" PRIu64 "\n", s->triggers[i].fires);
        }
        help(f, "reclaimd_trigger_scopes_unlabelled", "gauge",
             "Cgroup trigger scopes whose cgroup is beyond [metrics] max_cgroups, or whose label reads as "
             "another's, without series of their own.");
        fprintf(f, "reclaimd_trigger_scopes_unlabelled %zu\n", unlabelled);
}

/* A label as escape_prom() writes it, and what it labels, for labelled_view(). */
struct label {
        char *text;
        size_t order;                /* managed cgroups first, in path order; then the ancestors' contests */
        enum cg_file file;           /* an ancestor's contest's; _CG_FILE_MAX for a managed cgroup */
};

static int cmp_label(const void *a, const void *b)
{
        const struct label *x = a, *y = b;
        int c = strcmp(x->text, y->text);

        return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

/*
 * What has series of its own: the first max_cgroups managed cgroups in path
 * order, and as many ancestors' contests, less any whose label reads as one
 * before it. escape_prom() writes a byte that is not UTF-8 as text a name
 * may hold ("x\\xff" is the label of x<0xff> and of x\xff): two cgroups of
 * a hostile owner would make one series twice, which the text format
 * forbids and node_exporter refuses at every scrape. view is s with only
 * those (shallow copies: nothing of it is freed but its two arrays).
 */
static int labelled_view(const struct snapshot *s, size_t max_cgroups, struct snapshot *view)
{
        size_t n = s->n_cgroups < max_cgroups ? s->n_cgroups : max_cgroups;
        size_t u = s->n_unmanaged_contests < max_cgroups ? s->n_unmanaged_contests : max_cgroups;
        struct label *l = calloc(n + u + 1, sizeof(*l));
        bool *keep = calloc(n + u + 1, sizeof(*keep)), managed_kept = false;
        unsigned files_kept = 0;
        int r = l && keep ? 0 : -ENOMEM;

        for (size_t i = 0; i < n + u && r == 0; i++) {
                l[i] = (struct label){ .order = i, .file = i < n ? _CG_FILE_MAX : s->unmanaged_contests[i - n].file,
                                       .text = escape_string(escape_prom, i < n ? s->cgroups[i].path
                                                                             : s->unmanaged_contests[i - n].path) };
                r = l[i].text ? 0 : -ENOMEM;
        }
        if (r == 0)
                qsort(l, n + u, sizeof(*l), cmp_label);
        /* Of those that read the same, the first: a managed cgroup before an ancestor's contest of that file. */
        for (size_t i = 0; i < n + u && r == 0; i++) {
                bool managed = l[i].file == _CG_FILE_MAX;
                unsigned bit = managed ? 0 : 1u << adjust_index(l[i].file);

                if (i == 0 || !streq(l[i].text, l[i - 1].text))
                        managed_kept = false, files_kept = 0;
                keep[l[i].order] = !managed_kept && !(files_kept & bit);
                if (keep[l[i].order] && managed)
                        managed_kept = true;
                else if (keep[l[i].order])
                        files_kept |= bit;
        }
        *view = *s;
        view->n_cgroups = view->n_unmanaged_contests = 0;
        view->cgroups = r == 0 ? calloc(n + 1, sizeof(*view->cgroups)) : NULL;
        view->unmanaged_contests = r == 0 ? calloc(u + 1, sizeof(*view->unmanaged_contests)) : NULL;
        if (!view->cgroups || !view->unmanaged_contests)
                r = -ENOMEM;
        /* In path order, as s: snapshot_find() searches it. */
        for (size_t i = 0; i < n + u && r == 0; i++)
                if (keep[i] && i < n)
                        view->cgroups[view->n_cgroups++] = s->cgroups[i];
                else if (keep[i])
                        view->unmanaged_contests[view->n_unmanaged_contests++] = s->unmanaged_contests[i - n];
        for (size_t i = 0; i < n + u && l; i++)
                free(l[i].text);
        free(l);
        free(keep);
        if (r < 0) {
                free(view->cgroups);
                free(view->unmanaged_contests);
        }
        return r;
}

int metrics_write(FILE *f, const struct snapshot *s, size_t max_cgroups)
{
        struct snapshot view;
        size_t n;

        if (labelled_view(s, max_cgroups, &view) < 0)
                return -ENOMEM;
        n = view.n_cgroups;

        help(f, "reclaimd_build_info", "gauge", "reclaimd's version.");
        fprintf(f, "reclaimd_build_info{version=\"%s\"} 1\n", PACKAGE_VERSION);
        help(f, "reclaimd_reclaimed_bytes_total", "counter", "Bytes reclaimd's rounds freed, all cgroups.");
        fprintf(f, "reclaimd_reclaimed_bytes_total %" PRIu64 "\n", s->counters.reclaimed_bytes);
        rounds(f, s);
        trigger_fires(f, &view, s);
        help(f, "reclaimd_log_repeats_suppressed_total", "counter",
             "Rounds that ended as the one before them and were not logged in full.");
        fprintf(f, "reclaimd_log_repeats_suppressed_total %" PRIu64 "\n", s->counters.repeats_suppressed);
        help(f, "reclaimd_cgroups_managed", "gauge", "Cgroups the configuration manages now.");
        fprintf(f, "reclaimd_cgroups_managed %zu\n", s->n_cgroups);
        help(f, "reclaimd_cgroups_over_soft_limit", "gauge", "Managed cgroups over their soft limits.");
        fprintf(f, "reclaimd_cgroups_over_soft_limit %zu\n", s->n_over);
        help(f, "reclaimd_cgroups_held_over", "gauge",
             "Managed cgroups counted as over for the floors: those over their soft limits, and those back "
             "within the margin from further over, until they are at their soft limits (yielded_to ones "
             "included; 0 with [balance] protect = no).");
        fprintf(f, "reclaimd_cgroups_held_over %zu\n", s->n_held_over);
        help(f, "reclaimd_cgroups_clamped", "gauge", "Managed cgroups whose memory.high reclaimd holds lowered.");
        fprintf(f, "reclaimd_cgroups_clamped %d\n", s->clamped);
        help(f, "reclaimd_cgroups_protected", "gauge", "Managed cgroups whose memory.low or memory.min reclaimd holds raised.");
        fprintf(f, "reclaimd_cgroups_protected %d\n", s->protected);
        help(f, "reclaimd_unmanaged_cgroups_held", "gauge",
             "Cgroups not managed that hold a value reclaimd changed: ancestors whose memory.low a floor needs, "
             "and restores that failed, to be tried again.");
        fprintf(f, "reclaimd_unmanaged_cgroups_held %d\n", s->unmanaged_held);
        help(f, "reclaimd_cgroups_yielded_to", "gauge",
             "Managed cgroups over their soft limits the floors give way to: what is taken from them comes back.");
        fprintf(f, "reclaimd_cgroups_yielded_to %zu\n", yielded_to(s));
        help(f, "reclaimd_floors_let_go", "gauge",
             "1 while every floor is let go because what the kernel takes machine-wide comes back.");
        fprintf(f, "reclaimd_floors_let_go %d\n", s->floors_yield_until_usec > s->now_usec);
        help(f, "reclaimd_cgroups_unlabelled", "gauge",
             "Managed cgroups beyond [metrics] max_cgroups, or whose label reads as another's, without series "
             "of their own.");
        fprintf(f, "reclaimd_cgroups_unlabelled %zu\n", s->n_cgroups - n);
        if (s->mem_valid) {
                help(f, "reclaimd_free_target_bytes", "gauge",
                     "Free memory the balancer keeps: the zones' high watermark plus the reserve.");
                fprintf(f, "reclaimd_free_target_bytes %" PRIu64 "\n", s->mem.wmark.high_bytes + s->reserve_bytes);
        }
        per_cgroup(f, &view);
        free(view.cgroups);
        free(view.unmanaged_contests);
        return ferror(f) ? -EIO : 0;
}

int metrics_write_file(const char *path, const struct snapshot *s, size_t max_cgroups)
{
        _cleanup_free_ char *tmp = NULL;
        FILE *f;
        int fd, r;

        /* Beside it, so that rename() replaces it atomically; node_exporter ignores names not ending .prom. */
        if (asprintf(&tmp, "%s.XXXXXX", path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fchmod(fd, 0644) < 0 || !(f = fdopen(fd, "w"))) {
                r = negative_errno();
                close(fd);
                unlink(tmp);
                return r;
        }
        r = metrics_write(f, s, max_cgroups);
        if (fclose(f) != 0 && r == 0)
                r = negative_errno();
        if (r == 0 && rename(tmp, path) < 0)
                r = negative_errno();
        if (r < 0)
                unlink(tmp);
        return r;
}
