/* Cgroup paths as the configuration names them: validated and kept beneath the root. */
#include "autoconfig.h"

#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <string.h>

#include "cgpath.h"
#include "util.h"

/* Why a component of a path cannot name a cgroup beneath the root, or NULL. */
static const char *check_name(const char *c, size_t len)
{
        if (len == 0)
                return "empty path component (\"//\")";
        if ((len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
                return "\".\" and \"..\" are not allowed: the path must stay beneath the cgroup root";
        return NULL;
}

static const char *check_component(const char *c, size_t len)
{
        const char *why = check_name(c, len);

        if (why)
                return why;
        for (size_t i = 0; i < len; i++)
                if ((unsigned char)c[i] < 0x20 || c[i] == 0x7f)
                        return "control characters are not allowed in cgroup names";
        return NULL;
}

int cgpath_normalize(const char *path, char **ret, const char **ret_why)
{
        const char *why = NULL, *p;
        size_t len;
        char *s;

        path += strspn(path, "/");
        len = strlen(path);
        while (len > 0 && path[len - 1] == '/')
                len--;
        if (len == 0)
                why = "the cgroup root itself cannot be managed; name a cgroup beneath it";
        else if (len >= PATH_MAX)
                why = "path longer than PATH_MAX";
        for (p = path; !why && p < path + len;) {
                size_t clen = strcspn(p, "/");

                if (p + clen > path + len)
                        clen = (size_t)(path + len - p);
                why = check_component(p, clen);
                p += clen + 1;
        }
        if (why) {
                if (ret_why)
                        *ret_why = why;
                return -EINVAL;
        }
        s = strndup(path, len);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* The character classes fnmatch() knows ([:alpha:]...): the POSIX locale's. */
static bool known_class(const char *name, size_t len)
{
        static const char *const classes[] = {
                "alnum", "alpha", "blank", "cntrl", "digit", "graph",
                "lower", "print", "punct", "space", "upper", "xdigit",
        };

        for (size_t i = 0; i < ARRAY_SIZE(classes); i++)
                if (strlen(classes[i]) == len && strncmp(classes[i], name, len) == 0)
                        return true;
        return false;
}

/* Where the bracket class at p ('[') ends (its ']'), or NULL with *ret_why. */
static const char *bracket_end(const char *p, const char **ret_why)
{
        const char *q = p + 1, *end;

        *ret_why = "'[' without its ']' in the glob (a bracket class ends within its path component)";
        q += *q == '!' || *q == '^';
        q += *q == ']';   /* first: a literal ']' */
        for (; *q && *q != '/'; q++) {
                if (*q == ']')
                        return q;
                if (*q == '\\' && q[1] && q[1] != '/')
                        q++;
                else if (*q == '[' && (q[1] == ':' || q[1] == '.' || q[1] == '=')) {
                        const char close[] = { q[1], ']', '\0' };

                        end = strstr(q + 2, close);
                        if (!end || memchr(q, '/', (size_t)(end - q)))
                                return NULL;
                        if (q[1] == ':' && !known_class(q + 2, (size_t)(end - q - 2))) {
                                *ret_why = "unknown character class in the glob: expected [:alpha:], "
                                           "[:digit:], [:alnum:] and the like";
                                return NULL;
                        }
                        q = end + 1;
                }
        }
        return NULL;
}

const char *cgpath_check_glob(const char *pattern)
{
        const char *why;

        for (const char *p = pattern; *p; p++) {
                if (*p == '\\' && !p[1])
                        return "the glob ends in a backslash, which escapes nothing";
                if (*p == '\\')
                        p++;
                else if (*p == '[' && !(p = bracket_end(p, &why)))
                        return why;
        }
        return NULL;
}

bool cgpath_is_glob(const char *path)
{
        return strpbrk(path, "*?[") != NULL;
}

unsigned cgpath_specificity(const char *pattern)
{
        unsigned literal = 0;

        if (!cgpath_is_glob(pattern))
                return UINT_MAX;
        /* A bracket class is one character of a set, not literal ones; an escaped character is one. */
        for (const char *p = pattern, *end; *p; p++) {
                const char *why;

                if (*p == '\\' && p[1])
                        p++;
                else if (*p == '[' && (end = bracket_end(p, &why))) {
                        p = end;
                        continue;
                } else if (*p == '*' || *p == '?')
                        continue;
                literal++;
        }
        return literal;
}

bool cgpath_matches(const char *pattern, const char *path)
{
        /* An exact path is compared as it is: to fnmatch() a backslash would be an escape. */
        if (!cgpath_is_glob(pattern))
                return streq(pattern, path);
        return fnmatch(pattern, path, FNM_PATHNAME) == 0;
}

bool cgpath_is_cgroup(const char *path)
{
        size_t len = strlen(path);

        if (len == 0 || len >= PATH_MAX || path[0] == '/' || path[len - 1] == '/')
                return false;
        for (const char *p = path; *p;) {
                size_t clen = strcspn(p, "/");

                if (check_name(p, clen))
                        return false;
                p += clen;
                p += *p == '/';
        }
        return true;
}
