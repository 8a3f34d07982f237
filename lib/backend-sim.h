/* A simulated kernel behind the backend interface, for tests and benchmarks. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backend.h"

/*
 * The simulated cgroups hold hot and cold memory. memory.reclaim frees cold
 * memory first, then hot, never more than asked, and answers -EAGAIN when it
 * freed less than asked, as the kernel does. Like the kernel's
 * memory.reclaim, it does not protect the target's own memory.min or
 * memory.low: respecting them is the caller's job.
 */
int backend_sim_new(struct backend **ret);

/*
 * Adds (or refills) a cgroup. One added where a removed one was is another
 * cgroup, with another id (backend_ops.cgroup_id). Returns 0 or -ENOMEM.
 */
int sim_add_cgroup(struct backend *be, const char *path, uint64_t hot_bytes, uint64_t cold_bytes);

/* Removes a cgroup: open handles then read -ENODEV, opens -ENOENT. Returns 0 or -ENOENT. */
int sim_remove_cgroup(struct backend *be, const char *path);

/*
 * Removes the cgroup once the next memory.reclaim write to it is done: rmdir
 * during a write waits for it (kernfs_drain()), so the write ends as usual
 * and what follows finds the cgroup gone. Returns 0 or -ENOENT.
 */
int sim_remove_after_write(struct backend *be, const char *path);

/* Makes the next n writes of file f in path fail with err (negative errno). */
int sim_fail_writes(struct backend *be, const char *path, enum cg_file f, int err, unsigned n);

/* Counters: bytes held, and bytes memory.reclaim took from the cgroup. */
uint64_t sim_current(struct backend *be, const char *path);
uint64_t sim_reclaimed(struct backend *be, const char *path);
/* memory.reclaim writes the cgroup received. */
unsigned sim_writes(struct backend *be, const char *path);

/* memory.min and memory.low of a cgroup (default 0). */
int sim_set_protection(struct backend *be, const char *path, uint64_t min_bytes, uint64_t low_bytes);

/*
 * memory.high (default max). Writing it keeps it in 4 KiB pages (rounded
 * down) and reclaims down to it, as memory_high_write() does.
 */
int sim_set_high(struct backend *be, const char *path, uint64_t high_bytes);
uint64_t sim_high(struct backend *be, const char *path);

/*
 * Makes every memory.reclaim and memory.high write take usec (a signal
 * interrupts it: memory.reclaim fails with -EINTR, memory.high keeps the new
 * limit, reclaims nothing and succeeds, as memory_high_write() does;
 * memory.low reclaims nothing and is not slowed), and writes
 * to the eventfd started_fd (if >= 0) when one begins, so a test can wait
 * for the event instead of sleeping.
 */
void sim_set_write_delay(struct backend *be, uint64_t usec, int started_fd);
unsigned sim_interrupted_writes(struct backend *be);

/* Makes backend_free() a no-op, so a test can read the files after its owner freed it. */
void sim_set_persistent(struct backend *be);
void sim_destroy(struct backend *be);

/*
 * Makes reads of file f in path (NULL: /proc/pressure/memory) return text (malformed, huge, "max"...), or
 * fail with err when err < 0; text NULL and err 0 restore the real contents.
 */
int sim_override_read(struct backend *be, const char *path, enum cg_file f, const char *text, int err);

/*
 * PSI triggers. The simulated kernel checks what psi_trigger_create() checks;
 * unprivileged, it also refuses windows that are not multiples of 2s, as
 * 6.5+ does for writers without CAP_SYS_RESOURCE. Removing a cgroup makes its
 * triggers' fds report EPOLLHUP until closed. The sim never fires them:
 * tests call daemon_trigger().
 */
void sim_set_unprivileged(struct backend *be, bool unprivileged);
/* Makes the next n triggers armed on path (NULL: the system) fail with err. */
int sim_fail_triggers(struct backend *be, const char *path, int err, unsigned n);
/* Removes path as the next trigger on it is opened, which then fails with ENOENT. */
int sim_remove_at_trigger(struct backend *be, const char *path);
/* Triggers on path (NULL: the system) still open at both ends; the last one's text in *ret_text. */
unsigned sim_armed_triggers(struct backend *be, const char *path, const char **ret_text);
/* Triggers armed since the start, closed ones included. */
unsigned sim_triggers_armed_ever(struct backend *be);
/* Whether a task is in the cgroup (cgroup.events; default yes). Returns 0 or -ENOENT. */
int sim_set_populated(struct backend *be, const char *path, bool populated);
/*
 * Makes memory.reclaim free permille/1000 of what each write asks (as much as
 * there is): 6.1's memory_reclaim() frees up to about twice a large request.
 */
void sim_set_overreclaim(struct backend *be, unsigned permille);

/*
 * The machine: its memory and free pages (sysinfo()), and one zone whose high
 * watermark is high (min and low below it). By default 16 GiB with nothing
 * free and a 32 MiB high watermark: short by round_target's default.
 */
void sim_set_sysmem(struct backend *be, uint64_t total, uint64_t free_bytes, uint64_t high);
/* The machine's free memory and /proc/zoneinfo cannot be read (-ENOENT). */
void sim_set_sysmem_absent(struct backend *be);

/*
 * Makes memory.reclaim take "swappiness=0" (6.11+; 6.1 refuses it with
 * EINVAL, the default): then only page cache is reclaimed, the cold part of
 * a cgroup unless it is anonymous (sim_set_cold_anon()). The hot part is
 * anonymous.
 */
void sim_set_swappiness(struct backend *be, bool supported);
int sim_set_cold_anon(struct backend *be, const char *path, bool anon);

/* /sys/kernel/mm/lru_gen/enabled: MGLRU on (0x0007, as Debian's 6.12 and 7.3 boot) or off (0x0000, the default). */
void sim_set_mglru(struct backend *be, bool on);

/*
 * memory.high written with O_NONBLOCK (6.16+): the limit is set and the
 * writer reclaims nothing; the cgroup's tasks reclaim down to it later, on
 * their way back to user space (mem_cgroup_handle_over_high()), which the
 * sim does not play: its usage stays until a test moves it.
 */
void sim_set_high_nonblock(struct backend *be, bool on);

/* The cgroup the process runs in, as /proc/self/cgroup would say (NULL: none beneath the root). */
void sim_set_own_cgroup(struct backend *be, const char *path);

/* Every glob listing fails with err (-EMFILE: out of descriptors) until called again with 0. */
void sim_fail_glob(struct backend *be, int err);

/* memory.low and memory.min as the cgroup holds them (written by reclaimd or sim_set_protection()). */
uint64_t sim_low(struct backend *be, const char *path);
uint64_t sim_min(struct backend *be, const char *path);

/*
 * The kernel's own reclaim (kswapd, direct reclaim) takes steal_bytes from
 * the cgroup, cold memory first, and refault_bytes of it come straight back
 * as working set: memory.stat's pgsteal and workingset_activate_* rise, and
 * sim_reclaimed() (memory.reclaim's) does not; so do /proc/vmstat's, which
 * sum every cgroup's. With a NULL path, from memory no cgroup holds (an
 * unmanaged allocator): /proc/vmstat's counters alone rise. Returns 0 or
 * -ENOENT.
 */
int sim_kernel_reclaim(struct backend *be, const char *path, uint64_t steal_bytes, uint64_t refault_bytes);

/*
 * bytes of what reclaim took from the cgroup fault back in, as working set:
 * its usage and memory.stat's workingset_refault_* rise. Returns 0 or
 * -ENOENT.
 */
int sim_refault(struct backend *be, const char *path, uint64_t bytes);

/*
 * Of what the kernel's own reclaim took (sim_kernel_reclaim()), bytes were
 * kswapd's: /proc/vmstat's pgsteal_kswapd rises by them.
 */
void sim_kswapd_took(struct backend *be, uint64_t bytes);

/*
 * Of the refaults, the share per 1000 that workingset_activate_* counts
 * (default 1000): the multi-gen LRU of 7.3 counted about 100 under heavy
 * reclaim, activating only pages evicted from a generation still the oldest.
 */
void sim_set_activated(struct backend *be, unsigned permille);

/* How much of the cgroup is mlocked (memory.stat's unevictable; reclaim in the sim ignores it). */
int sim_set_unevictable(struct backend *be, const char *path, uint64_t bytes);

/*
 * Sets (value NULL: removes) the extended attribute name of the cgroup's
 * directory, which owner owns. Two per cgroup at most. Returns 0, -ENOENT,
 * -ENOSPC or -ENOMEM.
 */
int sim_set_xattr(struct backend *be, const char *path, const char *name, const char *value, uid_t owner);
