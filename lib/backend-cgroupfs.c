/* The real backend: cgroupfs files opened beneath the root directory, hot ones kept open. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <systemd/sd-login.h>

#include "backend.h"
#include "cgpath.h"
#include "util.h"

#define PROC_PRESSURE_MEMORY "/proc/pressure/memory"

struct cgfs {
        struct backend be;
        char *root_path;    /* for glob(3), which takes no directory descriptor */
        int root_fd;        /* O_PATH of the cgroup root: every path resolves beneath it */
        int sys_fds[_CG_FILE_MAX];   /* the machine's files, opened on first read (the others -1) */
        const char *self_cgroup;     /* a test's own cgroup (backend_cgroupfs_set_self_cgroup()), or NULL */
};

/* The machine's files, read with a NULL cgroup. */
static const char *sys_path(enum cg_file f)
{
        switch (f) {
        case CG_MEMORY_PRESSURE: return PROC_PRESSURE_MEMORY;
        case CG_PROC_ZONEINFO:   return "/proc/zoneinfo";
        case CG_SYS_LRU_GEN:     return "/sys/kernel/mm/lru_gen/enabled";
        case CG_PROC_VMSTAT:     return "/proc/vmstat";
        default:                 return NULL;
        }
}

/*
 * No directory descriptor is kept: with memory.current held open, that is one
 * descriptor per managed cgroup, which matters at 10,000 cgroups against
 * RLIMIT_NOFILE. Other files are opened beneath the root by path on first use,
 * and checked to be the same cgroup's (same_cgroup()).
 */
struct backend_cgroup {
        char *path;               /* relative to the root */
        int fds[_CG_FILE_MAX];    /* opened on first use, re-read with pread: no open per refresh */
        uint64_t id;              /* cgfs_cgroup_id(), once read; 0 before */
};

/*
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) makes the kernel refuse any
 * path that climbs out of the root or goes through a symlink, whatever the
 * configuration validation missed. Kernels before 5.6 lack it: fall back to
 * openat() with O_NOFOLLOW on the last component, the configuration having
 * refused ".." already.
 */
static int open_beneath(int dir_fd, const char *path, int flags)
{
        struct open_how how = {
                .flags = (uint64_t)(flags | O_CLOEXEC),
                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
        };
        long fd;

        fd = syscall(SYS_openat2, dir_fd, path, &how, sizeof(how));
        if (fd < 0 && errno == ENOSYS)
                fd = openat(dir_fd, path, flags | O_CLOEXEC | O_NOFOLLOW);
        return fd < 0 ? negative_errno() : (int)fd;
}

static int open_file(struct cgfs *fs, struct backend_cgroup *cg, enum cg_file f, int flags)
{
        char path[PATH_MAX];
        int fd;

        if ((size_t)snprintf(path, sizeof(path), "%s/%s", cg->path, cg_file_name(f)) >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open_beneath(fs->root_fd, path, flags);
        fs->be.stats.opens++;
        return fd;
}

static void cgfs_close_cgroup(struct backend *be, struct backend_cgroup *cg)
{
        if (!cg)
                return;
        for (size_t i = 0; i < _CG_FILE_MAX; i++)
                safe_close(cg->fds[i]);
        free(cg->path);
        free(cg);
}

static int cgfs_open_cgroup(struct backend *be, const char *path, struct backend_cgroup **ret)
{
        struct cgfs *fs = container_of(be, struct cgfs, be);
        struct backend_cgroup *cg;
        int fd;

        cg = calloc(1, sizeof(*cg));
        if (!cg || !(cg->path = strdup(path))) {
                free(cg);
                return -ENOMEM;
        }
        for (size_t i = 0; i < _CG_FILE_MAX; i++)
                cg->fds[i] = -1;
        /* memory.current is read every refresh: opening it is also the existence check. */
        fd = open_file(fs, cg, CG_MEMORY_CURRENT, O_RDONLY);
        if (fd < 0) {
                cgfs_close_cgroup(be, cg);
                return fd == -ENOTDIR ? -ENOENT : fd;
        }
        cg->fds[CG_MEMORY_CURRENT] = fd;
        *ret = cg;
        return 0;
}

static int file_flags(enum cg_file f)
{
        switch (f) {
        case CG_MEMORY_RECLAIM:
                return O_WRONLY;
        case CG_MEMORY_LOW:
        case CG_MEMORY_MIN:
                return O_RDWR;   /* written while other cgroups are over their soft limits */
        case CG_MEMORY_HIGH:
                /*
                 * Kernels with "memcg: introduce non-blocking limit setting
                 * option" (6.16+) skip the synchronous reclaim of a lowered
                 * memory.high for O_NONBLOCK writers; older ones ignore the
                 * flag (cgroupfs files take any open flags).
                 */
                return O_RDWR | O_NONBLOCK;
        default:
                return O_RDONLY;
        }
}

/*
 * A file opened by path after memory.current may belong to another cgroup: one
 * created at that path since (a service restarted, its cgroup removed and made
 * again). A write through it would change a cgroup reclaimd never read and
 * has no record of. A path holds one cgroup at a time, and a removed cgroup's
 * files answer ENODEV from kernfs_fop_read_iter() for good: if the cgroup
 * memory.current was opened on still answers after the open, the file is its
 * own. One read, on a file's first use only.
 */
static int same_cgroup(struct cgfs *fs, struct backend_cgroup *cg)
{
        char c;
        ssize_t k;

        do {
                k = pread(cg->fds[CG_MEMORY_CURRENT], &c, 1, 0);
                fs->be.stats.reads++;
        } while (k < 0 && errno == EINTR);
        return k < 0 ? negative_errno() : 0;
}

static int get_fd(struct cgfs *fs, struct backend_cgroup *cg, enum cg_file f)
{
        int fd, r;

        if (!cg) {
                if (!sys_path(f))
                        return -EINVAL;
                if (fs->sys_fds[f] < 0) {
                        fs->sys_fds[f] = open(sys_path(f), O_RDONLY | O_CLOEXEC);
                        if (fs->sys_fds[f] < 0)
                                return negative_errno();
                }
                return fs->sys_fds[f];
        }
        if (cg->fds[f] >= 0)
                return cg->fds[f];
        fd = open_file(fs, cg, f, file_flags(f));
        if (fd < 0)
                return fd;
        r = same_cgroup(fs, cg);
        if (r < 0) {
                safe_close(fd);
                return r;
        }
        return cg->fds[f] = fd;
}

/*
 * One pread as a rule: seq_file hands a small file over whole. Every cgroup
 * and PSI file ends its text with a newline, so anything else was a short
 * read, and reading goes on from there until the newline or the end. Only
 * /proc/zoneinfo and /proc/vmstat, which seq_file hands over a record at a
 * time up to a page (seq_read_iter()), and a page is less than either, are
 * read until the end.
 */
static ssize_t cgfs_read(struct backend *be, struct backend_cgroup *cg, enum cg_file f,
                         char *buf, size_t size)
{
        struct cgfs *fs = container_of(be, struct cgfs, be);
        size_t n = 0;
        ssize_t k;
        int fd;

        if (size < 2)
                return -EINVAL;
        fd = get_fd(fs, cg, f);
        if (fd < 0)
                return fd;
        do {
                k = pread(fd, buf + n, size - 1 - n, (off_t)n);
                be->stats.reads++;
                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0)
                        return negative_errno();
                n += (size_t)k;
                if (n == size - 1)
                        return -EFBIG;
        } while (k < 0 || (k != 0 && (buf[n - 1] != '\n' || (!cg && (f == CG_PROC_ZONEINFO || f == CG_PROC_VMSTAT)))));
        buf[n] = '\0';
        return (ssize_t)n;
}

static int cgfs_write(struct backend *be, struct backend_cgroup *cg, enum cg_file f, const char *val)
{
        struct cgfs *fs = container_of(be, struct cgfs, be);
        size_t len = strlen(val);
        ssize_t n;
        int fd;

        fd = get_fd(fs, cg, f);
        if (fd < 0)
                return fd;
        n = pwrite(fd, val, len, 0);
        be->stats.writes++;
        if (n < 0)
                return negative_errno();
        return (size_t)n == len ? 0 : -EIO;
}

static int cgfs_open_trigger(struct backend *be, struct backend_cgroup *cg, const char *trigger)
{
        int fd;

        /* One trigger per open file: the kernel refuses a second one with EBUSY. */
        if (cg)
                fd = open_file(container_of(be, struct cgfs, be), cg, CG_MEMORY_PRESSURE,
                               O_RDWR | O_NONBLOCK);
        else
                fd = open(PROC_PRESSURE_MEMORY, O_RDWR | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return cg ? fd : negative_errno();
        /* With its NUL: psi_write() overwrites the write's last byte with one. */
        if (write(fd, trigger, strlen(trigger) + 1) < 0) {
                int r = negative_errno();

                close(fd);
                return r;
        }
        return fd;
}

/*
 * The root's path as a glob matches only itself: --cgroup-root names a
 * folder, not a pattern, whatever characters it holds.
 */
static char *glob_literal(const char *s)
{
        char *out = malloc(strlen(s) * 2 + 1), *o = out;

        if (!out)
                return NULL;
        for (; *s; s++) {
                if (strchr("*?[\\", *s))
                        *o++ = '\\';
                *o++ = *s;
        }
        *o = '\0';
        return out;
}

/*
 * glob(3)'s errfunc has no context argument: the first error of the calling
 * thread's cgfs_glob(), set by note_glob_error() and read once glob() returns.
 */
static _Thread_local int glob_err;

/*
 * A directory glob could not list: the listing is not known when the cause is
 * the process's or the kernel's (out of descriptors or memory, an I/O error),
 * and treating it as "nothing there" would let go of every cgroup it matched.
 * One removed while glob walks (ENOENT), or a subtree reclaimd may not read
 * (EACCES: a delegated one, with no CAP_DAC_READ_SEARCH in the unit), matches
 * nothing, as it will on the next listing.
 */
static int note_glob_error(const char *path, int err)
{
        (void) path;
        if (!glob_err && (err == EMFILE || err == ENFILE || err == ENOMEM || err == EIO))
                glob_err = -err;
        return 0;
}

static int cgfs_glob(struct backend *be, const char *pattern, char ***ret)
{
        struct cgfs *fs = container_of(be, struct cgfs, be);
        size_t prefix = strlen(fs->root_path) + 1, n = 0;
        _cleanup_free_ char *full = NULL, *root = glob_literal(fs->root_path);
        glob_t g = {};
        char **v;
        int r;

        if (!root || asprintf(&full, "%s/%s", root, pattern) < 0)
                return -ENOMEM;
        /*
         * GLOB_ONLYDIR: cgroups are directories; the files beside them never
         * match. GLOB_PERIOD: '*' matches a name that begins with a dot, as
         * config_match()'s fnmatch() does (else a delegated owner escapes a
         * glob by naming its cgroup ".x"); "." and ".." are left out after
         * (cgpath_is_cgroup()).
         */
        glob_err = 0;
        r = glob(full, GLOB_ONLYDIR | GLOB_NOSORT | GLOB_PERIOD, note_glob_error, &g);
        if (glob_err < 0 || (r != 0 && r != GLOB_NOMATCH)) {
                globfree(&g);
                return glob_err < 0 ? glob_err : r == GLOB_NOSPACE ? -ENOMEM : -EIO;
        }
        v = calloc(g.gl_pathc + 1, sizeof(*v));
        if (!v) {
                globfree(&g);
                return -ENOMEM;
        }
        for (size_t i = 0; i < g.gl_pathc; i++) {
                struct stat st;

                /* A symlink or a plain file is not a cgroup, whatever the pattern says. */
                if (lstat(g.gl_pathv[i], &st) < 0 || !S_ISDIR(st.st_mode))
                        continue;
                v[n] = strdup(g.gl_pathv[i] + prefix);
                if (!v[n]) {
                        globfree(&g);
                        backend_strv_free(v);
                        return -ENOMEM;
                }
                n++;
        }
        globfree(&g);
        *ret = v;
        return (int)n;
}

/*
 * The directory is opened for each read, as every other file is opened
 * beneath the root (never through a symlink); xattrs are read at start and
 * at each tick, not every refresh, so the open costs little.
 */
static int cgfs_read_xattr(struct backend *be, struct backend_cgroup *cg, const char *name, char *buf,
                           size_t size, uid_t *ret_owner)
{
        struct cgfs *fs = container_of(be, struct cgfs, be);
        _cleanup_close_ int fd = -1;
        struct stat st;
        ssize_t n;

        if (size < 2)
                return -EINVAL;
        fd = open_beneath(fs->root_fd, cg->path, O_RDONLY | O_DIRECTORY);
        be->stats.opens++;
        if (fd < 0)
                return fd;
        if (fstat(fd, &st) < 0)
                return negative_errno();
        n = fgetxattr(fd, name, buf, size - 1);
        if (n < 0)
                return errno == ENOTSUP ? -ENODATA : negative_errno();   /* a kernel without user.* on cgroupfs */
        buf[n] = '\0';
        *ret_owner = st.st_uid;
        return (int)n;
}

/*
 * kernfs makes a directory's inode number its node id, which cgroup v2 uses
 * as the cgroup id (cgroup_id(), kernfs_node_id()): never reused while the
 * machine runs, on 64-bit kernels. The directory is opened by path, so it
 * may be a cgroup made at that path since this one was opened: the check
 * that memory.current still answers tells, as for any file (same_cgroup()).
 * Read once per handle: a handle holds one cgroup.
 */
static int cgfs_cgroup_id(struct backend *be, struct backend_cgroup *cg, uint64_t *ret)
{
        struct cgfs *fs = container_of(be, struct cgfs, be);
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (cg->id == 0) {
                fd = open_beneath(fs->root_fd, cg->path, O_RDONLY | O_DIRECTORY);
                be->stats.opens++;
                if (fd < 0)
                        return fd == -ENOTDIR ? -ENOENT : fd;
                if (fstat(fd, &st) < 0)
                        return negative_errno();
                r = same_cgroup(fs, cg);
                if (r < 0)
                        return r;
                cg->id = (uint64_t)st.st_ino;
        }
        *ret = cg->id;
        return 0;
}

/*
 * sd_pid_get_cgroup() reads /proc/self/cgroup's unified line, "0::/PATH":
 * the path from the root of this process's cgroup namespace, which is what
 * a cgroup2 mount shows. With --cgroup-root on another tree the same path
 * may name another directory or none: it counts only if this process is
 * among its cgroup.procs.
 */
static int cgfs_own_cgroup(struct backend *be, char **ret)
{
        struct cgfs *fs = container_of(be, struct cgfs, be);
        _cleanup_free_ char *own = NULL;
        _cleanup_close_ int fd = -1;
        char path[PATH_MAX], procs[4096], pid[32];
        const char *rel;
        size_t at = 0;
        ssize_t n;
        int r;

        r = fs->self_cgroup ? ((own = strdup(fs->self_cgroup)) ? 0 : -ENOMEM) : sd_pid_get_cgroup(0, &own);
        if (r < 0)
                return r == -ENODATA ? -ENOENT : r;   /* no unified hierarchy line */
        rel = own + strspn(own, "/");
        if (*rel == '\0' || !cgpath_is_cgroup(rel))
                return -ENOENT;   /* the root, which is never managed */
        if ((size_t)snprintf(path, sizeof(path), "%s/cgroup.procs", rel) >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open_beneath(fs->root_fd, path, O_RDONLY);
        if (fd < 0)
                return fd == -ENOTDIR ? -ENOENT : fd;
        /* One pid a line; reclaimd's own cgroup holds it alone, a larger one is read in part. */
        snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
        while (at < sizeof(procs) - 1 && (n = read(fd, procs + at, sizeof(procs) - 1 - at)) > 0)
                at += (size_t)n;
        procs[at] = '\0';
        for (const char *p = procs; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
                if (strncmp(p, pid, strlen(pid)) == 0)
                        return (*ret = strdup(rel)) ? 0 : -ENOMEM;
        return -ENOENT;   /* that path beneath this root is another tree's */
}

/*
 * sysinfo(2): the same free pages as /proc/meminfo's MemFree, without the
 * kernel formatting a page of text every balance interval (under qemu's TCG
 * that text cost more than the rest of an idle interval together).
 */
static int cgfs_free_memory(struct backend *be, uint64_t *ret_total, uint64_t *ret_free)
{
        struct sysinfo si;

        if (sysinfo(&si) < 0)
                return negative_errno();
        *ret_total = (uint64_t)si.totalram * si.mem_unit;
        *ret_free = (uint64_t)si.freeram * si.mem_unit;
        return 0;
}

static void cgfs_free(struct backend *be)
{
        struct cgfs *fs = container_of(be, struct cgfs, be);

        free(fs->root_path);
        safe_close(fs->root_fd);
        for (size_t i = 0; i < _CG_FILE_MAX; i++)
                safe_close(fs->sys_fds[i]);
        free(fs);
}

static const struct backend_ops cgfs_ops = {
        .open_cgroup = cgfs_open_cgroup,
        .close_cgroup = cgfs_close_cgroup,
        .read = cgfs_read,
        .write = cgfs_write,
        .open_trigger = cgfs_open_trigger,
        .glob = cgfs_glob,
        .read_xattr = cgfs_read_xattr,
        .cgroup_id = cgfs_cgroup_id,
        .own_cgroup = cgfs_own_cgroup,
        .free_memory = cgfs_free_memory,
        .free = cgfs_free,
};

int backend_cgroupfs_new(const char *root_path, struct backend **ret)
{
        struct cgfs *fs;

        fs = calloc(1, sizeof(*fs));
        if (!fs)
                return -ENOMEM;
        fs->be.ops = &cgfs_ops;
        for (size_t i = 0; i < _CG_FILE_MAX; i++)
                fs->sys_fds[i] = -1;
        fs->root_fd = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        fs->root_path = strdup(root_path);
        if (fs->root_fd < 0 || !fs->root_path) {
                int r = fs->root_fd < 0 ? negative_errno() : -ENOMEM;

                safe_close(fs->root_fd);
                free(fs->root_path);
                free(fs);
                return r;
        }
        *ret = &fs->be;
        return 0;
}

void backend_cgroupfs_set_self_cgroup(struct backend *be, const char *path)
{
        container_of(be, struct cgfs, be)->self_cgroup = path;
}
