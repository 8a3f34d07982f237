/*
 * reclaimtap -- an LD_PRELOAD shim that records each write a process makes
 * to a memory.reclaim file, with its cgroup's counters read just before and
 * just after it, in order with the lines the process writes to stderr.
 *
 *   RECLAIMTAP=FILE LD_PRELOAD=/path/to/reclaimtap.so reclaimd ...
 *
 * test-swappiness.sh needs to know what each of reclaimd's steps took from
 * the kernel: a step is a few memory.reclaim writes, and its log line comes
 * right after them, so samples taken from outside cannot tell one step's
 * swapping from the next one's.  Here every pwrite() to a memory.reclaim
 * file appends one line to FILE:
 *
 *   write cgroup=DIR bytes=N swappiness=V|- result=ok|EAGAIN|EINVAL|...
 *         t0=S current0=B swap0=B anon0=B file0=B file_lru0=B pgsteal0=P pswpout0=P
 *         t1=S current1=B ...
 *
 * (one line): what was asked (swappiness=- when the write had no
 * swappiness= argument), the kernel's answer, and before (0) and after (1)
 * the write: CLOCK_BOOTTIME seconds (the guest's uptime), memory.current,
 * memory.swap.current, memory.stat's anon, file and inactive_file +
 * active_file (file_lru, what reclaimd compares a request with) in bytes,
 * and its pgsteal and pswpout in pages (- where the kernel has no such key).
 * Every write() to stderr is appended as "log TEXT".  One mutex orders the
 * lines of all threads; a write and its two readings hold it throughout, so
 * nothing the process writes comes between them.
 *
 * The process is otherwise left alone: the write's result and errno are
 * the kernel's.  Without RECLAIMTAP, or when FILE cannot be opened, nothing
 * is recorded.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*pwrite_fn)(int, const void *, size_t, off_t);

static write_fn real_write;
static pwrite_fn real_pwrite, real_pwrite64;
static int tap_fd = -1;
static pthread_mutex_t tap_lock = PTHREAD_MUTEX_INITIALIZER;

__attribute__((constructor)) static void tap_init(void)
{
	const char *path = getenv("RECLAIMTAP");

	real_write = (write_fn)dlsym(RTLD_NEXT, "write");
	real_pwrite = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite");
	real_pwrite64 = (pwrite_fn)dlsym(RTLD_NEXT, "pwrite64");
	if (path && *path)
		tap_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
}

/* A regular file opened O_APPEND: one write() a line, whole unless the disk is full. */
static void tap_put(const char *s, size_t len)
{
	if (real_write(tap_fd, s, len) < 0)
		return;   /* nowhere to record it: the test finds the line missing */
}

/* Reads DIR/NAME whole into buf (NUL-terminated); 0 on success. */
static int read_file(const char *dir, const char *name, char *buf, size_t size)
{
	char path[4096];
	size_t len = 0;
	int fd;

	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == size - 1)
			break;
	}
	close(fd);
	buf[len] = '\0';
	return 0;
}

/* KEY's value in memory.stat text, or -1 when absent. */
static long long stat_key(const char *text, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = text; *p;) {
		if (strncmp(p, key, klen) == 0 && p[klen] == ' ')
			return strtoll(p + klen + 1, NULL, 10);
		p = strchrnul(p, '\n');
		if (*p)
			p++;
	}
	return -1;
}

static void put_num(char *buf, size_t size, const char *key, int when, long long v)
{
	size_t len = strlen(buf);

	if (v < 0)
		snprintf(buf + len, size - len, " %s%d=-", key, when);
	else
		snprintf(buf + len, size - len, " %s%d=%lld", key, when, v);
}

/* Appends " t0=... current0=..." (when 0 or 1) for the cgroup at dir to buf. */
static void snapshot(const char *dir, int when, char *buf, size_t size)
{
	static char stat[32768];   /* under tap_lock */
	char line[64];
	struct timespec ts;
	long long inactive, active;
	size_t len = strlen(buf);

	clock_gettime(CLOCK_BOOTTIME, &ts);
	snprintf(buf + len, size - len, " t%d=%lld.%02ld", when, (long long)ts.tv_sec, ts.tv_nsec / 10000000);
	put_num(buf, size, "current", when, read_file(dir, "memory.current", line, sizeof(line)) ? -1 : atoll(line));
	put_num(buf, size, "swap", when, read_file(dir, "memory.swap.current", line, sizeof(line)) ? -1 : atoll(line));
	if (read_file(dir, "memory.stat", stat, sizeof(stat)))
		stat[0] = '\0';
	inactive = stat_key(stat, "inactive_file");
	active = stat_key(stat, "active_file");
	put_num(buf, size, "anon", when, stat_key(stat, "anon"));
	put_num(buf, size, "file", when, stat_key(stat, "file"));
	put_num(buf, size, "file_lru", when, inactive < 0 || active < 0 ? -1 : inactive + active);
	put_num(buf, size, "pgsteal", when, stat_key(stat, "pgsteal"));
	put_num(buf, size, "pswpout", when, stat_key(stat, "pswpout"));
}

/* The cgroup folder of fd when it is open on a memory.reclaim file, in dir. */
static int reclaim_dir(int fd, char *dir, size_t size)
{
	static const char suffix[] = "/memory.reclaim";
	char link[64];
	ssize_t n;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, dir, size - 1);
	if (n < (ssize_t)sizeof(suffix) - 1)
		return -1;
	dir[n] = '\0';
	if (strcmp(dir + n - (sizeof(suffix) - 1), suffix) != 0)
		return -1;
	dir[n - (sizeof(suffix) - 1)] = '\0';
	return 0;
}

static const char *errno_name(int err)
{
	return strerrorname_np(err) ?: "error";
}

static ssize_t tapped_pwrite(pwrite_fn real, int fd, const void *buf, size_t count, off_t offset)
{
	char dir[4096], rec[8192], text[256], sw[32] = "-";
	const char *p;
	ssize_t r;
	int saved;
	size_t n = count < sizeof(text) - 1 ? count : sizeof(text) - 1, len;

	if (tap_fd < 0 || reclaim_dir(fd, dir, sizeof(dir)) < 0)
		return real(fd, buf, count, offset);
	memcpy(text, buf, n);
	text[n] = '\0';
	p = strstr(text, "swappiness=");
	if (p) {
		p += strlen("swappiness=");
		snprintf(sw, sizeof(sw), "%.*s", (int)strcspn(p, " \n"), p);
	}
	pthread_mutex_lock(&tap_lock);
	snprintf(rec, sizeof(rec), "write cgroup=%s bytes=%lld swappiness=%s", dir, atoll(text), sw);
	len = strlen(rec);
	/* The result goes here, once known: leave room by writing the readings after it. */
	{
		char before[2048] = "";

		snapshot(dir, 0, before, sizeof(before));
		r = real(fd, buf, count, offset);
		saved = errno;
		snprintf(rec + len, sizeof(rec) - len, " result=%s%s", r >= 0 ? "ok" : errno_name(saved), before);
	}
	snapshot(dir, 1, rec, sizeof(rec) - 1);
	len = strlen(rec);
	rec[len++] = '\n';
	tap_put(rec, len);
	pthread_mutex_unlock(&tap_lock);
	errno = saved;
	return r;
}

ssize_t pwrite(int fd, const void *buf, size_t count, off_t offset)
{
	return tapped_pwrite(real_pwrite, fd, buf, count, offset);
}

ssize_t pwrite64(int fd, const void *buf, size_t count, off_t offset)
{
	return tapped_pwrite(real_pwrite64, fd, buf, count, offset);
}

ssize_t write(int fd, const void *buf, size_t count)
{
	ssize_t r;
	int saved;

	if (fd != STDERR_FILENO || tap_fd < 0)
		return real_write(fd, buf, count);
	pthread_mutex_lock(&tap_lock);
	r = real_write(fd, buf, count);
	saved = errno;
	if (r > 0) {
		tap_put("log ", 4);
		tap_put(buf, (size_t)r);
	}
	pthread_mutex_unlock(&tap_lock);
	errno = saved;
	return r;
}
