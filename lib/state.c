/*
 * The state file: cgroup values reclaimd changed (memory.high, memory.low,
 * memory.min), so a restart can put them back.
 *
 *     reclaimd-state 3
 *     # file original value previous path: ...
 *     #cgroup-root /sys/fs/cgroup
 *     #cgroup-id 4711
 *     memory.low 0 512M 0 system.slice/web.service
 *
 * One record a line: the file, its value before reclaimd touched it, what
 * reclaimd wrote (or was about to), what the kernel held before that write
 * (a SIGKILL between recording and writing leaves that), and the path,
 * escaped. The comment line before a record gives the id of the cgroup
 * that stood at the path (its directory's inode on cgroup v2), when known.
 * The id is there because a cgroup removed and made again at the same path
 * while no reclaimd ran (a service that systemd restarted) may hold a value
 * of its own equal to the one reclaimd wrote: only the id tells it from the
 * cgroup reclaimd changed. It is a comment so that a release before it,
 * which skips comments, still reads the file after a downgrade, by the
 * values alone, rather than refusing it whole. The cgroup root the paths
 * are relative to is a comment for the same reason: a start under another
 * root (--cgroup-root changed, another mount found) must not take the
 * records for cgroups of its own tree. Version 2 (memory.high only) is
 * still read.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <time.h>

#include "cgpath.h"
#include "state.h"
#include "units.h"
#include "util.h"

#define STATE_HEADER    "reclaimd-state 3"
#define STATE_ID_PREFIX "#cgroup-id "        /* the id of the record on the next line */
#define STATE_ROOT_PREFIX "#cgroup-root "    /* the root every record's path is relative to */
#define STATE_HEADER_V2 "reclaimd-state 2"   /* memory.high only, unescaped paths */
/*
 * Read whole at start, so bounded; a save that would pass the bound fails
 * (-EFBIG), as one the disk refuses does, and no value is held beyond what
 * the file can record. 64 MiB is some 300000 records of 200 bytes: a
 * Kubernetes pod's path is about 180.
 */
#define STATE_MAX_BYTES (64 << 20)
#define STATE_LOCK_TRIES 10                 /* 20 ms apart (state_lock()) */
#define STATE_REJECTED_MAX 9                /* FILE.rejected, then FILE.rejected.1 to .9 */

static int fsync_dir_of(const char *file)
{
        _cleanup_free_ char *copy = strdup(file);
        _cleanup_close_ int fd = -1;

        if (!copy)
                return -ENOMEM;
        fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) < 0)
                return negative_errno();
        return 0;
}

/* Creates the state file's directory (0700) when it is missing, as under /run after boot. */
static int make_parent(const char *file)
{
        _cleanup_free_ char *copy = strdup(file);

        if (!copy)
                return -ENOMEM;
        if (mkdir(dirname(copy), 0700) < 0 && errno != EEXIST)
                return negative_errno();
        return 0;
}

/* A cgroup's name may hold any byte but '/' and NUL: keep it on one line, in one field. Returns the bytes written. */
static size_t write_path(FILE *f, const char *path)
{
        size_t n = 0;

        for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
                int k;

                if (*p == '\\')
                        k = fprintf(f, "\\\\");
                else if (*p <= ' ' || *p == 0x7f)
                        k = fprintf(f, "\\x%02x", *p);
                else
                        k = fputc(*p, f) == EOF ? -1 : 1;
                n += k > 0 ? (size_t)k : 0;
        }
        return n;
}

static int write_records(FILE *f, const char *root, const struct state_record *v, size_t n)
{
        int k = fprintf(f, "%s\n# file original value previous path: what reclaimd changed, to put back\n",
                        STATE_HEADER);
        size_t bytes = k > 0 ? (size_t)k : 0;

        if (root) {
                fputs(STATE_ROOT_PREFIX, f);
                bytes += strlen(STATE_ROOT_PREFIX) + write_path(f, root) + 1;
                fputc('\n', f);
        }
        /* Counted as written, and stopped at the bound: a file past it is no use, and the disk is /run's RAM. */
        for (size_t i = 0; i < n && bytes <= STATE_MAX_BYTES; i++) {
                char orig[FORMAT_SIZE_MAX], val[FORMAT_SIZE_MAX], prev[FORMAT_SIZE_MAX];

                if (v[i].cgroup_id) {
                        k = fprintf(f, STATE_ID_PREFIX "%" PRIu64 "\n", v[i].cgroup_id);
                        bytes += k > 0 ? (size_t)k : 0;
                }
                k = fprintf(f, "%s %s %s %s ", cg_file_name(v[i].file),
                            format_size_exact(orig, sizeof(orig), v[i].original),
                            format_size_exact(val, sizeof(val), v[i].value),
                            format_size_exact(prev, sizeof(prev), v[i].previous));
                bytes += (k > 0 ? (size_t)k : 0) + write_path(f, v[i].path) + 1;
                fputc('\n', f);
        }
        if (bytes > STATE_MAX_BYTES)
                return -EFBIG;   /* the next start would refuse it whole */
        /* stdio drops a buffer whose write failed, and fflush() then succeeds: only ferror() tells. */
        if (fflush(f) != 0 || ferror(f))
                return negative_errno();
        return fsync(fileno(f)) == 0 ? 0 : negative_errno();
}

int state_save(const char *file, const char *root, const struct state_record *v, size_t n)
{
        _cleanup_free_ char *tmp = NULL;
        FILE *f;
        int fd, r;

        if (n == 0) {
                /* Synced as a rename is: else a crash could bring back records of values put back since. */
                if (unlink(file) < 0)
                        return errno == ENOENT ? 0 : negative_errno();
                return fsync_dir_of(file);
        }
        if (asprintf(&tmp, "%s.tmp", file) < 0)
                return -ENOMEM;
        r = make_parent(file);
        if (r < 0)
                return r;
        (void) unlink(tmp);
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return negative_errno();
        f = fdopen(fd, "w");
        if (!f) {
                r = negative_errno();
                close(fd);
                unlink(tmp);
                return r;
        }
        r = write_records(f, root, v, n);
        if (fclose(f) != 0 && r == 0)
                r = negative_errno();
        if (r == 0 && rename(tmp, file) < 0)
                r = negative_errno();
        if (r < 0) {
                unlink(tmp);
                return r;
        }
        return fsync_dir_of(file);
}

/* A copy of from at to (created 0600, never through a symlink), for a file system without hard links. */
static int copy_file(const char *from, const char *to)
{
        _cleanup_close_ int in = -1, out = -1;
        ssize_t n;

        in = open(from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (in < 0)
                return negative_errno();
        out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (out < 0)
                return negative_errno();
        while ((n = sendfile(out, in, NULL, 1 << 20)) > 0)
                ;
        return n < 0 || fsync(out) < 0 ? negative_errno() : 0;
}

int state_reject_path(const char *file, char **ret)
{
        for (unsigned i = 0; i <= STATE_REJECTED_MAX; i++) {
                char *path = NULL;

                if ((i ? asprintf(&path, "%s.rejected.%u", file, i) : asprintf(&path, "%s.rejected", file)) < 0)
                        return -ENOMEM;
                if (access(path, F_OK) < 0 && errno == ENOENT) {
                        *ret = path;
                        return 0;
                }
                free(path);
        }
        return asprintf(ret, "%s.rejected", file) < 0 ? -ENOMEM : 0;   /* all taken: the first is replaced */
}

int state_reject(const char *file, char **ret_kept)
{
        _cleanup_free_ char *kept = NULL, *tmp = NULL;
        struct stat st;
        int r = 0;

        if (lstat(file, &st) < 0)
                return errno == ENOENT ? 0 : negative_errno();
        if (!S_ISREG(st.st_mode))
                return 0;   /* a symlink or a FIFO: no line of it was read, none to keep */
        /*
         * Never over an earlier one: it may hold values still held under
         * another root (engine_restore()'s -EXDEV), which nothing else records.
         */
        r = state_reject_path(file, &kept);
        if (r < 0)
                return r;
        if (asprintf(&tmp, "%s.tmp", kept) < 0)
                return -ENOMEM;
        (void) unlink(tmp);
        /*
         * A link, not a rename: until the new state file replaces it, the old one
         * stays where the next start reads it, so a crash before that loses
         * nothing; state_save() never writes a file in place, so the link keeps
         * the bytes as they were.
         */
        if (link(file, tmp) < 0)
                r = errno == ENOENT ? -ENOENT : copy_file(file, tmp);
        if (r == 0 && rename(tmp, kept) < 0)
                r = negative_errno();
        if (r < 0) {
                (void) unlink(tmp);
                return r == -ENOENT ? 0 : r;
        }
        r = fsync_dir_of(file);
        if (r == 0 && ret_kept) {
                *ret_kept = kept;   /* moves */
                kept = NULL;
        }
        return r;
}

int state_lock(const char *file)
{
        _cleanup_free_ char *path = NULL;
        int fd, r;

        if (asprintf(&path, "%s.lock", file) < 0)
                return -ENOMEM;
        r = make_parent(file);
        if (r < 0)
                return r;
        fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
                return negative_errno();
        /*
         * A dry run's probe (state_locked()) holds the lock shared for a few
         * microseconds: a start that meets it tries again. A run holds it
         * for good, and is still there a fifth of a second later.
         */
        for (unsigned tries = 0; flock(fd, LOCK_EX | LOCK_NB) < 0; tries++) {
                if (errno != EWOULDBLOCK || tries == STATE_LOCK_TRIES) {
                        r = errno == EWOULDBLOCK ? -EBUSY : negative_errno();
                        close(fd);
                        return r;
                }
                (void) nanosleep(&(struct timespec){ .tv_nsec = 20 * 1000 * 1000 }, NULL);
        }
        return fd;
}

int state_locked(const char *file)
{
        _cleanup_free_ char *path = NULL;
        int fd, r = 0;

        if (asprintf(&path, "%s.lock", file) < 0)
                return -ENOMEM;
        fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return errno == ENOENT ? 0 : negative_errno();   /* no lock file: no run ever took it */
        /* Shared: it conflicts only with a run's exclusive lock, and leaves the file as it is. */
        if (flock(fd, LOCK_SH | LOCK_NB) < 0)
                r = errno == EWOULDBLOCK ? 1 : negative_errno();
        close(fd);
        return r;
}

/* Undoes write_path() in place. Returns 0, or -EINVAL for an escape it does not write. */
static int unescape_path(char *s)
{
        char *out = s;

        for (const char *p = s; *p; p++) {
                int hi, lo;

                if (*p != '\\') {
                        *out++ = *p;
                        continue;
                }
                if (p[1] == '\\') {
                        *out++ = '\\';
                        p++;
                        continue;
                }
                if (p[1] != 'x' || (hi = hex_value(p[2])) < 0 || (lo = hex_value(p[3])) < 0 ||
                    (hi << 4 | lo) == 0)
                        return -EINVAL;
                *out++ = (char)(hi << 4 | lo);
                p += 3;
        }
        *out = '\0';
        return 0;
}

/* Whether a record is something reclaimd writes: memory.high lowered, memory.low raised. */
static bool record_sane(const struct state_record *r)
{
        if (r->file == CG_MEMORY_HIGH)
                return r->value != UINT64_MAX && r->value < r->original && r->previous <= r->original;
        if (r->file == CG_MEMORY_LOW || r->file == CG_MEMORY_MIN)
                return r->value > r->original && r->previous >= r->original;
        return false;
}

static int parse_file_name(const char *name, enum cg_file *ret)
{
        if (streq(name, cg_file_name(CG_MEMORY_HIGH)))
                *ret = CG_MEMORY_HIGH;
        else if (streq(name, cg_file_name(CG_MEMORY_LOW)))
                *ret = CG_MEMORY_LOW;
        else if (streq(name, cg_file_name(CG_MEMORY_MIN)))
                *ret = CG_MEMORY_MIN;
        else
                return -EINVAL;
        return 0;
}

/*
 * Version 3: "FILE ORIGINAL VALUE PREVIOUS PATH", the path escaped.
 * Version 2: "ORIGINAL CLAMPED PREVIOUS PATH", memory.high, the path as it is
 * (a configured path then: no control characters, no spaces at its ends).
 */
static int parse_line(char *line, unsigned version, struct state_record *ret)
{
        char *file = version == 3 ? strtok(line, " \t") : NULL;
        char *orig = strtok(version == 3 ? NULL : line, " \t"), *val = strtok(NULL, " \t");
        char *prev = strtok(NULL, " \t"), *path = strtok(NULL, version == 3 ? " \t" : "");
        struct state_record r = { .file = CG_MEMORY_HIGH };

        if (!orig || !val || !prev || !path || (version == 3 && (!file || strtok(NULL, ""))))
                return -EINVAL;
        if ((file && parse_file_name(file, &r.file) < 0) || parse_size(orig, &r.original) < 0 ||
            parse_size(val, &r.value) < 0 || parse_size(prev, &r.previous) < 0)
                return -EINVAL;
        if (!record_sane(&r) || (version == 3 && unescape_path(path) < 0) || !cgpath_is_cgroup(path))
                return -EINVAL;
        r.path = strdup(path);
        if (!r.path)
                return -ENOMEM;
        *ret = r;
        return 0;
}

static void bad_line(struct state *s, unsigned lineno)
{
        if (!s->bad_lines++)
                s->first_bad_line = lineno;
}

static int append(struct state *s, const struct state_record *r)
{
        struct state_record *v = reallocarray(s->v, s->n + 1, sizeof(*v));

        if (!v)
                return -ENOMEM;
        s->v = v;
        s->v[s->n++] = *r;
        return 0;
}

int state_parse(const char *text, struct state *ret)
{
        struct state s = {};
        unsigned lineno = 0, version = 0;
        uint64_t id = 0;   /* from the "#cgroup-id" line just before, for the next record */

        for (const char *p = text; *p;) {
                const char *eol = strchrnul(p, '\n');
                _cleanup_free_ char *line = strndup(p, (size_t)(eol - p));
                struct state_record r;
                int k;

                p = *eol ? eol + 1 : eol;
                lineno++;
                if (!line)
                        goto oom;
                if (!*eol) {
                        s.truncated = true;
                        bad_line(&s, lineno);
                        continue;
                }
                if (!version && (streq(line, STATE_HEADER) || streq(line, STATE_HEADER_V2))) {
                        version = streq(line, STATE_HEADER) ? 3 : 2;
                        continue;
                }
                if (version && strncmp(line, STATE_ROOT_PREFIX, strlen(STATE_ROOT_PREFIX)) == 0) {
                        /*
                         * One, before the records, as reclaimd writes it. Any other is
                         * a bad line, and leaves the root unknown (bad_root): the
                         * caller then applies no record, under its own root or any.
                         */
                        char *root = line + strlen(STATE_ROOT_PREFIX);

                        if (s.root || s.n || *root != '/' || unescape_path(root) < 0) {
                                s.bad_root = true;
                                bad_line(&s, lineno);
                                continue;
                        }
                        s.root = strdup(root);
                        if (!s.root)
                                goto oom;
                        continue;
                }
                if (strncmp(line, STATE_ID_PREFIX, strlen(STATE_ID_PREFIX)) == 0) {
                        /* One that does not read leaves the record to its values, as before ids. */
                        if (parse_uint64(line + strlen(STATE_ID_PREFIX), &id) < 0)
                                id = 0;
                        continue;
                }
                if (*line == '#' || *line == '\0')
                        continue;
                k = version ? parse_line(line, version, &r) : -EINVAL;
                if (k == 0)
                        r.cgroup_id = id;
                id = 0;
                if (k == -ENOMEM)
                        goto oom;
                if (k < 0) {
                        bad_line(&s, lineno);
                        continue;
                }
                if (append(&s, &r) < 0) {
                        free(r.path);
                        goto oom;
                }
        }
        s.no_header = !version;
        *ret = s;
        return 0;
oom:
        state_clear(&s);
        return -ENOMEM;
}

int state_load(const char *file, struct state *ret)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t n;
        int r;

        *ret = (struct state){};
        fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        ret->owner = st.st_uid;
        ret->mode = st.st_mode;
        if (!S_ISREG(st.st_mode) || st.st_size > STATE_MAX_BYTES)
                return -EBADMSG;
        /*
         * Checked on the descriptor read, not the path: a file swapped in after
         * the check is not the one applied. state_save() never makes either.
         */
        ret->untrusted = st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH));
        if (ret->untrusted)
                return st.st_uid != geteuid() ? -EPERM : -EACCES;
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        n = read(fd, buf, (size_t)st.st_size);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        if (strlen(buf) != (size_t)n)
                return -EBADMSG;   /* a NUL inside: not a file reclaimd wrote */
        r = state_parse(buf, ret);
        if (r < 0)
                return r;
        ret->owner = st.st_uid;
        ret->mode = st.st_mode;
        return 0;
}

int state_root(const char *file, char **ret)
{
        struct state st;
        int r = state_load(file, &st);

        *ret = NULL;
        if (r == 0) {
                *ret = st.root;   /* moves */
                st.root = NULL;
        }
        state_clear(&st);
        return r;
}

void state_clear(struct state *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i].path);
        free(s->v);
        free(s->root);
        *s = (struct state){};
}
