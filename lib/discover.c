/* Finds the cgroup hierarchy that carries the memory controller and checks it is cgroup v2. */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/vfs.h>

#include "discover.h"
#include "util.h"

/* libcgroup returns positive ECG* codes; this is the one place they become errno. */
static int from_libcgroup(int r)
{
        switch (r) {
        case 0:
                return 0;
        case ECGOTHER:
                return -(cgroup_get_last_errno() ?: EIO);
        case ECGROUPNOTMOUNTED:
        case ECGROUPSUBSYSNOTMOUNTED:
                return -ENOMEDIUM;
        case ECGROUPNOTEXIST:
                return -ENOENT;
        case ECGROUPNOTALLOWED:
        case ECGROUPNOTOWNER:
                return -EPERM;
        default:
                return -EIO;
        }
}

int discover_memory_mount(char **ret_path)
{
        char *mount_point = NULL;
        int r;

        r = from_libcgroup(cgroup_init());
        if (r < 0)
                return r;
        r = from_libcgroup(cgroup_get_subsys_mount_point("memory", &mount_point));
        if (r < 0)
                return r;
        if (!mount_point)
                return -ENOMEDIUM;
        *ret_path = mount_point;
        return 0;
}

/* Whether the space-separated list in text names word. */
static bool has_word(const char *text, const char *word)
{
        size_t len = strlen(word);

        for (const char *p = text; (p = strstr(p, word)); p += len)
                if ((p == text || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\n' || p[len] == '\0'))
                        return true;
        return false;
}

int discover_check_v2_memory(const char *path)
{
        char buf[512];
        struct statfs sfs;
        _cleanup_close_ int dir_fd = -1, fd = -1;
        ssize_t n;

        dir_fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        if (fstatfs(dir_fd, &sfs) < 0)
                return negative_errno();
        if (sfs.f_type != CGROUP2_SUPER_MAGIC)
                return -EMEDIUMTYPE;
        fd = openat(dir_fd, "cgroup.controllers", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return negative_errno();
        n = read(fd, buf, sizeof(buf) - 1);
        if (n < 0)
                return negative_errno();
        buf[n] = '\0';
        return has_word(buf, "memory") ? 0 : -ENOMEDIUM;
}
