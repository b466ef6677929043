// SPDX-License-Identifier: Apache-2.0
/*
 * The floor of the comparison: a minimal C libbpf consumer doing the same kernel
 * work as the detector. It loads the project's own BPF programs,
 * sets the same struct rd_config in .rodata.cfg (environment prefix, scan bound,
 * wake-up policy), attaches exec/fork/exit, and only counts what arrives in the
 * ring buffer: no /proc enrichment, no formatting, no sink.
 * The object comes in through the same libbpf skeleton the JNI library uses (the
 * bpf_loop variant; the benchmark machine's kernel has it).
 *
 *   floor [--env-prefix RDBENCH_] [--wakeup-bytes B]
 *         [--poll-ms 100] [--drain-ms 0] [--ring-bytes 16777216] [--tracked 131072]
 *
 * Prints "floor ready" on stderr once attached. On SIGTERM/SIGINT it drains the ring
 * buffer and prints one line on stdout:
 *
 *   events=40000 exec=20000 fork=0 exit=20000 open=0 lost=0 track_full=0 exec_seen=...
 *   env_filtered=... env_unsure=... lat_n=20000 lat_p50_us=... lat_p99_us=... lat_max_us=...
 *
 * Latency is CLOCK_MONOTONIC at receipt minus the event's bpf_ktime_get_ns() (the
 * same clock), for EXEC events.
 * SIGUSR1 prints the same line without stopping.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "rd_event.h"
#include "rd_bpf_loop.skel.h"

#define LAT_MAX_SAMPLES (4 << 20)

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t dump_flag;

static unsigned long long n_type[8];
static unsigned long long n_events;
static unsigned long long *lat_ns;
static size_t lat_n;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_flag = 1;
	else
		stop_flag = 1;
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	const struct rd_event *e = data;
	(void)ctx;

	if (size < RD_EVENT_HDR_SIZE)
		return 0;
	n_events++;
	n_type[e->type & 7]++;
	if (e->type == RD_EVENT_EXEC && lat_n < LAT_MAX_SAMPLES) {
		__u64 now = mono_ns();

		lat_ns[lat_n++] = now > e->ktime_ns ? now - e->ktime_ns : 0;
	}
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;

	return x < y ? -1 : x > y;
}

static void dump(int counters_fd)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long sums[RD_CNT__MAX] = { 0 };
	__u64 *values = calloc(ncpu > 0 ? ncpu : 1, sizeof(__u64));
	unsigned long long p50 = 0, p99 = 0, max = 0;

	for (__u32 slot = 0; values && slot < RD_CNT__MAX; slot++) {
		if (bpf_map_lookup_elem(counters_fd, &slot, values))
			continue;
		for (int c = 0; c < ncpu; c++)
			sums[slot] += values[c];
	}
	free(values);
	if (lat_n) {
		unsigned long long *sorted = malloc(lat_n * sizeof(*sorted));

		if (sorted) {
			memcpy(sorted, lat_ns, lat_n * sizeof(*sorted));
			qsort(sorted, lat_n, sizeof(*sorted), cmp_u64);
			p50 = sorted[(lat_n - 1) * 50 / 100];
			p99 = sorted[(lat_n - 1) * 99 / 100];
			max = sorted[lat_n - 1];
			free(sorted);
		}
	}
	printf("events=%llu exec=%llu fork=%llu exit=%llu open=%llu lost=%llu track_full=%llu "
	       "exec_seen=%llu env_filtered=%llu env_unsure=%llu "
	       "lat_n=%zu lat_p50_us=%.1f lat_p99_us=%.1f lat_max_us=%.1f\n",
	       n_events, n_type[RD_EVENT_EXEC], n_type[RD_EVENT_FORK], n_type[RD_EVENT_EXIT],
	       n_type[RD_EVENT_FILE_OPEN], sums[RD_CNT_RINGBUF_LOST], sums[RD_CNT_TRACK_FULL],
	       sums[RD_CNT_EXEC_SEEN], sums[RD_CNT_EXEC_ENV_FILTERED], sums[RD_CNT_EXEC_ENV_UNSURE],
	       lat_n, p50 / 1e3, p99 / 1e3, max / 1e3);
	fflush(stdout);
}

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static void usage(const char *argv0)
{
	fprintf(stderr,
		"usage: %s [--env-prefix P] [--wakeup-bytes B] [--poll-ms MS]\n"
		"          [--drain-ms MS] [--ring-bytes B] [--tracked N] [--env-max-steps N]\n"
		"  --wakeup-bytes B  0: the kernel wakes the reader per event; else only past B pending bytes\n"
		"  --drain-ms MS     instead of sleeping in epoll, drain the ring every MS milliseconds\n",
		argv0);
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "env-prefix", required_argument, NULL, 'e' },
		{ "wakeup-bytes", required_argument, NULL, 'w' },
		{ "poll-ms", required_argument, NULL, 'p' },
		{ "drain-ms", required_argument, NULL, 'd' },
		{ "ring-bytes", required_argument, NULL, 'r' },
		{ "tracked", required_argument, NULL, 't' },
		{ "env-max-steps", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *prefix = "";
	int wakeup_bytes = 0, poll_ms = 100, drain_ms = 0;
	int ring_bytes = 16 << 20, tracked = 131072, env_max_steps = 8192;
	struct rd_bpf_loop *skel;
	struct rd_config *cfg;
	struct bpf_program *prog;
	struct ring_buffer *rb;
	struct bpf_link *links[8];
	int nlinks = 0, counters_fd, c, err;
	struct sigaction sa;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': prefix = optarg; break;
		case 'w': wakeup_bytes = atoi(optarg); break;
		case 'p': poll_ms = atoi(optarg); break;
		case 'd': drain_ms = atoi(optarg); break;
		case 'r': ring_bytes = atoi(optarg); break;
		case 't': tracked = atoi(optarg); break;
		case 's': env_max_steps = atoi(optarg); break;
		default: usage(argv[0]);
		}
	}
	if (strlen(prefix) >= RD_ENV_PREFIX_MAX)
		usage(argv[0]);

	lat_ns = malloc(LAT_MAX_SAMPLES * sizeof(*lat_ns));
	if (!lat_ns) {
		perror("malloc");
		return 1;
	}
	libbpf_set_print(libbpf_quiet);

	skel = rd_bpf_loop__open();
	if (!skel) {
		fprintf(stderr, "floor: cannot open the skeleton: %s\n", strerror(errno));
		return 1;
	}
	cfg = &skel->rodata_cfg->rd_cfg;
	cfg->env_prefix_len = strlen(prefix);
	memcpy(cfg->env_prefix, prefix, cfg->env_prefix_len);
	cfg->wakeup_bytes = wakeup_bytes;
	cfg->env_max_steps = env_max_steps;
	cfg->pidns_ino = 0; /* the initial PID namespace */
	if (bpf_map__set_max_entries(skel->maps.tracked, tracked) ||
	    bpf_map__set_max_entries(skel->maps.events, ring_bytes)) {
		fprintf(stderr, "floor: cannot size maps\n");
		return 1;
	}
	/* No watched files: the open hook is not loaded (as in the detector). */
	bpf_program__set_autoload(skel->progs.rd_open, false);
	err = rd_bpf_loop__load(skel);
	if (err) {
		fprintf(stderr, "floor: load failed: %s\n", strerror(-err));
		return 1;
	}
	counters_fd = bpf_map__fd(skel->maps.counters);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_sample, NULL, NULL);
	if (!rb) {
		fprintf(stderr, "floor: ring buffer: %s\n", strerror(errno));
		return 1;
	}
	bpf_object__for_each_program(prog, skel->obj) {
		if (!bpf_program__autoload(prog))
			continue;
		links[nlinks] = bpf_program__attach(prog);
		if (!links[nlinks]) {
			fprintf(stderr, "floor: attach %s: %s\n", bpf_program__name(prog), strerror(errno));
			return 1;
		}
		nlinks++;
	}

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);

	fprintf(stderr, "floor ready (pid %d, prefix '%s', wakeup_bytes %d, %s %d ms)\n", (int)getpid(), prefix,
		wakeup_bytes, drain_ms ? "drain every" : "poll timeout", drain_ms ? drain_ms : poll_ms);

	while (!stop_flag) {
		if (drain_ms) {
			struct timespec ts = { drain_ms / 1000, (drain_ms % 1000) * 1000000L };

			nanosleep(&ts, NULL);
			err = ring_buffer__consume(rb);
		} else {
			err = ring_buffer__poll(rb, poll_ms);
		}
		if (err < 0 && err != -EINTR) {
			fprintf(stderr, "floor: ring buffer: %s\n", strerror(-err));
			break;
		}
		if (dump_flag) {
			dump_flag = 0;
			dump(counters_fd);
		}
	}
	ring_buffer__consume(rb);
	dump(counters_fd);
	for (int i = 0; i < nlinks; i++)
		bpf_link__destroy(links[i]);
	ring_buffer__free(rb);
	rd_bpf_loop__destroy(skel);
	return 0;
}
