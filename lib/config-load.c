/* Loading configuration files and their drop-ins through inih, every error named by file, line and key, in order. */
#include "autoconfig.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cgpath.h"
#include "config.h"
#include "units.h"
#include "utf8.h"
#include "util.h"

#define SECTION_CGROUP "cgroup"

struct parse_state {
        FILE *f;
        const char *file;         /* its name, for errors */
        char *text;               /* the line read, whole */
        size_t text_size;
        size_t bytes;             /* read from f so far, against CONFIG_FILE_MAX */
        struct config *cfg;
        struct config_errors *errs;
        unsigned line;            /* line the reader last returned */
        char section[512];        /* current section, as the reader saw its header */
        unsigned section_line;
        bool section_valid;       /* keys of an invalid section are not checked again */
        struct cgroup_config *cg; /* current [cgroup] section, index below */
        size_t cg_index;
        uint64_t seen;            /* table indexes already set in this section */
        uint64_t seen_global;     /* ... and in [pressure]/[reclaim], which may not repeat */
        struct seen_section {     /* [pressure]/[reclaim] headers seen, to refuse duplicates */
                char *name;
                unsigned line;
        } *sections;
        size_t n_sections;
        size_t *file_cgroups;     /* indexes of the [cgroup] sections this file opened */
        size_t n_file_cgroups;
        int error;                /* -ENOMEM and friends: stop everything */
};

static int add_error(struct parse_state *st, unsigned line, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

static int add_error(struct parse_state *st, unsigned line, const char *key, const char *fmt, ...)
{
        struct config_errors *errs = st->errs;
        struct config_error *v;
        char *msg;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (n < 0)
                return st->error = -ENOMEM;
        v = reallocarray(errs->v, errs->n + 1, sizeof(*v));
        if (!v) {
                free(msg);
                return st->error = -ENOMEM;
        }
        errs->v = v;
        v[errs->n] = (struct config_error){ .line = line, .message = msg,
                                            .file = strdup(st->file),
                                            .key = key ? strdup(key) : NULL };
        /* A key's error names its section: "interval" is in [balance] and in [metrics]. */
        if (key && st->section_line) {
                if (st->cg && asprintf(&v[errs->n].section, "cgroup %s",
                                       st->cfg->cgroups[st->cg_index].path) < 0)
                        v[errs->n].section = NULL;   /* the message goes without it */
                else if (!st->cg)
                        v[errs->n].section = strdup(st->section);
        }
        errs->n++;
        return -EINVAL;
}

/* Makes the section at index current; a later file may reopen an earlier file's section. */
static int use_cgroup_section(struct parse_state *st, size_t index)
{
        struct cgroup_config *cg = &st->cfg->cgroups[index];
        size_t *v;
        char *file = strdup(st->file);

        v = reallocarray(st->file_cgroups, st->n_file_cgroups + 1, sizeof(*v));
        if (!v || !file) {
                if (v)
                        st->file_cgroups = v;
                free(file);
                return st->error = -ENOMEM;
        }
        st->file_cgroups = v;
        v[st->n_file_cgroups++] = index;
        free(cg->file);
        cg->file = file;
        cg->line = st->line;
        st->cg_index = index;
        st->cg = cg;
        return 0;
}

static int open_cgroup_section(struct parse_state *st, const char *path)
{
        struct config *cfg = st->cfg;
        struct cgroup_config *v;
        const char *why;
        char *norm;
        int r;

        r = cgpath_normalize(path, &norm, &why);
        if (r == -ENOMEM)
                return st->error = r;
        if (r < 0)
                return add_error(st, st->line, NULL, "invalid cgroup path \"%s\": %s", path, why);
        why = cgpath_is_glob(norm) ? cgpath_check_glob(norm) : NULL;
        if (why) {
                r = add_error(st, st->line, NULL, "invalid cgroup path \"%s\": %s", norm, why);
                free(norm);
                return r;
        }
        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                if (!streq(cfg->cgroups[i].path, norm))
                        continue;
                for (size_t j = 0; j < st->n_file_cgroups; j++)
                        if (st->file_cgroups[j] == i) {
                                r = add_error(st, st->line, NULL, "duplicate section [cgroup %s] "
                                              "(first at line %u)", norm, cfg->cgroups[i].line);
                                free(norm);
                                return r;
                        }
                free(norm);
                return use_cgroup_section(st, i);   /* a drop-in overriding an earlier file */
        }
        v = reallocarray(cfg->cgroups, cfg->n_cgroups + 1, sizeof(*v));
        if (!v) {
                free(norm);
                return st->error = -ENOMEM;
        }
        cfg->cgroups = v;
        v[cfg->n_cgroups] = (struct cgroup_config){ .path = norm };
        r = config_apply_defaults(&v[cfg->n_cgroups], "cgroup");
        cfg->n_cgroups++;
        return r < 0 ? r : use_cgroup_section(st, cfg->n_cgroups - 1);
}

/* Starts a section at the current line, invalid until open_section() says otherwise: its keys are not checked. */
static void start_section(struct parse_state *st, const char *name)
{
        snprintf(st->section, sizeof(st->section), "%s", name);
        st->section_line = st->line;
        st->section_valid = false;
        st->cg = NULL;
        st->seen = 0;
}

/* Called by the reader for every "[name]" line, before inih sees any key under it. */
static void open_section(struct parse_state *st, const char *name)
{
        struct seen_section *v;

        start_section(st, name);

        /* "cgroup", a blank, the path: blanks at both of its ends are the header's, not the path's. */
        if (strncmp(name, SECTION_CGROUP, strlen(SECTION_CGROUP)) == 0 &&
            (name[strlen(SECTION_CGROUP)] == ' ' || name[strlen(SECTION_CGROUP)] == '\t')) {
                name += strlen(SECTION_CGROUP);
                st->section_valid = open_cgroup_section(st, name + strspn(name, " \t")) == 0;
                return;
        }
        if (streq(name, SECTION_CGROUP)) {
                add_error(st, st->line, NULL, "empty cgroup path: expected [cgroup PATH]");
                return;
        }
        if (!config_section_known(name)) {
                add_error(st, st->line, NULL, "unknown section [%s]: expected [pressure], [reclaim], "
                          "[balance], [metrics] or [cgroup PATH]", name);
                return;
        }
        for (size_t i = 0; i < st->n_sections; i++)
                if (streq(st->sections[i].name, name)) {
                        add_error(st, st->line, NULL, "duplicate section [%s] (first at line %u)",
                                  name, st->sections[i].line);
                        return;
                }
        v = reallocarray(st->sections, st->n_sections + 1, sizeof(*v));
        if (!v || !(v[st->n_sections].name = strdup(name))) {
                if (v)
                        st->sections = v;
                st->error = -ENOMEM;
                return;
        }
        st->sections = v;
        v[st->n_sections++].line = st->line;
        st->section_valid = true;
}

/*
 * How much of a line inih reads: up to an inline comment (';' after white
 * space, inih's INI_INLINE_COMMENT_PREFIXES) and without trailing white space.
 */
static size_t content_len(const char *line)
{
        size_t len = strlen(line);

        for (size_t i = 1; i < len; i++)
                if (line[i] == ';' && isspace((unsigned char)line[i - 1])) {
                        len = i;
                        break;
                }
        while (len > 0 && isspace((unsigned char)line[len - 1]))
                len--;
        return len;
}

/*
 * Recognises a section header: '[' after leading blanks, up to the LAST ']'.
 * inih itself ends the name at the first ']' and drops the rest of the line,
 * which would turn [cgroup system.slice/db-[ab].service] into the glob
 * "system.slice/db-[ab"; its section names are not used (handler() keys on
 * what this function opened). Text after the last ']' is an error.
 */
static void watch_header(struct parse_state *st, const char *line)
{
        const char *start = line + strspn(line, " \t"), *p, *end;
        size_t content = content_len(start), len;
        char name[512];

        if (*start != '[')
                return;
        end = memrchr(start, ']', content);
        if (!end)
                return;   /* the reader refused the line */
        p = start + 1 + strspn(start + 1, " \t");
        len = end > p ? (size_t)(end - p) : 0;
        while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t'))
                len--;
        if (len >= sizeof(name)) {
                add_error(st, st->line, NULL, "section name longer than %zu characters", sizeof(name) - 1);
                len = sizeof(name) - 1;
        }
        memcpy(name, p, len);
        name[len] = '\0';
        open_section(st, name);
        if (end + 1 < start + content) {
                p = end + 1 + strspn(end + 1, " \t");
                add_error(st, st->line, NULL, "text after the section header's last ']': \"%.*s\"",
                          (int)(start + content - p), p);
                st->section_valid = false;   /* its keys are not checked again */
        }
}

/*
 * Reads one line of st->f, whole and without its newline, into st->text, its
 * length (NUL bytes included) in *ret_len. Returns 1; 0 at the end of the
 * file; or a negative errno: the read's error (ferror(): never taken for the
 * end of the file, which would apply half of it), -EFBIG past CONFIG_FILE_MAX,
 * -ENOMEM.
 */
static int read_line(struct parse_state *st, size_t *ret_len)
{
        size_t n = 0;
        int c;

        errno = 0;
        for (;;) {
                c = getc(st->f);
                if (c != EOF && ++st->bytes > CONFIG_FILE_MAX)
                        return -EFBIG;
                if (n + 1 >= st->text_size) {   /* room for c, or for the NUL that ends the line */
                        size_t size = st->text_size ? st->text_size * 2 : 256;
                        char *t = realloc(st->text, size);

                        if (!t)
                                return -ENOMEM;
                        st->text = t;
                        st->text_size = size;
                }
                if (c == EOF || c == '\n')
                        break;
                st->text[n++] = (char)c;
        }
        if (c == EOF && ferror(st->f))
                return errno > 0 ? -errno : -EIO;
        if (c == EOF && n == 0)
                return 0;
        st->text[n] = '\0';
        *ret_len = n;
        return 1;
}

/* "1M": the bound on a configuration file's size, as errors say it. */
static const char *file_max_text(char *buf, size_t size)
{
        return format_size_exact(buf, size, CONFIG_FILE_MAX);
}

/*
 * Refuses the current line: the error, and an empty line for inih. A line
 * that starts a header ends the section before it all the same, so that the
 * keys under it are neither charged to that section nor reported again.
 */
static void refuse_line(struct parse_state *st, char *buf, const char *start, const char *why)
{
        add_error(st, st->line, NULL, "%s", why);
        if (*start == '[')
                start_section(st, "");
        buf[0] = '\n';
        buf[1] = '\0';
}

/*
 * inih's reader: reads each line whole (read_line()) and counts lines, so
 * every error can name its line (the distribution's inih is built without
 * INI_HANDLER_LINENO), reads section headers itself and hands inih only a
 * stand-in (inih truncates section names at 50 characters, shorter than many
 * cgroup paths), and refuses other lines longer than inih's buffer instead of
 * letting inih split them into two (a comment is dropped: inih ignores it
 * anyway); likewise for lines that are
 * not UTF-8. Leading blanks are dropped: inih would take an indented line for
 * the continuation of the value before it (INI_ALLOW_MULTILINE), which no key
 * takes, and name that key in the error. A read error or a file past the
 * bound ends the file with an error naming it.
 */
static char *reader(char *buf, int size, void *user)
{
        struct parse_state *st = user;
        char max[FORMAT_SIZE_MAX], why[128];
        const char *start;
        size_t len, content;
        int r;

        r = read_line(st, &len);
        if (r == -ENOMEM)
                st->error = r;
        else if (r == -EFBIG)
                add_error(st, 0, NULL, "larger than %s, the most a configuration file may hold",
                          file_max_text(max, sizeof(max)));
        else if (r < 0)
                add_error(st, 0, NULL, "cannot read after line %u: %s", st->line, strerror(-r));
        if (r <= 0)
                return NULL;
        st->line++;
        start = st->text;
        if (st->line == 1 && strncmp(start, "\xef\xbb\xbf", 3) == 0)
                start += 3;   /* a UTF-8 byte order mark, as inih skips it (INI_ALLOW_BOM) */
        start += strspn(start, " \t");
        if (strlen(st->text) != len) {   /* inih, and every string function, would end the line there */
                refuse_line(st, buf, start, "line holds a NUL byte");
                return buf;
        }
        /* A comment is nobody's value: dropped whatever it holds (inih ignores it anyway). */
        if (*start == '#' || *start == ';') {
                buf[0] = '\n';
                buf[1] = '\0';
                return buf;
        }
        if (!utf8_valid(st->text)) {
                refuse_line(st, buf, start, "line is not valid UTF-8");
                return buf;
        }
        /* inih's syntax errors, found here: inih reports only its first, after all the others. */
        content = content_len(start);
        if (*start == '[' && !memchr(start, ']', content)) {
                refuse_line(st, buf, start, "syntax error: a section header without its ']'");
                return buf;
        }
        /*
         * A header is read here (watch_header()), and the handler keys on that:
         * inih is told only that a section begins. Its buffer would cut a long
         * cgroup path, as its section names are cut at 50 characters.
         */
        if (*start == '[') {
                watch_header(st, start);
                snprintf(buf, (size_t)size, "[s]\n");
                return buf;
        }
        /* Without its indentation: to inih an indented line continues the value of the key before it. */
        len -= (size_t)(start - st->text);
        if (len > (size_t)size - 2) {
                snprintf(why, sizeof(why), "line longer than %d characters, which the parser cannot read",
                         size - 2);
                refuse_line(st, buf, start, why);
                return buf;
        }
        if (content > 0 && strcspn(start, "=:") >= content) {
                refuse_line(st, buf, start, "syntax error: expected \"key = value\" or \"[section]\"");
                return buf;
        }
        /* inih takes "key: value" too; no key holds a colon, and the documented form is key = value. */
        if (content > 0 && start[strcspn(start, "=:")] == ':') {
                refuse_line(st, buf, start, "syntax error: expected \"key = value\", not \"key: value\"");
                return buf;
        }
        memcpy(buf, start, len);
        buf[len] = '\n';
        buf[len + 1] = '\0';
        return buf;
}

static int handler(void *user, const char *section, const char *key, const char *value)
{
        struct parse_state *st = user;
        const struct config_item *it;
        size_t idx;
        uint64_t *seen;
        char why[512];
        void *base;
        int r;

        if (st->error)
                return 0;
        if (st->section_line == 0) {
                add_error(st, st->line, key, "key outside of any section");
                return 1;
        }
        if (!st->section_valid)
                return 1;   /* the section's own error was reported */
        it = config_item_find(st->cg ? "cgroup" : st->section, key, &idx);
        if (!it) {
                add_error(st, st->line, key, "unknown key");
                return 1;
        }
        seen = st->cg ? &st->seen : &st->seen_global;
        if (*seen & (1ULL << idx)) {
                add_error(st, st->line, key, "duplicate key");
                return 1;
        }
        *seen |= 1ULL << idx;
        /* The current cgroup section may have moved: cgroups is reallocated per section. */
        base = st->cg ? (void *)&st->cfg->cgroups[st->cg_index] : (void *)st->cfg;
        if (st->cg)
                st->cfg->cgroups[st->cg_index].set |= 1ULL << idx;   /* over the drop-ins too */
        r = config_item_parse(it, value, (char *)base + it->offset, why, sizeof(why));
        if (r == -ENOMEM)
                st->error = r;   /* why is not set then */
        else if (r < 0)
                add_error(st, st->line, key, "%s", why);
        return 1;
}

/* Parses one file into cfg. Returns 0, -EINVAL (errors appended to errs), or -ENOMEM. */
static int parse_into(FILE *f, const char *name, struct config *cfg, struct config_errors *errs)
{
        struct parse_state st = { .f = f, .file = name, .cfg = cfg, .errs = errs };
        size_t before = errs->n;
        int r;

        /*
         * inih: 0 ok, >0 first line with a syntax error, -1 open, -2 memory.
         * The reader refuses the lines inih would find wrong before inih sees
         * them, so a line here is one it missed.
         */
        r = ini_parse_stream(reader, &st, handler, &st);
        if (r == -2)
                r = -ENOMEM;
        else if (r > 0) {
                bool reported = false;

                for (size_t i = before; i < errs->n; i++)
                        reported |= errs->v[i].line == (unsigned)r;
                if (!reported)
                        add_error(&st, (unsigned)r, NULL,
                                  "syntax error: expected \"key = value\" or \"[section]\"");
                r = 0;
        }
        if (r >= 0 && st.error)
                r = st.error;
        if (r >= 0 && errs->n > before)
                r = -EINVAL;
        for (size_t i = 0; i < st.n_sections; i++)
                free(st.sections[i].name);
        free(st.sections);
        free(st.file_cgroups);
        free(st.text);
        return r;
}

static struct config *new_config(const char *name)
{
        struct config *cfg = calloc(1, sizeof(*cfg));

        if (!cfg)
                return NULL;
        if (config_init_defaults(cfg) < 0 || !(cfg->file = strdup(name)))
                return config_free(cfg);
        return cfg;
}

/* Records an error about a whole file: why, or err's text. Returns err. */
static int file_error(struct config_errors *errs, const char *file, int err, const char *why)
{
        struct parse_state st = { .file = file, .errs = errs };

        add_error(&st, 0, NULL, "cannot read: %s", why ?: strerror(-err));
        return st.error ?: err;
}

/* What a file that is not a regular one is, for its error. */
static const char *file_kind(mode_t mode)
{
        switch (mode & S_IFMT) {
        case S_IFIFO:  return "a FIFO, not a regular file";
        case S_IFCHR:  return "a character device, not a regular file";
        case S_IFBLK:  return "a block device, not a regular file";
        case S_IFSOCK: return "a socket, not a regular file";
        default:       return "not a regular file";
        }
}

/*
 * Opens a configuration file: a regular file (or /dev/null, empty as
 * systemd reads it) of at most CONFIG_FILE_MAX bytes; the main file (named)
 * may also be a pipe, as reclaimd --check-config --config <(...) gives it,
 * read to its end. O_NONBLOCK: a FIFO among the drop-ins would otherwise
 * hold a reload waiting for a writer; a device such as /dev/zero would
 * never end. A directory among the drop-ins is skipped, as systemd skips
 * one among its own. Returns 0 and *ret, 1 when skipped, or an error
 * recorded.
 */
static int open_file(const char *file, bool named, FILE **ret, struct config_errors *errs)
{
        char max[FORMAT_SIZE_MAX], why[128];
        struct stat sb;
        bool fifo;
        FILE *f;
        int fd, r;

        /* Named by the operator, who writes to it: opened and read as a pipe, waiting for the writer. */
        fifo = named && stat(file, &sb) == 0 && S_ISFIFO(sb.st_mode);
        fd = open(file, O_RDONLY | (fifo ? 0 : O_NONBLOCK) | O_CLOEXEC | O_NOCTTY);
        if (fd < 0)
                return file_error(errs, file, negative_errno(), NULL);
        if (fstat(fd, &sb) < 0)
                r = file_error(errs, file, negative_errno(), NULL);
        else if (S_ISDIR(sb.st_mode))
                r = named ? file_error(errs, file, -EISDIR, NULL) : 1;
        else if (S_ISCHR(sb.st_mode) && sb.st_rdev == makedev(1, 3))
                r = 0;   /* /dev/null */
        else if (fifo && S_ISFIFO(sb.st_mode))
                r = 0;
        else if (!S_ISREG(sb.st_mode))
                r = file_error(errs, file, -EINVAL, file_kind(sb.st_mode));
        else if (sb.st_size > CONFIG_FILE_MAX) {
                snprintf(why, sizeof(why), "larger than %s, the most a configuration file may hold",
                         file_max_text(max, sizeof(max)));
                r = file_error(errs, file, -EFBIG, why);
        } else
                r = 0;
        if (r != 0) {
                close(fd);
                return r;
        }
        f = fdopen(fd, "re");
        if (!f) {
                r = negative_errno();
                close(fd);
                return r;
        }
        *ret = f;
        return 0;
}

static int parse_file(const char *file, bool named, struct config *cfg, struct config_errors *errs)
{
        FILE *f;
        int r;

        r = open_file(file, named, &f, errs);
        if (r != 0)
                return r < 0 ? r : 0;
        r = parse_into(f, file, cfg, errs);
        fclose(f);
        return r;
}

/* scandir(): the drop-ins, *.conf as the shell's glob would match them (not hidden ones). */
static int is_dropin(const struct dirent *de)
{
        size_t len = strlen(de->d_name);

        return de->d_name[0] != '.' && len > strlen(".conf") &&
               streq(de->d_name + len - strlen(".conf"), ".conf");
}

/* The byte order of their names, whatever the locale: systemd's order for drop-ins. */
static int dropin_order(const struct dirent **a, const struct dirent **b)
{
        return strcmp((*a)->d_name, (*b)->d_name);
}

/*
 * Reads the drop-ins of dropin_dir, listed (not globbed: its path is no
 * pattern, and may hold '[' or '*'). A missing folder has none; one that
 * cannot be listed is an error naming it, not a configuration without them.
 */
static int parse_dropins(const char *dropin_dir, struct config *cfg, struct config_errors *errs)
{
        struct dirent **names = NULL;
        char *path;
        int n, r = 0, rr;

        n = scandir(dropin_dir, &names, is_dropin, dropin_order);
        if (n < 0)
                return errno == ENOENT ? 0 : file_error(errs, dropin_dir, negative_errno(), NULL);
        for (int i = 0; i < n; i++) {
                if (r != -ENOMEM) {
                        if (asprintf(&path, "%s/%s", dropin_dir, names[i]->d_name) < 0)
                                r = -ENOMEM;
                        else {
                                rr = parse_file(path, false, cfg, errs);
                                if (rr < 0 && (r >= 0 || rr != -EINVAL))
                                        r = rr;
                                free(path);
                        }
                }
                free(names[i]);
        }
        free(names);
        return r;
}

int config_load(const char *file, const char *dropin_dir, struct config **ret, struct config_errors *errs)
{
        struct config *cfg = new_config(file);
        int r, rr;

        if (!cfg)
                return -ENOMEM;
        r = parse_file(file, true, cfg, errs);
        if (dropin_dir && (r >= 0 || r == -EINVAL)) {
                rr = parse_dropins(dropin_dir, cfg, errs);
                if (rr < 0 && (r >= 0 || rr != -EINVAL))
                        r = rr;
        }
        if (r < 0) {
                config_free(cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

int config_load_file(const char *file, struct config **ret, struct config_errors *errs)
{
        return config_load(file, NULL, ret, errs);
}

int config_load_string(const char *text, const char *name, struct config **ret,
                       struct config_errors *errs)
{
        struct config *cfg = new_config(name);
        FILE *f;
        int r;

        if (!cfg)
                return -ENOMEM;
        f = fmemopen((void *)text, strlen(text), "r");
        if (!f) {
                config_free(cfg);
                return negative_errno();
        }
        r = parse_into(f, name, cfg, errs);
        fclose(f);
        if (r < 0) {
                config_free(cfg);
                return r;
        }
        *ret = cfg;
        return 0;
}

const char *config_error_format(const struct config_errors *errs, const struct config_error *e,
                                char *buf, size_t size)
{
        char where[64] = "";

        if (e->line)
                snprintf(where, sizeof(where), ":%u", e->line);
        if (e->key && e->section)
                snprintf(buf, size, "%s%s: [%s] key '%s': %s", e->file ?: "?", where, e->section, e->key,
                         e->message);
        else if (e->key)
                snprintf(buf, size, "%s%s: key '%s': %s", e->file ?: "?", where, e->key, e->message);
        else
                snprintf(buf, size, "%s%s: %s", e->file ?: "?", where, e->message);
        return buf;
}

struct config *config_free(struct config *cfg)
{
        if (!cfg)
                return NULL;
        for (size_t i = 0; i < cfg->n_cgroups; i++) {
                free(cfg->cgroups[i].path);
                free(cfg->cgroups[i].file);
        }
        free(cfg->cgroups);
        free(cfg->file);
        free(cfg->metrics_textfile);
        free(cfg);
        return NULL;
}

void config_errors_clear(struct config_errors *errs)
{
        for (size_t i = 0; i < errs->n; i++) {
                free(errs->v[i].file);
                free(errs->v[i].section);
                free(errs->v[i].key);
                free(errs->v[i].message);
        }
        free(errs->v);
        *errs = (struct config_errors){};
}
