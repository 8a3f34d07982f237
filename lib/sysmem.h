/* The machine's memory as the page allocator sees it: free pages against the zones' watermarks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/*
 * The zones' watermarks, summed over the populated zones (managed > 0), in
 * bytes, each with the zone's watermark_boost added, as wmark_pages() does:
 * kswapd is woken when an allocation finds a zone under low and reclaims
 * until an eligible zone (up to the allocation's highest) is over high
 * (pgdat_balanced()); under min, allocations reclaim directly. The sum is
 * reclaimd's: one machine-wide mark, as sysinfo() gives one free figure.
 */
struct watermarks {
        uint64_t min_bytes;
        uint64_t low_bytes;
        uint64_t high_bytes;
};

/* One reading of the machine. */
struct sysmem {
        uint64_t total_bytes;        /* MemTotal (sysinfo()'s totalram) */
        uint64_t free_bytes;         /* MemFree (freeram): NR_FREE_PAGES, what the watermarks are
                                      * checked against */
        struct watermarks wmark;
};

/*
 * Parses /proc/zoneinfo: for each "Node N, zone NAME" block, its "pages free",
 * "boost", "min", "low", "high" and "managed" lines (in pages), not the
 * per-CPU "high:" lines. Zones with no managed pages are left out. Returns 0,
 * -ENOENT when no populated zone was found, -EINVAL or -ERANGE on a value
 * that is not a page count.
 */
int sysmem_parse_zoneinfo(const char *text, uint64_t page_bytes, struct watermarks *ret);

/*
 * What the machine must free for its free memory to be back at the high
 * watermark plus reserve_bytes: the size of kswapd's job, grown by the
 * reserve reclaimd keeps. 0 when free memory is there already.
 */
uint64_t sysmem_shortfall(const struct sysmem *m, uint64_t reserve_bytes);
