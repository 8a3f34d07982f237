/* memory.stat and /proc/vmstat: the values reclaimd reads from them. */
#pragma once

#include <stdint.h>

/*
 * Finds "key value" in the text of memory.stat. Returns 0 and the value,
 * -ENOENT when the key is absent (older kernels lack some), -EINVAL when its
 * value is not a number, -ERANGE beyond 64 bits.
 */
int memstat_get(const char *text, const char *key, uint64_t *ret);

/*
 * Every page that came back after reclaim while its shadow entry lasted,
 * activated or not: workingset_refault_anon + workingset_refault_file (5.9+),
 * or workingset_refault (older kernels). Not workingset_activate_*: whether
 * the kernel activates a refault varies with the kernel (see
 * YIELD_MIN_STEAL_BYTES), and what reclaimd asks is judged by whether it
 * came back at all. Returns 0 and the count in pages, or a negative errno
 * from memstat_get() (-ERANGE also when the sum overflows).
 */
int memstat_refaulted(const char *text, uint64_t *ret_pages);

/*
 * Bytes on the cgroup's file LRU lists, inactive_file + active_file: what
 * reclaim can take without swapping (shmem lives on the anon lists). Returns
 * as memstat_refaulted().
 */
int memstat_file_lru(const char *text, uint64_t *ret_bytes);

/*
 * Pages reclaim of any kind took from the cgroup (pgsteal: kswapd, direct,
 * khugepaged and memory.reclaim alike). Returns as memstat_get().
 */
int memstat_steal(const char *text, uint64_t *ret_pages);

/*
 * Pages reclaim of any kind took from the whole machine, from the text of
 * /proc/vmstat: pgsteal_anon + pgsteal_file (5.8+), which every reclaimer
 * counts. Not pgsteal_kswapd + pgsteal_direct (+ _khugepaged, _proactive):
 * shrink_inactive_list() and evict_folios() count those machine-wide only
 * for global reclaim (!cgroup_reclaim()), leaving out memory.reclaim,
 * memory.high and memory.max, whose pages come back as refaults all the
 * same. Returns as memstat_refaulted(); the machine's refaults are
 * memstat_refaulted() of the same text, whose keys /proc/vmstat shares with
 * memory.stat.
 */
int memstat_vm_steal(const char *text, uint64_t *ret_pages);

/*
 * Pages kswapd took, from the text of /proc/vmstat: pgsteal_kswapd, which
 * only kswapd counts (global reclaim: it never serves a cgroup's limit, and
 * memory.reclaim runs in its writer). Returns as memstat_get().
 */
int memstat_kswapd_steal(const char *text, uint64_t *ret_pages);
