/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the JNI library's files share: the probe handle, the ring buffer consumer
 * (rd_ring.c), and the helpers probe_jni.c defines for pins_jni.c. Internal: the
 * library is built with -fvisibility=hidden, so nothing here is exported.
 */
#ifndef RD_PROBE_H
#define RD_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jni.h>

#include "rd_event.h"

/* A record in the Java batch: u32 length, u32 reserved, payload padded to 8 bytes. */
#define RD_RECORD_HDR   8u
#define RD_RECORD_MAX   (RD_RECORD_HDR + ((RD_EVENT_MAX_SIZE + 7u) & ~7u))
#define RD_BATCH_FULL   (-1000)

#define RD_MAX_LINKS 4
/* The generation's own ring and those of generations being handed over. */
#define RD_MAX_RINGS 8

/* The same numbers as Java's BpfVariant ordinals. */
enum rd_variant {
	RD_VARIANT_AUTO     = 0,
	RD_VARIANT_BPF_LOOP = 1,  /* 5.17+: the environment scan under bpf_loop() */
	RD_VARIANT_BOUNDED  = 2,  /* 5.8+: a bounded loop, fewer environment strings */
};

/*
 * What the loader needs of a skeleton, whichever variant it is: both come from one
 * source, so they have the same maps, programs and sections.
 */
struct rd_skel_ops {
	void *(*open)(void);
	int (*load)(void *skel);
	void (*destroy)(void *skel);
	struct bpf_object *(*object)(void *skel);
	struct rd_config *(*config)(void *skel);          /* writable until load */
	volatile __u32 *(*reader_sleeping)(void *skel);   /* the kernel's memory after load */
	volatile __u64 *(*heartbeat)(void *skel);         /* likewise */
	const void *(*elf_bytes)(size_t *size);           /* the object the skeleton embeds */
};

/*
 * One BPF ring buffer as the kernel's ABI exposes it: a consumer page that user space
 * writes, then a producer page and the data area mapped twice in a row (so that a
 * record wrapping around the end reads as one piece), both read-only.
 */
struct rd_ring {
	int fd;
	__u64 *consumer;          /* committed: the kernel may overwrite what lies before it */
	const __u64 *producer;
	const unsigned char *data;
	__u64 mask;
	size_t cons_len, prod_len;
	__u64 read_pos;           /* copied into a batch; >= *consumer; owned by the reader thread */
	int busy;                 /* the last consume stopped at a record still being written */
	int ended;                /* a ring being handed over, read to its end */
};

struct rd_probe {
	const struct rd_skel_ops *ops;
	void *skel;                /* NULL for a resumed probe: nothing was loaded */
	int variant;
	struct bpf_object *obj;
	struct bpf_link *links[RD_MAX_LINKS];
	const char *link_names[RD_MAX_LINKS];
	int nlinks;
	int tracked_fd;
	int counters_fd;
	/* Pinned mode: records are committed by Java (commit), not as they are copied. */
	int pinned;
	/* [0] this generation's ring; [1..] rings of generations being handed over. */
	struct rd_ring rings[RD_MAX_RINGS];
	int nrings;
	/* A resumed probe's own mapping of .data.wakeup (a loaded one uses the skeleton's). */
	void *wakeup_map;
	size_t wakeup_len;
	/* Adaptive wake-up (NULL when waking per event): see rd_reader_sleeping. */
	volatile __u32 *reader_sleeping;
	/* Pinned mode: stored on each poll round, see rd_reader_heartbeat_ns. */
	volatile __u64 *heartbeat;
	/* The heartbeat a resumed probe found: when the previous reader was last alive. */
	__u64 previous_heartbeat;
	/* Storm mode: no wake-up per event, a drain every drain_ms. */
	int draining;
	/* The last drain filled the batch: the rest is taken at once, not a drain later. */
	int left_behind;
	/* When the kernel last woke the reader, CLOCK_MONOTONIC ns. */
	__u64 last_wake_ns;
	/* Readable once close begins, so a reader blocked in epoll returns at once. */
	int stop_fd;
	/* The ring (level-triggered) and the stop signal: the unpinned reader's wait. */
	int wait_fd;
	/* Storm-mode drains, and every wait in pinned mode, happen here: see setup_reader. */
	int drain_fd;
	/* The batch being filled by the current poll call, from one ring only. */
	unsigned char *batch;
	size_t batch_cap;
	size_t batch_used;
	int batch_records;
	int batch_ring;
	__u64 batch_end;           /* that ring's read position after the batch */
};

/* ---- probe_jni.c ---- */

/* Throws ProbeException (InsufficientPrivilegesException for EPERM) unless one is pending. */
void throw_probe(JNIEnv *env, int err, const char *fmt, ...);
void probe_free(struct rd_probe *p);
int setup_reader(struct rd_probe *p);
int sum_counters(int fd, jlong *sums);
int choose_variant(int requested);
const struct rd_skel_ops *skel_ops(int variant);
/* Where rd_reader_sleeping and rd_reader_heartbeat_ns sit in .data.wakeup. */
extern const size_t rd_wakeup_sleeping_off;
extern const size_t rd_wakeup_heartbeat_off;

static inline struct rd_probe *probe_of(jlong handle)
{
	return (struct rd_probe *)(intptr_t)handle;
}

/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns(). */
static inline __u64 rd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/* ---- rd_ring.c ---- */

int ring_open(struct rd_ring *r, int fd);
void ring_close(struct rd_ring *r);
void ring_commit(struct rd_ring *r, __u64 pos);
int ring_consume(struct rd_probe *p, struct rd_ring *r);

#endif /* RD_PROBE_H */
