/* A simulated kernel behind the backend interface, for tests and benchmarks. */
#include "autoconfig.h"

#include <errno.h>
#include <fnmatch.h>
#include <stdbool.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "backend-sim.h"
#include "psi.h"
#include "units.h"
#include "util.h"

struct backend_cgroup {
        char *path;
        uint64_t id;                    /* fresh for each cgroup made, as a directory's inode is */
        uint64_t hot_bytes, cold_bytes;
        bool cold_anon;                 /* the cold part is anonymous memory, not page cache */
        uint64_t unevictable_bytes;     /* of the cold part: mlocked (memory.stat unevictable) */
        uid_t owner;                    /* who owns its directory (a delegated subtree's user) */
        char *xattr_names[2];           /* extended attributes set on its directory */
        char *xattr_values[2];
        uint64_t min_bytes, low_bytes, high_bytes;
        uint64_t refault_pages;         /* memory.stat workingset_refault_* and workingset_activate_* */
        uint64_t steal_pages;           /* memory.stat pgsteal: every reclaim's */
        uint64_t reclaimed_bytes;
        unsigned writes;
        bool removed;
        unsigned open_handles;
        bool empty;                     /* no task in it: cgroup.events says populated 0 */
        bool remove_after_write;        /* rmdir waiting on the next write (kernfs_drain()) */
        enum cg_file fail_file;
        int fail_err;
        unsigned fail_count;
        enum cg_file override_file;     /* a file whose contents a test dictates */
        char *override_text;            /* NULL: none */
        int override_err;               /* or the error its reads fail with */
        int trigger_err;                /* the next trigger_fail_count triggers fail with it */
        unsigned trigger_fail_count;
        bool remove_at_trigger;         /* removed as its next trigger is opened: the race with rmdir */
};

/*
 * An armed trigger. The fd handed out is one end of a socketpair; the sim
 * keeps the other. Removing the cgroup closes the sim's end, so the owner's
 * fd reports EPOLLHUP on every poll until it is closed: the analogue of the
 * POLLERR|POLLPRI a removed cgroup's trigger reports (kernfs_fop_poll() on
 * a deactivated node answers DEFAULT_POLLMASK|EPOLLERR|EPOLLPRI).
 */
struct sim_trigger {
        struct backend_cgroup *cg;      /* &sim.system for /proc/pressure/memory */
        int peer_fd;                    /* -1 once the cgroup is gone */
        char text[64];                  /* what was written, as the kernel saw it */
};

struct sim {
        struct backend be;
        uint64_t write_delay_usec;     /* every write sleeps this long first (interruptible) */
        int write_started_fd;          /* an eventfd told when a delayed write begins, or -1 */
        unsigned interrupted_writes;
        bool persistent;               /* backend_free() leaves it alone */
        bool unprivileged;             /* trigger windows must be multiples of 2s (6.5+) */
        unsigned overreclaim_permille; /* memory.reclaim frees this much per 1000 asked (6.1: up to 2000) */
        bool swappiness;               /* memory.reclaim takes "swappiness=" (6.11+) */
        bool mglru;                    /* /sys/kernel/mm/lru_gen/enabled says 0x0007 (as Debian's 6.12+ boot) */
        bool high_nonblock;            /* a lowered memory.high reclaims nothing in the writer (6.16+) */
        unsigned activated_permille;   /* of the refaults, those workingset_activate_* counts (1000) */
        uint64_t kswapd_pages;         /* /proc/vmstat's pgsteal_kswapd (sim_kswapd_took()) */
        struct sim_sysmem {            /* sysinfo() and /proc/zoneinfo, one zone */
                bool absent;
                uint64_t total, free, min, low, high;
        } sysmem;
        struct backend_cgroup system;  /* /proc/pressure/memory: overrides and triggers; the counters of
                                        * memory no cgroup holds (sim_kernel_reclaim()) */
        struct sim_trigger *triggers;
        size_t n_triggers;
        struct backend_cgroup **cgs;   /* every cgroup ever added; removed ones stay until freed */
        size_t n;
        uint64_t last_id;              /* the id of the cgroup made last */
        char *own;                     /* the cgroup "this process" runs in (sim_set_own_cgroup()), or NULL */
        int glob_err;                   /* sim_fail_glob(): every listing fails with it; 0: none */
};

static struct sim *to_sim(struct backend *be)
{
        return container_of(be, struct sim, be);
}

static struct backend_cgroup *find(struct sim *s, const char *path)
{
        for (size_t i = 0; i < s->n; i++)
                if (!s->cgs[i]->removed && streq(s->cgs[i]->path, path))
                        return s->cgs[i];
        return NULL;
}

static int sim_open_cgroup(struct backend *be, const char *path, struct backend_cgroup **ret)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->open_handles++;
        *ret = cg;
        return 0;
}

static void sim_close_cgroup(struct backend *be, struct backend_cgroup *cg)
{
        if (cg)
                cg->open_handles--;
}

/* The machine's files: pressure (all zero), and one zone's free pages and watermarks. */
static int read_system(struct sim *s, enum cg_file f, char *buf, size_t size)
{
        const struct sim_sysmem *m = &s->sysmem;

        if (f == CG_MEMORY_PRESSURE)
                return snprintf(buf, size, "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                                "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        if (f == CG_SYS_LRU_GEN)
                return snprintf(buf, size, "0x%04x\n", s->mglru ? 7 : 0);
        if (f == CG_PROC_VMSTAT) {
                /*
                 * Every cgroup's, removed ones too (the machine's counters
                 * never go back), and the unmanaged. pgsteal_anon counts
                 * them all; pgsteal_direct, which leaves out cgroup
                 * reclaim, is left at 0 so that a reader of it would see
                 * nothing, and pgsteal_kswapd says what a test says kswapd
                 * took.
                 */
                uint64_t steal = s->system.steal_pages, refault = s->system.refault_pages;

                for (size_t i = 0; i < s->n; i++) {
                        steal += s->cgs[i]->steal_pages;
                        refault += s->cgs[i]->refault_pages;
                }
                return snprintf(buf, size, "nr_free_pages %" PRIu64 "\nworkingset_refault_anon %" PRIu64
                                "\nworkingset_refault_file 0\nworkingset_activate_anon %" PRIu64
                                "\nworkingset_activate_file 0\npgsteal_kswapd %" PRIu64 "\npgsteal_direct 0\n"
                                "pgsteal_anon %" PRIu64 "\npgsteal_file 0\n",
                                m->free / 4096, refault, refault * s->activated_permille / 1000, s->kswapd_pages,
                                steal);
        }
        if (m->absent || f != CG_PROC_ZONEINFO)
                return -ENOENT;
        return snprintf(buf, size, "Node 0, zone   Normal\n  pages free     %" PRIu64 "\n        boost    0\n"
                        "        min      %" PRIu64 "\n        low      %" PRIu64 "\n        high     %" PRIu64
                        "\n        managed  %" PRIu64 "\n  pagesets\n    cpu: 0\n              high:  378\n",
                        m->free / 4096, m->min / 4096, m->low / 4096, m->high / 4096, m->total / 4096);
}

static ssize_t sim_read(struct backend *be, struct backend_cgroup *cg, enum cg_file f,
                        char *buf, size_t size)
{
        int n;

        if (!cg && f == CG_MEMORY_PRESSURE)
                cg = &to_sim(be)->system;
        if (cg == &to_sim(be)->system && !cg->override_text && !cg->override_err)
                cg = NULL;
        if (cg && !cg->removed && (cg->override_text || cg->override_err) && cg->override_file == f) {
                if (cg->override_err)
                        return cg->override_err;
                n = snprintf(buf, size, "%s", cg->override_text);
                return n < 0 || (size_t)n >= size ? -EFBIG : n;
        }
        if (!cg) {
                n = read_system(to_sim(be), f, buf, size);
                if (n < 0)
                        return n;
        } else if (cg->removed) {
                return -ENODEV;
        } else if (f == CG_MEMORY_CURRENT) {
                n = snprintf(buf, size, "%" PRIu64 "\n", cg->hot_bytes + cg->cold_bytes);
        } else if (f == CG_MEMORY_HIGH || f == CG_MEMORY_MIN || f == CG_MEMORY_LOW) {
                uint64_t v = f == CG_MEMORY_HIGH ? cg->high_bytes : f == CG_MEMORY_MIN ? cg->min_bytes : cg->low_bytes;

                n = v == UINT64_MAX ? snprintf(buf, size, "max\n") : snprintf(buf, size, "%" PRIu64 "\n", v);
        } else if (f == CG_MEMORY_STAT) {
                uint64_t file = cg->cold_anon ? 0 : cg->cold_bytes;

                n = snprintf(buf, size, "anon %" PRIu64 "\nfile %" PRIu64 "\ninactive_file %" PRIu64
                             "\nactive_file 0\nworkingset_refault_anon %" PRIu64 "\nworkingset_refault_file 0\n"
                             "workingset_activate_anon %" PRIu64 "\nworkingset_activate_file 0\n"
                             "unevictable %" PRIu64 "\npgsteal %" PRIu64 "\n",
                             cg->hot_bytes + cg->cold_bytes - file, file, file, cg->refault_pages,
                             cg->refault_pages * to_sim(be)->activated_permille / 1000, cg->unevictable_bytes,
                             cg->steal_pages);
        } else if (f == CG_CGROUP_EVENTS) {
                n = snprintf(buf, size, "populated %d\nfrozen 0\n", !cg->empty);
        } else if (f == CG_MEMORY_PRESSURE) {
                n = snprintf(buf, size, "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                             "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n");
        } else {
                return -ENOENT;
        }
        if (n < 0 || (size_t)n >= size)
                return -EFBIG;
        return n;
}

/* Frees up to want bytes, cold memory first, as the LRU would; page cache only without swap. */
static uint64_t reclaim(struct backend_cgroup *cg, uint64_t want, bool swap)
{
        uint64_t cold = want < cg->cold_bytes ? want : cg->cold_bytes;
        uint64_t hot = want - cold < cg->hot_bytes ? want - cold : cg->hot_bytes;

        if (!swap) {
                cold = cg->cold_anon ? 0 : cold;
                hot = 0;   /* the hot part is anonymous */
        }
        cg->cold_bytes -= cold;
        cg->hot_bytes -= hot;
        cg->reclaimed_bytes += cold + hot;
        cg->steal_pages += (cold + hot) / page_bytes();
        return cold + hot;
}

static void hang_up_triggers(struct sim *s, const struct backend_cgroup *cg);

static void remove_cgroup(struct sim *s, struct backend_cgroup *cg)
{
        cg->removed = true;
        cg->remove_after_write = false;
        hang_up_triggers(s, cg);
}

/* A write that takes long, as memory.reclaim and memory.high do; a signal cuts it short. */
static int delay(struct sim *s)
{
        struct timespec ts = { .tv_sec = (time_t)(s->write_delay_usec / 1000000),
                               .tv_nsec = (long)(s->write_delay_usec % 1000000) * 1000 };
        uint64_t one = 1;

        if (!s->write_delay_usec)
                return 0;
        if (s->write_started_fd >= 0)
                (void) !write(s->write_started_fd, &one, sizeof(one));
        if (nanosleep(&ts, NULL) < 0) {
                s->interrupted_writes++;
                return -EINTR;
        }
        return 0;
}

/* memory_high_write(): set the limit, then reclaim down to it. */
static int write_high(struct sim *s, struct backend_cgroup *cg, const char *val)
{
        uint64_t high, current = cg->hot_bytes + cg->cold_bytes;

        if (parse_size(val, &high) < 0)
                return -EINVAL;
        if (high != UINT64_MAX)
                high = high / 4096 * 4096;   /* kept in pages: page_counter_set_high() */
        cg->high_bytes = high;
        /* The limit is set first; a signal ends the reclaim down to it, and the write succeeds. */
        if (delay(s) < 0 || s->high_nonblock)
                return 0;
        if (current > high)
                reclaim(cg, current - high, true);
        return 0;
}

/* memory_low_write(), memory_min_write(): a protection, kept in pages; no reclaim. */
static int write_protection(uint64_t *dst, const char *val)
{
        uint64_t v;

        if (parse_size(val, &v) < 0)
                return -EINVAL;
        *dst = v == UINT64_MAX ? v : v / 4096 * 4096;
        return 0;
}

static int sim_write(struct backend *be, struct backend_cgroup *cg, enum cg_file f, const char *val)
{
        struct sim *s = to_sim(be);
        uint64_t want;
        char num[32];
        bool swap;
        int r;

        if (!cg)
                return -EINVAL;
        if (cg->removed)
                return -ENODEV;
        if (cg->fail_count && cg->fail_file == f) {
                cg->fail_count--;
                return cg->fail_err;
        }
        if (f == CG_MEMORY_LOW || f == CG_MEMORY_MIN)   /* a protection: no reclaim, nothing to wait for */
                return write_protection(f == CG_MEMORY_LOW ? &cg->low_bytes : &cg->min_bytes, val);
        if (f == CG_MEMORY_HIGH)
                return write_high(s, cg, val);
        if (f != CG_MEMORY_RECLAIM)
                return -EINVAL;
        r = delay(s);
        if (r < 0)
                return r;
        /*
         * The kernel parses memory.reclaim with memparse(); 6.1 takes no
         * "swappiness=" (EINVAL), later kernels take "swappiness=0". It asks
         * for whole pages (memparse() / PAGE_SIZE): a request under a page
         * asks for nothing, and succeeds at once.
         */
        snprintf(num, sizeof(num), "%.*s", (int)strcspn(val, " "), val);
        swap = !strchr(val, ' ');
        if ((!swap && (!s->swappiness || !streq(val + strlen(num), " swappiness=0"))) ||
            parse_size(num, &want) < 0 || want == UINT64_MAX)
                return -EINVAL;
        cg->writes++;
        want -= want % page_bytes();
        r = reclaim(cg, (uint64_t)((unsigned __int128)want * s->overreclaim_permille / 1000), swap) < want
                    ? -EAGAIN : 0;
        if (cg->remove_after_write)
                remove_cgroup(s, cg);
        return r;
}

/*
 * psi_trigger_create() and psi_write(), 6.1 and later: "some|full STALL
 * WINDOW" in microseconds, WINDOW_MIN_US <= window <= WINDOW_MAX_US, 0 <
 * stall <= window; since 6.5 an unprivileged writer's window must be a
 * multiple of 2s (EINVAL otherwise).
 */
static int sim_open_trigger(struct backend *be, struct backend_cgroup *cg, const char *trigger)
{
        struct sim *s = to_sim(be);
        unsigned long long stall, window;
        struct sim_trigger *v;
        char kind[8], end;
        int fds[2];

        if (!cg)
                cg = &s->system;
        if (cg->removed)
                return -ENODEV;
        if (cg->remove_at_trigger) {
                remove_cgroup(s, cg);
                return -ENOENT;   /* what an open under a removed cgroup's directory gets */
        }
        if (cg->trigger_fail_count) {
                cg->trigger_fail_count--;
                return cg->trigger_err;
        }
        if (sscanf(trigger, "%7s %llu %llu%c", kind, &stall, &window, &end) != 3 ||
            (!streq(kind, "some") && !streq(kind, "full")) ||
            window < PSI_WINDOW_MIN_USEC || window > PSI_WINDOW_MAX_USEC || stall == 0 || stall > window ||
            (s->unprivileged && window % 2000000 != 0))
                return -EINVAL;
        v = reallocarray(s->triggers, s->n_triggers + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        s->triggers = v;
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, fds) < 0)
                return negative_errno();
        v[s->n_triggers] = (struct sim_trigger){ .cg = cg, .peer_fd = fds[1] };
        snprintf(v[s->n_triggers].text, sizeof(v[s->n_triggers].text), "%s", trigger);
        s->n_triggers++;
        return fds[0];
}

/* Closes the sim's end of cg's triggers (cg NULL: all): their owners see EPOLLHUP. */
static void hang_up_triggers(struct sim *s, const struct backend_cgroup *cg)
{
        for (size_t i = 0; i < s->n_triggers; i++)
                if (!cg || s->triggers[i].cg == cg)
                        s->triggers[i].peer_fd = safe_close(s->triggers[i].peer_fd);
}

static int sim_glob(struct backend *be, const char *pattern, char ***ret)
{
        struct sim *s = to_sim(be);
        size_t n = 0;
        char **v;

        if (s->glob_err)
                return s->glob_err;
        v = calloc(s->n + 1, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (size_t i = 0; i < s->n; i++) {
                if (s->cgs[i]->removed || fnmatch(pattern, s->cgs[i]->path, FNM_PATHNAME) != 0)
                        continue;
                v[n] = strdup(s->cgs[i]->path);
                if (!v[n++]) {
                        backend_strv_free(v);
                        return -ENOMEM;
                }
        }
        *ret = v;
        return (int)n;
}

static int sim_read_xattr(struct backend *be, struct backend_cgroup *cg, const char *name, char *buf,
                          size_t size, uid_t *ret_owner)
{
        if (cg->removed)
                return -ENODEV;
        for (size_t i = 0; i < ARRAY_SIZE(cg->xattr_names); i++) {
                if (!cg->xattr_names[i] || !streq(cg->xattr_names[i], name))
                        continue;
                if (strlen(cg->xattr_values[i]) >= size)
                        return -ERANGE;
                *ret_owner = cg->owner;
                return snprintf(buf, size, "%s", cg->xattr_values[i]);
        }
        return -ENODATA;
}

static int sim_cgroup_id(struct backend *be, struct backend_cgroup *cg, uint64_t *ret)
{
        if (cg->removed)
                return -ENODEV;
        *ret = cg->id;
        return 0;
}

static int sim_own_cgroup(struct backend *be, char **ret)
{
        const struct sim *s = to_sim(be);

        if (!s->own)
                return -ENOENT;
        return (*ret = strdup(s->own)) ? 0 : -ENOMEM;
}

void sim_fail_glob(struct backend *be, int err)
{
        to_sim(be)->glob_err = err;
}

void sim_set_own_cgroup(struct backend *be, const char *path)
{
        struct sim *s = to_sim(be);

        free(s->own);
        s->own = path ? strdup(path) : NULL;
}

static int sim_free_memory(struct backend *be, uint64_t *ret_total, uint64_t *ret_free)
{
        const struct sim_sysmem *m = &to_sim(be)->sysmem;

        if (m->absent)
                return -ENOENT;
        *ret_total = m->total;
        *ret_free = m->free;
        return 0;
}

static void sim_free(struct backend *be)
{
        struct sim *s = to_sim(be);

        if (s->persistent)
                return;   /* the test still looks at the kernel's files; sim_destroy() frees */
        sim_destroy(be);
}

void sim_destroy(struct backend *be)
{
        struct sim *s = to_sim(be);

        hang_up_triggers(s, NULL);
        free(s->triggers);
        free(s->system.override_text);
        for (size_t i = 0; i < s->n; i++) {
                free(s->cgs[i]->path);
                free(s->cgs[i]->override_text);
                for (size_t k = 0; k < ARRAY_SIZE(s->cgs[i]->xattr_names); k++) {
                        free(s->cgs[i]->xattr_names[k]);
                        free(s->cgs[i]->xattr_values[k]);
                }
                free(s->cgs[i]);
        }
        free(s->cgs);
        free(s->own);
        free(s);
}

static const struct backend_ops sim_ops = {
        .open_cgroup = sim_open_cgroup,
        .close_cgroup = sim_close_cgroup,
        .read = sim_read,
        .write = sim_write,
        .open_trigger = sim_open_trigger,
        .glob = sim_glob,
        .read_xattr = sim_read_xattr,
        .cgroup_id = sim_cgroup_id,
        .own_cgroup = sim_own_cgroup,
        .free_memory = sim_free_memory,
        .free = sim_free,
};

int backend_sim_new(struct backend **ret)
{
        struct sim *s = calloc(1, sizeof(*s));

        if (!s)
                return -ENOMEM;
        s->be.ops = &sim_ops;
        s->write_started_fd = -1;
        s->overreclaim_permille = 1000;
        s->activated_permille = 1000;
        /* A machine short by round_target's default, so that a system round runs and aims as before. */
        s->sysmem = (struct sim_sysmem){ .total = 16ULL << 30, .free = 0, .min = 16ULL << 20,
                                         .low = 24ULL << 20, .high = 32ULL << 20 };
        *ret = &s->be;
        return 0;
}

int sim_add_cgroup(struct backend *be, const char *path, uint64_t hot_bytes, uint64_t cold_bytes)
{
        struct sim *s = to_sim(be);
        struct backend_cgroup *cg = find(s, path), **v;

        if (!cg) {
                v = reallocarray(s->cgs, s->n + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                s->cgs = v;
                cg = calloc(1, sizeof(*cg));
                if (!cg || !(cg->path = strdup(path))) {
                        free(cg);
                        return -ENOMEM;
                }
                cg->high_bytes = UINT64_MAX;
                cg->id = ++s->last_id;   /* after a removal too: another cgroup */
                s->cgs[s->n++] = cg;
        }
        cg->hot_bytes = hot_bytes;
        cg->cold_bytes = cold_bytes;
        return 0;
}

int sim_remove_cgroup(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        remove_cgroup(to_sim(be), cg);
        return 0;
}

int sim_remove_after_write(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->remove_after_write = true;
        return 0;
}

int sim_fail_writes(struct backend *be, const char *path, enum cg_file f, int err, unsigned n)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->fail_file = f;
        cg->fail_err = err;
        cg->fail_count = n;
        return 0;
}

/* Looks up removed cgroups too, so tests can inspect what happened before removal. */
static struct backend_cgroup *find_any(struct backend *be, const char *path)
{
        struct sim *s = to_sim(be);

        for (size_t i = s->n; i > 0; i--)
                if (streq(s->cgs[i - 1]->path, path))
                        return s->cgs[i - 1];
        return NULL;
}

uint64_t sim_current(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = find_any(be, path);

        return cg ? cg->hot_bytes + cg->cold_bytes : 0;
}

uint64_t sim_reclaimed(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = find_any(be, path);

        return cg ? cg->reclaimed_bytes : 0;
}

unsigned sim_writes(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = find_any(be, path);

        return cg ? cg->writes : 0;
}

int sim_set_protection(struct backend *be, const char *path, uint64_t min_bytes, uint64_t low_bytes)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->min_bytes = min_bytes;
        cg->low_bytes = low_bytes;
        return 0;
}

int sim_set_high(struct backend *be, const char *path, uint64_t high_bytes)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->high_bytes = high_bytes;
        return 0;
}

uint64_t sim_high(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = find_any(be, path);

        return cg ? cg->high_bytes : 0;
}

void sim_set_write_delay(struct backend *be, uint64_t usec, int started_fd)
{
        struct sim *s = to_sim(be);

        s->write_delay_usec = usec;
        s->write_started_fd = started_fd;
}

unsigned sim_interrupted_writes(struct backend *be)
{
        return to_sim(be)->interrupted_writes;
}

void sim_set_persistent(struct backend *be)
{
        to_sim(be)->persistent = true;
}

/* path NULL: the system-wide file (/proc/pressure/memory). */
static struct backend_cgroup *target(struct backend *be, const char *path)
{
        return path ? find(to_sim(be), path) : &to_sim(be)->system;
}

int sim_override_read(struct backend *be, const char *path, enum cg_file f, const char *text, int err)
{
        struct backend_cgroup *cg = target(be, path);
        char *t = text ? strdup(text) : NULL;

        if (!cg || (text && !t)) {
                free(t);
                return cg ? -ENOMEM : -ENOENT;
        }
        free(cg->override_text);
        cg->override_file = f;
        cg->override_text = t;
        cg->override_err = err;
        return 0;
}

void sim_set_unprivileged(struct backend *be, bool unprivileged)
{
        to_sim(be)->unprivileged = unprivileged;
}

int sim_fail_triggers(struct backend *be, const char *path, int err, unsigned n)
{
        struct backend_cgroup *cg = target(be, path);

        if (!cg)
                return -ENOENT;
        cg->trigger_err = err;
        cg->trigger_fail_count = n;
        return 0;
}

int sim_remove_at_trigger(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = target(be, path);

        if (!cg)
                return -ENOENT;
        cg->remove_at_trigger = true;
        return 0;
}

unsigned sim_armed_triggers(struct backend *be, const char *path, const char **ret_text)
{
        struct sim *s = to_sim(be);
        const struct backend_cgroup *cg = path ? find_any(be, path) : &s->system;
        unsigned n = 0;

        for (size_t i = 0; cg && i < s->n_triggers; i++) {
                struct pollfd p = { .fd = s->triggers[i].peer_fd, .events = POLLIN };

                if (s->triggers[i].cg != cg || p.fd < 0)
                        continue;
                /* Once the owner closed its end, the sim's end reports POLLHUP. */
                if (poll(&p, 1, 0) == 1 && (p.revents & POLLHUP))
                        continue;
                n++;
                if (ret_text)
                        *ret_text = s->triggers[i].text;
        }
        return n;
}

unsigned sim_triggers_armed_ever(struct backend *be)
{
        return (unsigned)to_sim(be)->n_triggers;
}

int sim_set_populated(struct backend *be, const char *path, bool populated)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->empty = !populated;
        return 0;
}

void sim_set_overreclaim(struct backend *be, unsigned permille)
{
        to_sim(be)->overreclaim_permille = permille;
}

void sim_set_sysmem(struct backend *be, uint64_t total, uint64_t free_bytes, uint64_t high)
{
        struct sim *s = to_sim(be);

        s->sysmem = (struct sim_sysmem){ .total = total, .free = free_bytes, .min = high / 2,
                                         .low = high / 4 * 3, .high = high };
}

void sim_set_sysmem_absent(struct backend *be)
{
        to_sim(be)->sysmem.absent = true;
}

void sim_set_swappiness(struct backend *be, bool supported)
{
        to_sim(be)->swappiness = supported;
}

void sim_set_mglru(struct backend *be, bool on)
{
        to_sim(be)->mglru = on;
}

void sim_set_high_nonblock(struct backend *be, bool on)
{
        to_sim(be)->high_nonblock = on;
}

int sim_set_cold_anon(struct backend *be, const char *path, bool anon)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->cold_anon = anon;
        return 0;
}

int sim_kernel_reclaim(struct backend *be, const char *path, uint64_t steal_bytes, uint64_t refault_bytes)
{
        struct backend_cgroup *cg = path ? find(to_sim(be), path) : NULL;
        uint64_t taken;

        if (!path) {
                /* Unmanaged memory: only the machine's counters tell. */
                cg = &to_sim(be)->system;
                cg->steal_pages += steal_bytes / page_bytes();
                cg->refault_pages += (refault_bytes < steal_bytes ? refault_bytes : steal_bytes) / page_bytes();
                return 0;
        }
        if (!cg)
                return -ENOENT;
        taken = reclaim(cg, steal_bytes, true);
        cg->reclaimed_bytes -= taken;   /* not memory.reclaim's */
        if (refault_bytes > taken)
                refault_bytes = taken;
        cg->hot_bytes += refault_bytes;
        cg->refault_pages += refault_bytes / page_bytes();
        return 0;
}

int sim_refault(struct backend *be, const char *path, uint64_t bytes)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->hot_bytes += bytes;
        cg->refault_pages += bytes / page_bytes();
        return 0;
}

void sim_kswapd_took(struct backend *be, uint64_t bytes)
{
        to_sim(be)->kswapd_pages += bytes / page_bytes();
}

int sim_set_unevictable(struct backend *be, const char *path, uint64_t bytes)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        if (!cg)
                return -ENOENT;
        cg->unevictable_bytes = bytes;
        return 0;
}

uint64_t sim_min(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        return cg ? cg->min_bytes : 0;
}

uint64_t sim_low(struct backend *be, const char *path)
{
        struct backend_cgroup *cg = find(to_sim(be), path);

        return cg ? cg->low_bytes : 0;
}

int sim_set_xattr(struct backend *be, const char *path, const char *name, const char *value, uid_t owner)
{
        struct backend_cgroup *cg = find(to_sim(be), path);
        size_t k;

        if (!cg)
                return -ENOENT;
        cg->owner = owner;
        for (k = 0; k < ARRAY_SIZE(cg->xattr_names); k++)
                if (!cg->xattr_names[k] || streq(cg->xattr_names[k], name))
                        break;
        if (k == ARRAY_SIZE(cg->xattr_names))
                return -ENOSPC;
        free(cg->xattr_names[k]);
        free(cg->xattr_values[k]);
        cg->xattr_names[k] = value ? strdup(name) : NULL;
        cg->xattr_values[k] = value ? strdup(value) : NULL;
        return 0;
}

void sim_set_activated(struct backend *be, unsigned permille)
{
        to_sim(be)->activated_permille = permille;
}
