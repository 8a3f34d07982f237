/* The state file: memory.high values reclaimd lowered, so a restart can put them back. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cgpath.h"
#include "engine.h"
#include "state.h"
#include "units.h"
#include "util.h"

#define STATE_HEADER "reclaimd-state 2"
#define STATE_MAX_BYTES (4 << 20)

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

static int write_entries(FILE *f, const struct engine *e)
{
        fprintf(f, "%s\n# original clamped_to previous path: memory.high values reclaimd lowered\n",
                STATE_HEADER);
        for (size_t i = 0; i < e->n_cgroups; i++) {
                const struct cgroup *cg = &e->cgroups[i];
                char orig[FORMAT_SIZE_MAX], prev[FORMAT_SIZE_MAX];

                if (!cg->clamped)
                        continue;
                fprintf(f, "%s %" PRIu64 " %s %s\n", format_size_exact(orig, sizeof(orig), cg->high_original),
                        cg->high_clamped_to, format_size_exact(prev, sizeof(prev), cg->high_written),
                        cg->path);
        }
        return fflush(f) == 0 && fsync(fileno(f)) == 0 ? 0 : negative_errno();
}

int state_save(const char *file, const struct engine *e)
{
        _cleanup_free_ char *tmp = NULL;
        bool any = false;
        FILE *f;
        int fd, r;

        for (size_t i = 0; i < e->n_cgroups; i++)
                any |= e->cgroups[i].clamped;
        if (!any) {
                if (unlink(file) < 0 && errno != ENOENT)
                        return negative_errno();
                return 0;
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
        r = write_entries(f, e);
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

/* "ORIGINAL CLAMPED PREVIOUS PATH": sizes as format_size_exact() writes them, a valid cgroup path. */
static int parse_line(char *line, struct state_entry *ret)
{
        char *orig = strtok(line, " \t"), *clamped = strtok(NULL, " \t"), *prev = strtok(NULL, " \t");
        char *path = strtok(NULL, "");
        struct state_entry e = {};

        if (!orig || !clamped || !prev || !path)
                return -EINVAL;
        if (parse_size(orig, &e.original) < 0 || parse_uint64(clamped, &e.clamped_to) < 0 ||
            parse_size(prev, &e.previous) < 0)
                return -EINVAL;
        if (e.clamped_to == UINT64_MAX || e.clamped_to >= e.original || e.previous > e.original)
                return -EINVAL;   /* not a clamp: nothing reclaimd could have written */
        if (cgpath_normalize(path, &e.path, NULL) < 0)
                return -EINVAL;
        *ret = e;
        return 0;
}

int state_parse(const char *text, struct state *ret)
{
        struct state s = {};
        bool header = false;
        unsigned lineno = 0;

        for (const char *p = text; *p;) {
                const char *eol = strchrnul(p, '\n');
                _cleanup_free_ char *line = strndup(p, (size_t)(eol - p));
                struct state_entry e, *v;

                p = *eol ? eol + 1 : eol;
                lineno++;
                if (!line) {
                        state_clear(&s);
                        return -ENOMEM;
                }
                if (!*eol) {
                        s.truncated = true;
                        if (!s.bad_lines++)
                                s.first_bad_line = lineno;
                        continue;
                }
                if (!header && streq(line, STATE_HEADER)) {
                        header = true;
                        continue;
                }
                if (*line == '#' || *line == '\0')
                        continue;
                if (!header || parse_line(line, &e) < 0) {
                        if (!s.bad_lines++)
                                s.first_bad_line = lineno;
                        continue;
                }
                v = reallocarray(s.v, s.n + 1, sizeof(*v));
                if (!v) {
                        free(e.path);
                        state_clear(&s);
                        return -ENOMEM;
                }
                s.v = v;
                s.v[s.n++] = e;
        }
        s.no_header = !header;
        *ret = s;
        return 0;
}

int state_load(const char *file, struct state *ret)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        ssize_t n;

        fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode) || st.st_size > STATE_MAX_BYTES)
                return -EBADMSG;
        buf = malloc((size_t)st.st_size + 1);
        if (!buf)
                return -ENOMEM;
        n = read(fd, buf, (size_t)st.st_size);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        if (strlen(buf) != (size_t)n)
                return -EBADMSG;   /* a NUL inside: not a file reclaimd wrote */
        return state_parse(buf, ret);
}

void state_clear(struct state *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i].path);
        free(s->v);
        *s = (struct state){};
}
