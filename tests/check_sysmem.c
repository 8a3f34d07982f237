/* Unit tests: the machine's memory as /proc/zoneinfo and /proc/vmstat give it, and the shortfall against it. */
#include <errno.h>
#include <string.h>

#include "check-main.h"
#include "memstat.h"
#include "sysmem.h"

#define KiB 1024ULL
#define MiB (1024ULL * 1024ULL)

/* Two populated zones and an empty one, with the per-node stats and per-CPU lines around them. */
static const char zoneinfo[] =
        "Node 0, zone      DMA\n"
        "  per-node stats\n"
        "      nr_inactive_anon 16571\n"
        "      workingset_refault_file 194813\n"
        "  pages free     3840\n"
        "        boost    0\n"
        "        min      43\n"
        "        low      53\n"
        "        high     63\n"
        "        promo    73\n"
        "        spanned  4095\n"
        "        present  3998\n"
        "        managed  3840\n"
        "        cma      0\n"
        "        protection: (0, 2972, 15877, 15877, 15877)\n"
        "      nr_free_pages 3840\n"
        "  pagesets\n"
        "    cpu: 0\n"
        "              count: 0\n"
        "              high:  0\n"
        "              batch: 1\n"
        "  vm stats threshold: 8\n"
        "Node 0, zone    DMA32\n"
        "  pages free     100000\n"
        "        boost    100\n"
        "        min      1000\n"
        "        low      1250\n"
        "        high     1500\n"
        "        managed  700000\n"
        "  pagesets\n"
        "    cpu: 0\n"
        "              count: 187\n"
        "              high:  378\n"
        "Node 0, zone  Movable\n"
        "  pages free     0\n"
        "        boost    0\n"
        "        min      0\n"
        "        low      0\n"
        "        high     0\n"
        "        managed  0\n";

/* pgdat_balanced() checks high_wmark_pages(), which adds watermark_boost: summed over populated zones. */
START_TEST(zoneinfo_watermarks_summed_with_boost)
{
        struct watermarks w;

        ck_assert_int_eq(sysmem_parse_zoneinfo(zoneinfo, 4096, &w), 0);
        ck_assert_uint_eq(w.min_bytes, (43 + 1000 + 100) * 4096ULL);
        ck_assert_uint_eq(w.low_bytes, (53 + 1250 + 100) * 4096ULL);
        ck_assert_uint_eq(w.high_bytes, (63 + 1500 + 100) * 4096ULL);   /* not the per-CPU "high:" */
}
END_TEST

START_TEST(zoneinfo_that_makes_no_sense_is_refused)
{
        struct watermarks w = { .high_bytes = 7 };

        ck_assert_int_eq(sysmem_parse_zoneinfo("", 4096, &w), -ENOENT);
        ck_assert_int_eq(sysmem_parse_zoneinfo("Node 0, zone Normal\n        managed  0\n", 4096, &w), -ENOENT);
        ck_assert_int_eq(sysmem_parse_zoneinfo("Node 0, zone Normal\n  pages free 1\n        high     x\n"
                                               "        managed 1\n", 4096, &w), -EINVAL);
        ck_assert_int_eq(sysmem_parse_zoneinfo("Node 0, zone Normal\n  pages free 1\n        high     -5\n"
                                               "        managed 1\n", 4096, &w), -EINVAL);
        ck_assert_int_eq(sysmem_parse_zoneinfo("Node 0, zone Normal\n  pages free 1\n"
                                               "        high     99999999999999999999999\n"
                                               "        managed 1\n", 4096, &w), -ERANGE);
        /* Pages that overflow as bytes. */
        ck_assert_int_eq(sysmem_parse_zoneinfo("Node 0, zone Normal\n  pages free 1\n"
                                               "        high     18446744073709551\n"
                                               "        managed 1\n", 4096, &w), -ERANGE);
        ck_assert_uint_eq(w.high_bytes, 7);   /* untouched */
}
END_TEST

/* kswapd reclaims until free memory is over the high watermark; reclaimd keeps the reserve on top. */
START_TEST(shortfall_is_to_the_high_watermark_plus_the_reserve)
{
        struct sysmem m = { .total_bytes = 1024 * MiB, .free_bytes = 10 * MiB,
                            .wmark = { .min_bytes = 2 * MiB, .low_bytes = 3 * MiB, .high_bytes = 4 * MiB } };

        ck_assert_uint_eq(sysmem_shortfall(&m, 0), 0);
        ck_assert_uint_eq(sysmem_shortfall(&m, 6 * MiB), 0);
        ck_assert_uint_eq(sysmem_shortfall(&m, 16 * MiB), 10 * MiB);
        m.free_bytes = 1 * MiB;
        ck_assert_uint_eq(sysmem_shortfall(&m, 0), 3 * MiB);
        ck_assert_uint_eq(sysmem_shortfall(&m, UINT64_MAX), UINT64_MAX - 1 * MiB);   /* no overflow */
}
END_TEST

/*
 * /proc/vmstat's pgsteal_anon + pgsteal_file count every reclaimer; its
 * pgsteal_kswapd and _direct leave out cgroup reclaim (memory.reclaim), so
 * they are not the machine's steal. Its refaults share memory.stat's keys
 * (all of them, and those activated). The text is in the order and with
 * the keys of 6.1's (values invented: memory.reclaim took 3000 pages).
 */
START_TEST(machine_steal_and_refaults_from_vmstat)
{
        static const char v61[] =
                "nr_free_pages 12345\nworkingset_refault_anon 70\nworkingset_refault_file 900\n"
                "workingset_activate_anon 40\nworkingset_activate_file 300\npgsteal_kswapd 5000\n"
                "pgsteal_direct 700\npgscan_kswapd 9000\npgsteal_anon 6200\npgsteal_file 2500\n";
        uint64_t steal, back;

        ck_assert_int_eq(memstat_vm_steal(v61, &steal), 0);
        ck_assert_uint_eq(steal, 6200 + 2500);
        ck_assert_int_eq(memstat_refaulted(v61, &back), 0);
        ck_assert_uint_eq(back, 970);
        /* Before 5.8, or not a vmstat: no pair, and no total to fall back on. */
        ck_assert_int_eq(memstat_vm_steal("pgsteal_kswapd 10\npgsteal_direct 1\n", &steal), -ENOENT);
        ck_assert_int_eq(memstat_vm_steal("pgsteal_anon 18446744073709551615\npgsteal_file 1\n", &steal),
                         -ERANGE);
        ck_assert_int_eq(memstat_vm_steal("pgsteal_anon x\npgsteal_file 1\n", &steal), -EINVAL);
}
END_TEST

CHECK_MAIN("sysmem", zoneinfo_watermarks_summed_with_boost, zoneinfo_that_makes_no_sense_is_refused,
           shortfall_is_to_the_high_watermark_plus_the_reserve, machine_steal_and_refaults_from_vmstat)
