/*
 * memhog -- a memory workload for reclaimd's VM tests.
 *
 *   memhog [--cold MiB] [--hot MiB] [--rate MiB_PER_S] [--pause-ms N]
 *          [--file PATH [--file-mib MiB] [--file-hot MiB]]
 *          [--ready-file PATH] [--stats-every SECONDS] [--mlock | --mlockall]
 *
 * Allocates COLD MiB that are written once and then left alone, and HOT MiB
 * that are written once and then touched (read and written, every page) in a
 * loop for as long as the program runs.  Every page is filled with data that
 * is neither zero nor a repeated word, and only about half compressible, so
 * that zram neither stores it for free nor shrinks it much: memory swapped
 * out to zram is memory really given back.
 *
 * With --rate, the cold and then the hot part are filled at that many MiB
 * a second at most (0, the default: as fast as the CPU goes), so that the
 * same program is a fast allocator (hundreds of MiB in seconds) or a slow
 * creep (--rate 4: a minute for 240 MiB).  The memory it has filled is
 * charged while it goes on; a slow creep's early pages age meanwhile.
 *
 * With --file, memhog then reads PATH (FILE MiB of it with --file-mib,
 * else all of it) once through the page cache, and every pass of the loop
 * reads the first FILE_HOT MiB of it again (--file-hot): cold page cache
 * with a hot head, clean and cheap to reclaim, charged to memhog's cgroup.
 * PATH stays open for as long as memhog runs, so that a block device read
 * directly (a zram disk) keeps its page cache: the kernel drops a block
 * device's cache when its last opener closes it.
 *
 * When all of it has been allocated, filled and read, prints one line
 *   memhog: ready pid=PID cold=COLD hot=HOT[ file=FILE]
 * on stdout (and creates PATH with --ready-file), so that a scenario can wait
 * for that event.  Then runs until killed; SIGTERM and SIGINT end it with
 * exit status 0.  With --pause-ms, sleeps N ms between two passes over the
 * hot part (0, the default, keeps touching it continuously).  Every pass
 * touches every hot page, so a large --hot in a cgroup with a small
 * memory.max keeps faulting pages back in from swap: a steady source of
 * memory pressure.
 *
 * With --stats-every N, prints the number of completed hot passes every N
 * seconds on stdout.
 *
 * With --mlock, both parts are locked in memory with mlock() once filled
 * (before the ready line, which then ends with " mlock=1"): the kernel keeps
 * them on the unevictable LRU, so neither memory.reclaim nor memory.high can
 * take them back.  Exits 1 when mlock() fails (it needs CAP_IPC_LOCK or a
 * large enough RLIMIT_MEMLOCK).  --mlockall locks the whole process instead
 * (mlockall(MCL_CURRENT | MCL_FUTURE): its text, libraries and stack too,
 * ready line ending with " mlock=all"), so that reclaim finds nothing at all
 * in its cgroup to evict and the process never faults anything back in: a
 * memory.high below its usage then never throttles it either.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MIB (1024UL * 1024UL)

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: memhog [--cold MiB] [--hot MiB] [--rate MiB_PER_S] [--pause-ms N]\n"
		"              [--file PATH [--file-mib MiB] [--file-hot MiB]]\n"
		"              [--ready-file PATH] [--stats-every SECONDS] [--mlock | --mlockall]\n");
}

static int parse_count(const char *arg, const char *what, unsigned long max,
		       unsigned long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-' || v > max) {
		fprintf(stderr, "memhog: bad %s '%s'\n", what, arg);
		return -1;
	}
	*out = v;
	return 0;
}

/* xorshift64: cheap pseudo-random words. */
static uint64_t next_rand(uint64_t *s)
{
	uint64_t x = *s;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*s = x;
	return x;
}

/*
 * Fill one page: the first half with pseudo-random words (incompressible),
 * the second half with a short non-zero pattern (compressible), so the page
 * is never "same-filled" and compresses to about half.
 */
static void fill_page(unsigned char *page, size_t pagesz, uint64_t *seed)
{
	uint64_t *w = (uint64_t *)(void *)page;
	size_t n = pagesz / sizeof(uint64_t), i;

	for (i = 0; i < n / 2; i++)
		w[i] = next_rand(seed);
	for (; i < n; i++)
		w[i] = 0x6d656d686f670000ULL | (i & 0xff);
}

static unsigned char *alloc_region(size_t bytes, const char *what)
{
	void *p;

	if (bytes == 0)
		return NULL;
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	if (p == MAP_FAILED) {
		fprintf(stderr, "memhog: mmap of %zu bytes for the %s part: %s\n",
			bytes, what, strerror(errno));
		exit(1);
	}
	/* Per-page LRU behaviour, whatever the system's THP setting. */
	(void)madvise(p, bytes, MADV_NOHUGEPAGE);
	return p;
}

static double now_s(void);
static void sleep_ms(unsigned long ms);

/*
 * Fill BYTES at P, at RATE MiB a second at most (0: no limit), one MiB at
 * a time, each MiB due at T0 + (MiB already filled) / RATE; returns the
 * bytes filled before a stop signal.
 */
static size_t fill_region(unsigned char *p, size_t bytes, size_t pagesz,
			  uint64_t *seed, unsigned long rate, double t0,
			  size_t *filled)
{
	size_t off;

	for (off = 0; off < bytes && !stop; off += pagesz) {
		fill_page(p + off, pagesz, seed);
		*filled += pagesz;
		if (rate > 0 && *filled % MIB == 0) {
			double due = t0 + (double)(*filled / MIB) / (double)rate;
			double ahead = due - now_s();

			if (ahead > 0)
				sleep_ms((unsigned long)(ahead * 1000.0));
		}
	}
	return off;
}

/*
 * Read LEN bytes of FD from offset 0 through the page cache into BUF
 * (BUFSZ bytes); returns the bytes read, less at the end of the file.
 */
static size_t read_head(int fd, size_t len, unsigned char *buf, size_t bufsz)
{
	size_t done = 0;

	while (done < len && !stop) {
		size_t want = len - done < bufsz ? len - done : bufsz;
		ssize_t r = pread(fd, buf, want, (off_t)done);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			fprintf(stderr, "memhog: reading the file: %s\n", strerror(errno));
			exit(1);
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return done;
}

static void lock_region(unsigned char *p, size_t bytes, const char *what)
{
	if (bytes == 0)
		return;
	if (mlock(p, bytes) != 0) {
		fprintf(stderr, "memhog: mlock of the %zu-byte %s part: %s\n", bytes,
			what, strerror(errno));
		exit(1);
	}
}

static void sleep_ms(unsigned long ms)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR && !stop)
		;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "cold", required_argument, NULL, 'c' },
		{ "hot", required_argument, NULL, 'h' },
		{ "rate", required_argument, NULL, 'R' },
		{ "file", required_argument, NULL, 'f' },
		{ "file-mib", required_argument, NULL, 'F' },
		{ "file-hot", required_argument, NULL, 'o' },
		{ "pause-ms", required_argument, NULL, 'p' },
		{ "ready-file", required_argument, NULL, 'r' },
		{ "stats-every", required_argument, NULL, 's' },
		{ "mlock", no_argument, NULL, 'm' },
		{ "mlockall", no_argument, NULL, 'M' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long cold_mib = 0, hot_mib = 0, pause_ms = 0, stats_every = 0;
	unsigned long rate = 0, file_mib = 0, file_hot_mib = 0;
	const char *ready_file = NULL, *file = NULL;
	size_t pagesz, cold_bytes, hot_bytes, off, filled = 0;
	size_t file_bytes = 0, file_hot_bytes = 0, bufsz = MIB;
	unsigned char *buf = NULL;
	int file_fd = -1;
	double t0;
	unsigned char *cold, *hot;
	unsigned long long passes = 0;
	uint64_t seed;
	struct sigaction sa;
	double next_stats = 0;
	int c, lock = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (parse_count(optarg, "--cold", 1UL << 20, &cold_mib) < 0)
				return 2;
			break;
		case 'h':
			if (parse_count(optarg, "--hot", 1UL << 20, &hot_mib) < 0)
				return 2;
			break;
		case 'R':
			if (parse_count(optarg, "--rate", 1UL << 20, &rate) < 0)
				return 2;
			break;
		case 'f':
			file = optarg;
			break;
		case 'F':
			if (parse_count(optarg, "--file-mib", 1UL << 20, &file_mib) < 0)
				return 2;
			break;
		case 'o':
			if (parse_count(optarg, "--file-hot", 1UL << 20, &file_hot_mib) < 0)
				return 2;
			break;
		case 'p':
			if (parse_count(optarg, "--pause-ms", 3600000UL, &pause_ms) < 0)
				return 2;
			break;
		case 'r':
			ready_file = optarg;
			break;
		case 's':
			if (parse_count(optarg, "--stats-every", 3600UL, &stats_every) < 0)
				return 2;
			break;
		case 'm':
			lock = 1;
			break;
		case 'M':
			lock = 2;
			break;
		case 'H':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (cold_mib == 0 && hot_mib == 0 && file == NULL) {
		fprintf(stderr, "memhog: nothing to do: give --cold, --hot and/or --file\n");
		return 2;
	}
	if (file == NULL && (file_mib > 0 || file_hot_mib > 0)) {
		fprintf(stderr, "memhog: --file-mib and --file-hot need --file\n");
		return 2;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	pagesz = (size_t)sysconf(_SC_PAGESIZE);
	cold_bytes = (size_t)cold_mib * MIB;
	hot_bytes = (size_t)hot_mib * MIB;
	seed = 0x9e3779b97f4a7c15ULL ^ ((uint64_t)getpid() << 32);

	cold = alloc_region(cold_bytes, "cold");
	hot = alloc_region(hot_bytes, "hot");
	t0 = now_s();
	fill_region(cold, cold_bytes, pagesz, &seed, rate, t0, &filled);
	fill_region(hot, hot_bytes, pagesz, &seed, rate, t0, &filled);
	if (file != NULL) {
		file_fd = open(file, O_RDONLY);
		if (file_fd < 0) {
			fprintf(stderr, "memhog: cannot open %s: %s\n", file, strerror(errno));
			return 1;
		}
		buf = malloc(bufsz);
		if (buf == NULL) {
			fprintf(stderr, "memhog: out of memory for a read buffer\n");
			return 1;
		}
		file_bytes = read_head(file_fd, file_mib > 0 ? (size_t)file_mib * MIB : SIZE_MAX,
				       buf, bufsz);
		file_hot_bytes = (size_t)file_hot_mib * MIB;
		if (file_hot_bytes > file_bytes)
			file_hot_bytes = file_bytes;
	}
	if (stop)
		return 0;
	if (lock == 1) {
		lock_region(cold, cold_bytes, "cold");
		lock_region(hot, hot_bytes, "hot");
	} else if (lock == 2 && mlockall(MCL_CURRENT | MCL_FUTURE) != 0) {
		fprintf(stderr, "memhog: mlockall: %s\n", strerror(errno));
		return 1;
	}

	if (ready_file != NULL) {
		int fd = open(ready_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0) {
			fprintf(stderr, "memhog: cannot create %s: %s\n", ready_file,
				strerror(errno));
			return 1;
		}
		close(fd);
	}
	printf("memhog: ready pid=%ld cold=%lu hot=%lu", (long)getpid(), cold_mib, hot_mib);
	if (file != NULL)
		printf(" file=%zu", file_bytes / MIB);
	printf("%s\n", lock == 2 ? " mlock=all" : lock ? " mlock=1" : "");
	fflush(stdout);

	if (stats_every > 0)
		next_stats = now_s() + (double)stats_every;
	while (!stop) {
		if (hot_bytes > 0) {
			/* Read and write one word of every hot page. */
			for (off = 0; off < hot_bytes && !stop; off += pagesz) {
				volatile uint64_t *w = (volatile uint64_t *)(void *)(hot + off);

				*w = *w + 1;
			}
		}
		if (file_hot_bytes > 0)
			read_head(file_fd, file_hot_bytes, buf, bufsz);
		if (hot_bytes > 0 || file_hot_bytes > 0)
			passes++;
		if (stats_every > 0 && now_s() >= next_stats) {
			printf("memhog: passes=%llu\n", passes);
			fflush(stdout);
			next_stats += (double)stats_every;
		}
		if (pause_ms > 0 || (hot_bytes == 0 && file_hot_bytes == 0))
			sleep_ms(hot_bytes == 0 && file_hot_bytes == 0 && pause_ms == 0 ? 1000 : pause_ms);
	}
	free(buf);
	if (file_fd >= 0)
		close(file_fd);
	return 0;
}
