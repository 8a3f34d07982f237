/* The kernel interface: every read and write of cgroupfs and PSI goes through these ops. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* The cgroup files reclaimd uses. */
enum cg_file {
        CG_MEMORY_CURRENT,   /* read every refresh: kept open, re-read with pread */
        CG_MEMORY_STAT,
        CG_MEMORY_MIN,
        CG_MEMORY_LOW,
        CG_MEMORY_HIGH,
        CG_MEMORY_RECLAIM,
        CG_MEMORY_PRESSURE,  /* with a NULL cgroup: /proc/pressure/memory */
        CG_CGROUP_EVENTS,    /* "populated 0|1": whether any task is in the subtree */
        CG_PROC_ZONEINFO,    /* the machine's, with a NULL cgroup only: /proc/zoneinfo, read to
                              * its end (it can be large) */
        CG_SYS_LRU_GEN,      /* likewise /sys/kernel/mm/lru_gen/enabled: whether MGLRU is on */
        CG_PROC_VMSTAT,      /* likewise /proc/vmstat: the machine's reclaim and refault counters */
        _CG_FILE_MAX,
};

struct backend;
struct backend_cgroup;   /* one open cgroup; its layout is the backend's own */

struct backend_ops {
        /*
         * Opens the cgroup at path, relative to the cgroup root. Returns 0,
         * -ENOENT when it does not exist (yet), or another negative errno.
         */
        int (*open_cgroup)(struct backend *be, const char *path, struct backend_cgroup **ret);
        void (*close_cgroup)(struct backend *be, struct backend_cgroup *cg);
        /*
         * Reads a whole file into buf, NUL-terminated. With a NULL cgroup,
         * the machine's files: CG_MEMORY_PRESSURE (/proc/pressure/memory),
         * CG_PROC_ZONEINFO, CG_SYS_LRU_GEN, CG_PROC_VMSTAT. Returns its length, or
         * -ENODEV/-ENOENT when the cgroup was removed, -EFBIG when it does not
         * fit, or another negative errno.
         */
        ssize_t (*read)(struct backend *be, struct backend_cgroup *cg, enum cg_file f,
                        char *buf, size_t size);
        /*
         * Writes val to a file. For memory.reclaim: 0 when the kernel reclaimed
         * what was asked, -EAGAIN when it reclaimed less (normal, not an error),
         * -EINTR when interrupted, -ENODEV/-ENOENT when the cgroup is gone.
         */
        int (*write)(struct backend *be, struct backend_cgroup *cg, enum cg_file f, const char *val);
        /*
         * Arms a PSI trigger (kernel syntax, "some 150000 1000000") on cg's
         * memory.pressure, or on /proc/pressure/memory when cg is NULL. Returns
         * a file descriptor that becomes ready with POLLPRI when the trigger
         * fires; the caller owns it. Negative errno on failure.
         */
        int (*open_trigger)(struct backend *be, struct backend_cgroup *cg, const char *trigger);
        /*
         * Lists the cgroups (directories) beneath the root whose path matches
         * the glob pattern (relative, '/' matched literally). Returns the
         * count and a NULL-terminated array of newly allocated relative paths,
         * or a negative errno when the listing is not known (out of
         * descriptors or memory): never 0 for a listing that failed.
         */
        int (*glob)(struct backend *be, const char *pattern, char ***ret);
        /*
         * Reads the extended attribute name of the cgroup's directory
         * ("trusted.reclaimd.soft_limit") into buf, NUL-terminated, and who
         * owns the directory. Returns the value's length, -ENODATA when it
         * has none, -ERANGE when it does not fit, or another negative errno.
         */
        int (*read_xattr)(struct backend *be, struct backend_cgroup *cg, const char *name, char *buf,
                          size_t size, uid_t *ret_owner);
        /*
         * The cgroup's id: on cgroup v2 its directory's inode number (the
         * kernfs node id, which the kernel never hands out twice while it
         * runs), so that a cgroup removed and made again at the same path
         * has another. Returns 0, -ENODEV/-ENOENT when it was removed, or
         * another negative errno.
         */
        int (*cgroup_id)(struct backend *be, struct backend_cgroup *cg, uint64_t *ret);
        /*
         * The cgroup this process runs in, relative to the root (from
         * /proc/self/cgroup), in *ret (to free). Returns 0, -ENOENT when it
         * is not beneath the root or is the root itself, or another negative
         * errno.
         */
        int (*own_cgroup)(struct backend *be, char **ret);
        /*
         * The machine's memory and its free pages (NR_FREE_PAGES, what the
         * zones' watermarks are checked against), in bytes. Returns 0 or a
         * negative errno.
         */
        int (*free_memory)(struct backend *be, uint64_t *ret_total, uint64_t *ret_free);
        void (*free)(struct backend *be);
};

/* System calls the real backend made: the benchmark's "one pread per cgroup per refresh". */
struct backend_stats {
        uint64_t opens;
        uint64_t reads;
        uint64_t writes;
};

struct backend {
        const struct backend_ops *ops;
        struct backend_stats stats;
};

/* The real kernel: cgroupfs under root_path and /proc/pressure. */
int backend_cgroupfs_new(const char *root_path, struct backend **ret);

/*
 * For tests: the cgroup the real backend takes this process to run in, as
 * sd_pid_get_cgroup() gives it ("/a/b.service"), instead of asking; path
 * must outlive be.
 */
void backend_cgroupfs_set_self_cgroup(struct backend *be, const char *path);

/* Reads a single-value file ("123\n" or "max\n"; max is UINT64_MAX). Returns 0 or negative errno. */
int backend_read_u64(struct backend *be, struct backend_cgroup *cg, enum cg_file f, uint64_t *ret);

const char *cg_file_name(enum cg_file f);

static inline struct backend *backend_free(struct backend *be)
{
        if (be)
                be->ops->free(be);
        return NULL;
}

/* Frees what backend_ops.glob returned. */
void backend_strv_free(char **v);
