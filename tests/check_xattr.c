/* Unit tests: soft limits declared on the cgroups themselves, and whom reclaimd trusts for them. */
#include <errno.h>
#include <string.h>

#include "backend-sim.h"
#include "check-files.h"
#include "check-main.h"
#include "config.h"
#include "engine.h"
#include "xattr.h"

#define MiB (1ULL << 20)

struct fixture {
        struct config *cfg;
        struct backend *be;
        struct engine e;
        unsigned honoured, refused, invalid;
        uint64_t told_soft[2];   /* pod-a's, pod-b's soft limit as the last tell saw it */
        bool told_in_force[2];   /* and whether it said the attribute wins */
};

static void on_xattr(void *userdata, const struct cgroup *cg, const char *name, const char *text, int err)
{
        struct fixture *f = userdata;

        f->honoured += err == 0;
        f->refused += err == -EPERM;
        f->invalid += err == -EINVAL;
        if (strcmp(cg->path, "pod-a") == 0 || strcmp(cg->path, "pod-b") == 0) {
                f->told_soft[cg->path[4] - 'a'] = cg->soft_limit_bytes;
                f->told_in_force[cg->path[4] - 'a'] = xattr_in_force(cg);
        }
}

/* conf over cgroups "pod-a" and "pod-b" (100M each), read once. */
static void setup(struct fixture *f, const char *conf)
{
        const struct engine_observer obs = { .xattr = on_xattr, .userdata = f };

        memset(f, 0, sizeof(*f));
        f->cfg = load_config(conf);
        ck_assert_int_eq(backend_sim_new(&f->be), 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "pod-a", 100 * MiB, 0), 0);
        ck_assert_int_eq(sim_add_cgroup(f->be, "pod-b", 100 * MiB, 0), 0);
        ck_assert_int_eq(engine_init(&f->e, f->be, f->cfg, false, &obs, NULL), 0);
}

static void teardown(struct fixture *f)
{
        engine_done(&f->e);
        backend_free(f->be);
        config_free(f->cfg);
}

static uint64_t soft(struct fixture *f, const char *path)
{
        return engine_find(&f->e, path)->soft_limit_bytes;
}

/*
 * trusted.* needs CAP_SYS_ADMIN to set: honoured whoever owns the cgroup.
 * user.* is honoured only on a cgroup root owns: the owner of a delegated
 * subtree can set it on its own cgroups, and must not raise its own soft
 * limit (systemd-oomd's rule for user.oomd_*). A refusal is said once.
 */
START_TEST(trusted_always_user_only_on_root_owned_cgroups)
{
        struct fixture f;

        ck_assert(xattr_trusted(XATTR_TRUSTED, 1000));
        ck_assert(xattr_trusted(XATTR_USER, 0));
        ck_assert(!xattr_trusted(XATTR_USER, 1000));
        ck_assert(!xattr_trusted("user.other", 0));

        setup(&f, "[reclaim]\nsoft_limit_xattr = yes\n[cgroup pod-*]\ntrigger = none\n");
        ck_assert_int_eq(sim_set_xattr(f.be, "pod-a", XATTR_TRUSTED, "32M", 1000), 0);
        ck_assert_int_eq(sim_set_xattr(f.be, "pod-b", XATTR_USER, "8G", 1000), 0);   /* delegated */
        ck_assert_int_ge(engine_refresh(&f.e), 0);
        ck_assert_uint_eq(soft(&f, "pod-a"), 32 * MiB);
        ck_assert_uint_eq(soft(&f, "pod-b"), UINT64_MAX);   /* refused: the section's (none) */
        ck_assert_uint_eq(f.honoured, 1);
        ck_assert_uint_eq(f.refused, 1);
        /* pod-a is over its own: ranked for reclaim. */
        ck_assert_ptr_eq(excess_tree_largest(&f.e.tree), engine_find(&f.e, "pod-a"));
        /* Said once, not at every tick. */
        ck_assert_int_eq(engine_read_xattrs(&f.e), 0);
        ck_assert_int_eq(engine_read_xattrs(&f.e), 0);
        ck_assert_uint_eq(f.honoured, 1);
        ck_assert_uint_eq(f.refused, 1);
        /* Root takes pod-b over (owns it): now honoured. */
        ck_assert_int_eq(sim_set_xattr(f.be, "pod-b", XATTR_USER, "64M", 0), 0);
        ck_assert_int_eq(engine_read_xattrs(&f.e), 0);
        ck_assert_uint_eq(soft(&f, "pod-b"), 64 * MiB);
        /* A trusted value wins over a user one. */
        ck_assert_int_eq(sim_set_xattr(f.be, "pod-b", XATTR_TRUSTED, "48M", 0), 0);
        ck_assert_int_eq(engine_read_xattrs(&f.e), 0);
        ck_assert_uint_eq(soft(&f, "pod-b"), 48 * MiB);
        teardown(&f);
}
END_TEST

/* A value that is not a size is said once, with the cgroup; the configured soft limit stays. */
START_TEST(bad_value_leaves_the_configured_soft_limit)
{
        static const char *const bad[] = { "lots", "-1", "12Q", "", "99999999999999999999T" };
        struct fixture f;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                setup(&f, "[reclaim]\nsoft_limit_xattr = prefer\n[cgroup pod-a]\nsoft_limit = 50M\n");
                ck_assert_int_eq(sim_set_xattr(f.be, "pod-a", XATTR_TRUSTED, bad[i], 0), 0);
                ck_assert_int_ge(engine_refresh(&f.e), 0);
                ck_assert_int_eq(engine_read_xattrs(&f.e), 0);
                ck_assert_msg(f.invalid == 1, "\"%s\": said %u times", bad[i], f.invalid);
                ck_assert_uint_eq(soft(&f, "pod-a"), 50 * MiB);
                /* Mended: honoured, and said. */
                ck_assert_int_eq(sim_set_xattr(f.be, "pod-a", XATTR_TRUSTED, "20M", 0), 0);
                ck_assert_int_eq(engine_read_xattrs(&f.e), 0);
                ck_assert_uint_eq(soft(&f, "pod-a"), 20 * MiB);
                ck_assert_uint_eq(f.honoured, 1);
                teardown(&f);
        }
}
END_TEST

/*
 * The configuration file wins where both say something (yes), unless the
 * operator prefers the cgroup's own (prefer); no ignores it; a section's own
 * soft_limit_xattr overrides [reclaim]'s. An attribute removed brings the
 * section's back.
 */
START_TEST(who_wins_is_the_operators_choice)
{
        static const struct {
                const char *conf;
                uint64_t a, b;   /* pod-a's section sets 50M, pod-b's none; both declare 20M */
                unsigned read;   /* whose attribute is read, and told: 1 pod-a, 2 pod-b */
        } cases[] = {
                { "[reclaim]\nsoft_limit_xattr = no\n", 50 * MiB, UINT64_MAX, 0 },
                { "[reclaim]\nsoft_limit_xattr = yes\n", 50 * MiB, 20 * MiB, 3 },
                { "[reclaim]\nsoft_limit_xattr = prefer\n", 20 * MiB, 20 * MiB, 3 },
                { "[reclaim]\nsoft_limit_xattr = yes\n[cgroup pod-b]\nsoft_limit_xattr = no\n", 50 * MiB,
                  UINT64_MAX, 1 },
        };
        struct fixture f;

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char conf[256];

                snprintf(conf, sizeof(conf), "%s[cgroup pod-a]\nsoft_limit = 50M\n%s", cases[i].conf,
                         strstr(cases[i].conf, "[cgroup pod-b]") ? "" : "[cgroup pod-b]\n");
                setup(&f, conf);
                ck_assert_int_eq(sim_set_xattr(f.be, "pod-a", XATTR_TRUSTED, "20M", 0), 0);
                ck_assert_int_eq(sim_set_xattr(f.be, "pod-b", XATTR_TRUSTED, "20M", 0), 0);
                ck_assert_int_ge(engine_refresh(&f.e), 0);
                ck_assert_msg(soft(&f, "pod-a") == cases[i].a && soft(&f, "pod-b") == cases[i].b,
                              "case %zu: %llu %llu", i, (unsigned long long)soft(&f, "pod-a"),
                              (unsigned long long)soft(&f, "pod-b"));
                /* What the log says is what is in force: the limit, and whose it is. */
                for (int k = 0; k < 2; k++) {
                        uint64_t want = k ? cases[i].b : cases[i].a;

                        if (!(cases[i].read & (1u << k))) {
                                ck_assert_uint_eq(f.told_soft[k], 0);   /* never told */
                                continue;
                        }
                        ck_assert_msg(f.told_soft[k] == want, "case %zu: pod-%c told %llu", i, 'a' + k,
                                      (unsigned long long)f.told_soft[k]);
                        ck_assert_msg(f.told_in_force[k] == (want == 20 * MiB), "case %zu: pod-%c", i, 'a' + k);
                }
                ck_assert_int_eq(sim_set_xattr(f.be, "pod-a", XATTR_TRUSTED, NULL, 0), 0);
                ck_assert_int_eq(sim_set_xattr(f.be, "pod-b", XATTR_TRUSTED, NULL, 0), 0);
                ck_assert_int_eq(engine_read_xattrs(&f.e), 0);
                ck_assert_uint_eq(soft(&f, "pod-a"), 50 * MiB);
                ck_assert_uint_eq(soft(&f, "pod-b"), UINT64_MAX);
                teardown(&f);
        }
}
END_TEST

CHECK_MAIN("xattr", trusted_always_user_only_on_root_owned_cgroups, bad_value_leaves_the_configured_soft_limit,
           who_wins_is_the_operators_choice)
