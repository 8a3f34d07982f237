/*
 * reincarnate -- check on a real kernel that the cgroupfs backend never writes
 * a cgroup made at a path after it opened the one that was there before.
 *
 *   reincarnate ROOT NAME
 *
 * Creates ROOT/NAME, opens it through the backend (which opens memory.current
 * only), removes it and creates it again (a service restarted), then asks the
 * backend to write memory.high of what it opened. Prints one line,
 * "write=RESULT memory.high=VALUE", RESULT being 0 or the error's name and
 * VALUE what the new cgroup's memory.high holds afterwards, and removes
 * ROOT/NAME. Exits 0 when it could run the check (the judge reads the line),
 * 2 on usage or system errors.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"

static int fail(const char *what, int err)
{
        fprintf(stderr, "reincarnate: %s: %s\n", what, strerror(err));
        return 2;
}

int main(int argc, char **argv)
{
        struct backend *be = NULL;
        struct backend_cgroup *cg = NULL;
        char dir[4096], high[64] = "";
        ssize_t n;
        int fd, r;

        if (argc != 3) {
                fprintf(stderr, "usage: reincarnate ROOT NAME\n");
                return 2;
        }
        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", argv[1], argv[2]) >= sizeof(dir))
                return fail("ROOT/NAME", ENAMETOOLONG);
        if (mkdir(dir, 0755) < 0)
                return fail(dir, errno);
        r = backend_cgroupfs_new(argv[1], &be);
        if (r < 0)
                return fail("backend_cgroupfs_new", -r);
        r = be->ops->open_cgroup(be, argv[2], &cg);
        if (r < 0)
                return fail("open_cgroup", -r);
        if (rmdir(dir) < 0 || mkdir(dir, 0755) < 0)
                return fail("removing and creating it again", errno);

        r = be->ops->write(be, cg, CG_MEMORY_HIGH, "67108864");

        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s/memory.high", argv[1], argv[2]) >= sizeof(dir))
                return fail("ROOT/NAME/memory.high", ENAMETOOLONG);
        fd = open(dir, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return fail(dir, errno);
        n = read(fd, high, sizeof(high) - 1);
        if (n < 0)
                return fail(dir, errno);
        close(fd);
        high[n] = '\0';
        high[strcspn(high, "\n")] = '\0';
        printf("write=%s memory.high=%s\n", r == 0 ? "0" : strerrorname_np(-r) ?: "?", high);

        be->ops->close_cgroup(be, cg);
        backend_free(be);
        if ((size_t)snprintf(dir, sizeof(dir), "%s/%s", argv[1], argv[2]) < sizeof(dir))
                (void) rmdir(dir);
        return 0;
}
