/*
 * psiwatch -- check that a PSI trigger fires, independently of reclaimd.
 *
 *   psiwatch [--file PATH] [--trigger "some 150000 1000000"] [--count N]
 *            [--timeout SECONDS]
 *
 * Registers TRIGGER (with its terminating NUL, as the kernel wants) on PATH
 * (default /proc/pressure/memory), prints "psiwatch: armed", then waits with
 * poll() for POLLPRI and prints "psiwatch: event N t=SECONDS" for each event,
 * SECONDS counted from arming.  Exits 0 after COUNT events (default 1), 1 when
 * TIMEOUT seconds (default 60) pass first, 2 on usage or system errors
 * (POLLERR, as when a watched cgroup is removed, included).  SIGTERM ends it
 * with status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_ulong(const char *arg, const char *what, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || arg[0] == '-') {
		fprintf(stderr, "psiwatch: bad %s '%s'\n", what, arg);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "trigger", required_argument, NULL, 't' },
		{ "count", required_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = "/proc/pressure/memory";
	const char *trigger = "some 150000 1000000";
	unsigned long count = 1, timeout_s = 60, events = 0;
	double t0, deadline;
	struct pollfd pfd;
	int c, fd;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			path = optarg;
			break;
		case 't':
			trigger = optarg;
			break;
		case 'n':
			if (parse_ulong(optarg, "--count", &count) < 0)
				return 2;
			break;
		case 'T':
			if (parse_ulong(optarg, "--timeout", &timeout_s) < 0)
				return 2;
			break;
		default:
			fprintf(stderr, "usage: psiwatch [--file PATH] [--trigger SPEC] "
					"[--count N] [--timeout SECONDS]\n");
			return 2;
		}
	}

	fd = open(path, O_RDWR | O_NONBLOCK);
	if (fd < 0) {
		fprintf(stderr, "psiwatch: open %s: %s\n", path, strerror(errno));
		return 2;
	}
	/* The NUL is part of what the kernel expects. */
	if (write(fd, trigger, strlen(trigger) + 1) < 0) {
		fprintf(stderr, "psiwatch: writing trigger '%s' to %s: %s\n", trigger,
			path, strerror(errno));
		return 2;
	}
	t0 = now_s();
	deadline = t0 + (double)timeout_s;
	printf("psiwatch: armed file=%s trigger=\"%s\"\n", path, trigger);
	fflush(stdout);

	pfd.fd = fd;
	pfd.events = POLLPRI;
	while (events < count) {
		double left = deadline - now_s();
		int r;

		if (left <= 0) {
			printf("psiwatch: timeout after %lu s with %lu of %lu events\n",
			       timeout_s, events, count);
			return 1;
		}
		r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "psiwatch: poll: %s\n", strerror(errno));
			return 2;
		}
		if (r == 0)
			continue;
		if (pfd.revents & POLLERR) {
			fprintf(stderr, "psiwatch: POLLERR on %s\n", path);
			return 2;
		}
		if (pfd.revents & POLLPRI) {
			events++;
			printf("psiwatch: event %lu t=%.2f\n", events, now_s() - t0);
			fflush(stdout);
		}
	}
	return 0;
}
