// SPDX-License-Identifier: Apache-2.0
/*
 * The JNI surface of the kernel probe: open+load (or resume pinned programs), attach,
 * pin, poll a batch, commit, tracked-map calls, counters, close. Java owns the
 * lifecycle and serialises calls on one handle (poll runs on the reader thread; close
 * waits for it; commit touches only the consumer position, which poll never writes in
 * pinned mode), so no locking here beyond the libbpf log capture, which is
 * process-global.
 *
 * The eBPF objects come in through their libbpf skeletons (bpf/Makefile), one per
 * program variant; which one loads is decided here by probing the kernel.
 *
 * The ring buffer is read by a consumer of its own rather than libbpf's ring_buffer,
 * because libbpf advances the kernel's consumer position as soon as a record has been
 * handed to its callback: a record copied into the JVM but not yet at the sinks would
 * then be gone from the ring, and a killed JVM would lose it. Here the read position
 * (what has been copied) is kept apart from the committed one (what the kernel may
 * overwrite); pinned mode commits only when Java says a batch reached the sinks.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jni.h>

#include "rd_event.h"
#include "rd_bpf_loop.skel.h"
#include "rd_bounded.skel.h"
#include "io_runtimedetector_probe_NativeProbe.h"

#define RD_PROBE_EXCEPTION  "io/runtimedetector/probe/ProbeException"
#define RD_PRIV_EXCEPTION   "io/runtimedetector/probe/InsufficientPrivilegesException"
#define RD_PRIV_SENTENCE \
	"runtime-detector needs root or the capabilities CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load its eBPF programs"

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

#define RD_SKEL_OPS(name)                                                              \
	static void *name##_open(void) { return name##__open(); }                     \
	static int name##_load(void *s) { return name##__load(s); }                    \
	static void name##_destroy(void *s) { name##__destroy(s); }                    \
	static struct bpf_object *name##_object(void *s) { return ((struct name *)s)->obj; } \
	static struct rd_config *name##_config(void *s)                                \
	{                                                                              \
		return (struct rd_config *)&((struct name *)s)->rodata_cfg->rd_cfg;    \
	}                                                                              \
	static volatile __u32 *name##_sleeping(void *s)                                \
	{                                                                              \
		return &((struct name *)s)->data_wakeup->rd_reader_sleeping;           \
	}                                                                              \
	static volatile __u64 *name##_heartbeat(void *s)                               \
	{                                                                              \
		return &((struct name *)s)->data_wakeup->rd_reader_heartbeat_ns;       \
	}                                                                              \
	static const struct rd_skel_ops name##_ops = {                                 \
		name##_open, name##_load, name##_destroy, name##_object,               \
		name##_config, name##_sleeping, name##_heartbeat, name##__elf_bytes,   \
	}

RD_SKEL_OPS(rd_bpf_loop);
RD_SKEL_OPS(rd_bounded);

/*
 * Where the reader's two words sit in .data.wakeup: a resumed reader maps the pinned
 * map itself, with no skeleton, so it needs the offsets; both variants share them.
 */
#define RD_WAKEUP_SLEEPING_OFF __builtin_offsetof(struct rd_bpf_loop__data_wakeup, rd_reader_sleeping)
#define RD_WAKEUP_HEARTBEAT_OFF __builtin_offsetof(struct rd_bpf_loop__data_wakeup, rd_reader_heartbeat_ns)
_Static_assert(__builtin_offsetof(struct rd_bounded__data_wakeup, rd_reader_heartbeat_ns) == RD_WAKEUP_HEARTBEAT_OFF,
	       "both variants place the heartbeat alike");
_Static_assert(__builtin_offsetof(struct rd_bounded__data_wakeup, rd_reader_sleeping) == RD_WAKEUP_SLEEPING_OFF,
	       "both variants place the sleeping flag alike");

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

static int sum_counters(int fd, jlong *sums);

/* ---- libbpf log capture: the tail of what libbpf printed, for error messages ---- */

#define RD_LOG_CAP 16384
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_buf[RD_LOG_CAP];
static size_t log_len;
static __thread int log_capturing;  /* only the thread loading, while it holds log_lock */

static int capture_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char line[1024];
	int n;

	if (level == LIBBPF_DEBUG || !log_capturing)
		return 0;
	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n <= 0)
		return 0;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (log_len + n >= RD_LOG_CAP) {
		/* Keep the newest half: the verifier's verdict is at the end. */
		size_t keep = RD_LOG_CAP / 2;
		memmove(log_buf, log_buf + log_len - keep, keep);
		log_len = keep;
	}
	memcpy(log_buf + log_len, line, n);
	log_len += n;
	log_buf[log_len] = 0;
	return 0;
}

/* The last @lines lines of the captured log (caller holds log_lock). */
static const char *log_tail(int lines)
{
	const char *p;

	if (!log_len)
		return "";
	p = log_buf + log_len;
	if (p > log_buf && p[-1] == '\n')
		p--;
	while (p > log_buf) {
		if (p[-1] == '\n' && --lines == 0)
			break;
		p--;
	}
	return p;
}

/* ---- exceptions ---- */

static void throw_probe(JNIEnv *env, int err, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	jclass cls;
	jmethodID ctor;
	jstring jmsg;
	jthrowable ex;

	if ((*env)->ExceptionCheck(env))
		return;
	if (err == EPERM) {
		cls = (*env)->FindClass(env, RD_PRIV_EXCEPTION);
		if (cls)
			(*env)->ThrowNew(env, cls, RD_PRIV_SENTENCE);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cls = (*env)->FindClass(env, RD_PROBE_EXCEPTION);
	if (!cls)
		return;
	ctor = (*env)->GetMethodID(env, cls, "<init>", "(Ljava/lang/String;I)V");
	if (!ctor)
		return;
	jmsg = (*env)->NewStringUTF(env, msg);
	if (!jmsg)
		return;
	ex = (jthrowable)(*env)->NewObject(env, cls, ctor, jmsg, (jint)err);
	if (ex)
		(*env)->Throw(env, ex);
}

static struct rd_probe *probe_of(jlong handle)
{
	return (struct rd_probe *)(intptr_t)handle;
}

/*
 * Unmaps a ring. It stays marked ended throughout: a ring handed over is dropped by
 * another thread while the reader may look at the flag (and then skips it).
 */
static void ring_close(struct rd_ring *r)
{
	r->ended = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (r->consumer)
		munmap(r->consumer, r->cons_len);
	r->consumer = NULL;
	if (r->producer)
		munmap((void *)r->producer, r->prod_len);
	r->producer = NULL;
	if (r->fd > 0)
		close(r->fd);
	r->fd = -1;
}

/*
 * Frees everything this process holds. A pinned link or map outlives it: closing our
 * descriptor drops only our reference, the pin keeps the programs attached.
 */
static void probe_free(struct rd_probe *p)
{
	for (int i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);
	for (int i = 0; i < p->nrings; i++)
		ring_close(&p->rings[i]);
	if (p->stop_fd > 0)
		close(p->stop_fd);
	if (p->wait_fd > 0)
		close(p->wait_fd);
	if (p->drain_fd > 0)
		close(p->drain_fd);
	if (p->wakeup_map)
		munmap(p->wakeup_map, p->wakeup_len);
	if (p->skel) {
		p->ops->destroy(p->skel);
	} else {
		/* A resumed probe opened these from the pins itself. */
		if (p->tracked_fd > 0)
			close(p->tracked_fd);
		if (p->counters_fd > 0)
			close(p->counters_fd);
	}
	free(p);
}

static __u64 rd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * bpf_loop() arrived in 5.17; any program type that has the base helpers can tell.
 * A probe that cannot decide (an error) picks the variant every kernel takes.
 */
static int choose_variant(int requested)
{
	if (requested != RD_VARIANT_AUTO)
		return requested;
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_RAW_TRACEPOINT, BPF_FUNC_loop, NULL) == 1
		       ? RD_VARIANT_BPF_LOOP : RD_VARIANT_BOUNDED;
}

/* Copies a Java byte[] into a zero-padded fixed-size key (maps compare all bytes). */
static int copy_key(JNIEnv *env, jbyteArray arr, char *key, size_t cap)
{
	jsize n = (*env)->GetArrayLength(env, arr);

	if ((size_t)n >= cap)
		return -ENAMETOOLONG;
	memset(key, 0, cap);
	(*env)->GetByteArrayRegion(env, arr, 0, n, (jbyte *)key);
	return 0;
}

static int fill_maps(JNIEnv *env, struct rd_probe *p, jobjectArray excluded,
		     jobjectArray watched_paths, jlongArray watched_inodes)
{
	int excl_fd = bpf_object__find_map_fd_by_name(p->obj, "excluded");
	int wpath_fd = bpf_object__find_map_fd_by_name(p->obj, "watched_paths");
	int wino_fd = bpf_object__find_map_fd_by_name(p->obj, "watched_inodes");
	char key[RD_PATH_MAX];
	jsize n;

	n = (*env)->GetArrayLength(env, excluded);
	for (jsize i = 0; i < n; i++) {
		jbyteArray path = (jbyteArray)(*env)->GetObjectArrayElement(env, excluded, i);
		__u8 one = 1;
		int err = copy_key(env, path, key, sizeof(key));

		(*env)->DeleteLocalRef(env, path);
		if (err || bpf_map_update_elem(excl_fd, key, &one, BPF_ANY))
			return err ? err : -errno;
	}
	n = (*env)->GetArrayLength(env, watched_paths);
	for (jsize i = 0; i < n; i++) {
		jbyteArray path = (jbyteArray)(*env)->GetObjectArrayElement(env, watched_paths, i);
		__u32 id = i;
		int err = copy_key(env, path, key, sizeof(key));

		(*env)->DeleteLocalRef(env, path);
		if (err || bpf_map_update_elem(wpath_fd, key, &id, BPF_ANY))
			return err ? err : -errno;
	}
	n = (*env)->GetArrayLength(env, watched_inodes) / 2;
	for (jsize i = 0; i < n; i++) {
		jlong pair[2];
		struct rd_inode_key ik;
		__u32 id = i;

		(*env)->GetLongArrayRegion(env, watched_inodes, 2 * i, 2, pair);
		if (!pair[1])
			continue;  /* file absent at start: matched by path only */
		/* st_dev is glibc's encoding; the kernel's s_dev is MKDEV(major, minor). */
		ik.dev = ((__u64)major(pair[0]) << 20) | minor(pair[0]);
		ik.ino = pair[1];
		if (bpf_map_update_elem(wino_fd, &ik, &id, BPF_ANY))
			return -errno;
	}
	return 0;
}

JNIEXPORT jlong JNICALL Java_io_runtimedetector_probe_NativeProbe_open(
	JNIEnv *env, jclass cls, jint variant, jbyteArray env_prefix, jlong pidns_ino,
	jint tracked_capacity, jint ring_bytes, jint wakeup_bytes, jint env_max_steps,
	jobjectArray env_keys, jobjectArray excluded, jobjectArray watched_paths, jlongArray watched_inodes,
	jlong heartbeat_timeout_ns, jboolean pinned)
{
	struct rd_config cfg = {};
	struct rd_probe *p;
	jsize prefix_len;
	int err;

	prefix_len = (*env)->GetArrayLength(env, env_prefix);
	if (prefix_len >= RD_ENV_PREFIX_MAX) {
		throw_probe(env, ENAMETOOLONG, "environment prefix is %d bytes; at most %d are supported",
			    prefix_len, RD_ENV_PREFIX_MAX - 1);
		return 0;
	}
	(*env)->GetByteArrayRegion(env, env_prefix, 0, prefix_len, (jbyte *)cfg.env_prefix);
	cfg.env_prefix_len = prefix_len;
	cfg.pidns_ino = pidns_ino;
	cfg.heartbeat_timeout_ns = heartbeat_timeout_ns;
	cfg.wakeup_bytes = wakeup_bytes;
	cfg.env_max_steps = env_max_steps;
	cfg.env_key_count = (*env)->GetArrayLength(env, env_keys);
	if (cfg.env_key_count > RD_ENV_KEYS_MAX) {
		throw_probe(env, E2BIG, "at most %d environment variables can be captured in the kernel",
			    RD_ENV_KEYS_MAX);
		return 0;
	}
	for (__u32 i = 0; i < cfg.env_key_count; i++) {
		jbyteArray key = (jbyteArray)(*env)->GetObjectArrayElement(env, env_keys, i);
		int err = copy_key(env, key, cfg.env_keys[i], RD_ENV_KEY_MAX);

		(*env)->DeleteLocalRef(env, key);
		if (err) {
			throw_probe(env, -err, "environment variable %u is longer than %d bytes", i, RD_ENV_KEY_MAX - 1);
			return 0;
		}
		cfg.env_key_lens[i] = strlen(cfg.env_keys[i]);
	}
	cfg.exclude_count = (*env)->GetArrayLength(env, excluded);
	cfg.watch_count = (*env)->GetArrayLength(env, watched_paths);
	if (cfg.exclude_count > RD_MAX_EXCLUDED || cfg.watch_count > RD_MAX_WATCHED) {
		throw_probe(env, E2BIG, "at most %d excluded executables and %d watched files are supported",
			    RD_MAX_EXCLUDED, RD_MAX_WATCHED);
		return 0;
	}

	p = calloc(1, sizeof(*p));
	if (!p) {
		throw_probe(env, ENOMEM, "out of memory");
		return 0;
	}
	p->pinned = pinned;

	pthread_mutex_lock(&log_lock);
	log_len = 0;
	log_buf[0] = 0;
	libbpf_set_print(capture_print);
	log_capturing = 1;

	p->variant = choose_variant(variant);
	p->ops = p->variant == RD_VARIANT_BPF_LOOP ? &rd_bpf_loop_ops : &rd_bounded_ops;
	p->skel = p->ops->open();
	if (!p->skel) {
		err = errno;
		throw_probe(env, err, "cannot open the eBPF object: %s\n%s", strerror(err), log_tail(10));
		goto fail_unlock;
	}
	p->obj = p->ops->object(p->skel);
	*p->ops->config(p->skel) = cfg;
	if (bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "tracked"), tracked_capacity) ||
	    bpf_map__set_max_entries(bpf_object__find_map_by_name(p->obj, "events"), ring_bytes)) {
		err = errno;
		throw_probe(env, err, "cannot size the maps: %s", strerror(err));
		goto fail_unlock;
	}
	/* The open hook runs on every syscall exit: load it only when files are watched. */
	bpf_program__set_autoload(bpf_object__find_program_by_name(p->obj, "rd_open"), cfg.watch_count > 0);

	err = p->ops->load(p->skel);
	if (err) {
		err = -err;
		if (err == EPERM)
			throw_probe(env, err, "");
		else
			throw_probe(env, err, "the kernel refused the eBPF programs (%s); last lines of the log:\n%s",
				    strerror(err), log_tail(12));
		goto fail_unlock;
	}
	log_capturing = 0;
	pthread_mutex_unlock(&log_lock);

	/* The skeleton mapped .data.wakeup: this is the flag the programs read. */
	if (cfg.wakeup_bytes)
		p->reader_sleeping = p->ops->reader_sleeping(p->skel);
	if (pinned) {
		/* Before anything is attached: a zero heartbeat would make the programs idle. */
		p->heartbeat = p->ops->heartbeat(p->skel);
		*p->heartbeat = rd_now_ns();
	}
	p->tracked_fd = bpf_object__find_map_fd_by_name(p->obj, "tracked");
	p->counters_fd = bpf_object__find_map_fd_by_name(p->obj, "counters");
	err = fill_maps(env, p, excluded, watched_paths, watched_inodes);
	if (err) {
		throw_probe(env, -err, "cannot configure the filter maps: %s", strerror(-err));
		probe_free(p);
		return 0;
	}
	return (jlong)(intptr_t)p;

fail_unlock:
	log_capturing = 0;
	pthread_mutex_unlock(&log_lock);
	probe_free(p);
	return 0;
}

/* ---- the ring buffer consumer ---- */

/* Maps @fd, a BPF_MAP_TYPE_RINGBUF, as the kernel's ABI lays it out (kernel/bpf/ringbuf.c). */
static int ring_open(struct rd_ring *r, int fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	memset(r, 0, sizeof(*r));
	r->fd = fd;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_RINGBUF)
		return -EINVAL;
	r->mask = info.max_entries - 1;
	r->cons_len = page;
	m = mmap(NULL, r->cons_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED)
		return -errno;
	r->consumer = m;
	/* The producer page, then the data twice: the kernel refuses write access here. */
	r->prod_len = page + 2 * (size_t)info.max_entries;
	m = mmap(NULL, r->prod_len, PROT_READ, MAP_SHARED, fd, page);
	if (m == MAP_FAILED) {
		r->prod_len = 0;
		return -errno;
	}
	r->producer = m;
	r->data = (const unsigned char *)m + page;
	/* Whatever was committed before is gone; what lies after it is read again. */
	r->read_pos = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	return 0;
}

/* Appends one record to the batch (u32 length, u32 reserved, payload padded to 8). */
static void batch_add(struct rd_probe *p, const void *data, __u32 size)
{
	__u32 hdr[2] = { size, 0 };
	size_t padded = (size + 7u) & ~(size_t)7u;

	memcpy(p->batch + p->batch_used, hdr, sizeof(hdr));
	memcpy(p->batch + p->batch_used + RD_RECORD_HDR, data, size);
	p->batch_used += RD_RECORD_HDR + padded;
	p->batch_records++;
}

/* Lets the kernel reuse everything before @pos. */
static void ring_commit(struct rd_ring *r, __u64 pos)
{
	__atomic_store_n(r->consumer, pos, __ATOMIC_RELEASE);
}

/*
 * Copies the records after the read position into the batch, until none is ready or
 * the next might not fit. Returns the number copied, or RD_BATCH_FULL when it stopped
 * for room. A record whose header still has the busy bit is being written: reading
 * stops there (records are published in order), and r->busy says so. Discarded
 * records are stepped over. Unpinned, what was copied is committed at once, as
 * libbpf did; pinned, the consumer position moves only in commit.
 */
static int ring_consume(struct rd_probe *p, struct rd_ring *r)
{
	int n = 0, full = 0;
	__u64 prod;

	r->busy = 0;
	do {
		prod = __atomic_load_n(r->producer, __ATOMIC_ACQUIRE);
		while (r->read_pos < prod && !full) {
			const __u32 *hdr = (const __u32 *)(r->data + (r->read_pos & r->mask));
			__u32 len = __atomic_load_n(hdr, __ATOMIC_ACQUIRE);
			__u32 size = len & ~(BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT);
			__u64 next;

			if (len & BPF_RINGBUF_BUSY_BIT) {
				r->busy = 1;
				goto out;
			}
			next = r->read_pos + ((size + BPF_RINGBUF_HDR_SZ + 7u) & ~7u);
			/* The programs never submit more than RD_EVENT_MAX_SIZE; a larger record is skipped. */
			if (!(len & BPF_RINGBUF_DISCARD_BIT) && size <= RD_EVENT_MAX_SIZE) {
				batch_add(p, (const unsigned char *)hdr + BPF_RINGBUF_HDR_SZ, size);
				n++;
			}
			__atomic_store_n(&r->read_pos, next, __ATOMIC_RELAXED);
			full = p->batch_cap - p->batch_used < RD_RECORD_MAX;
		}
	} while (!full && r->read_pos < __atomic_load_n(r->producer, __ATOMIC_ACQUIRE));
out:
	if (!p->pinned)
		ring_commit(r, r->read_pos);
	return full ? RD_BATCH_FULL : n;
}

/*
 * The reader's waits, each also ended by the stop signal:
 *  - wait_fd holds the ring level-triggered: ready while producer != consumer. Right for
 *    an unpinned reader, which commits what it copies, so "ready" means "unread".
 *  - drain_fd holds it edge-triggered: ready only when the kernel wakes the ring. A
 *    storm-mode drain sleeps there so that only the early wake-up (past wakeup_bytes)
 *    cuts it short; level-triggered, the ring would be ready all through the storm.
 *    A pinned reader waits only there: it leaves copied records uncommitted until the
 *    sinks have them, and the level-triggered ring would then be ready with nothing
 *    new to read, so the reader would spin.
 */
static int setup_reader(struct rd_probe *p)
{
	struct epoll_event stop_ev = { .events = EPOLLIN, .data.u32 = 0 };
	struct epoll_event lt_ev = { .events = EPOLLIN, .data.u32 = 1 };
	struct epoll_event et_ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 1 };
	int ring_fd = p->rings[0].fd;

	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stop_fd < 0)
		return -errno;
	p->wait_fd = epoll_create1(EPOLL_CLOEXEC);
	if (p->wait_fd < 0 || epoll_ctl(p->wait_fd, EPOLL_CTL_ADD, p->stop_fd, &stop_ev)
	    || epoll_ctl(p->wait_fd, EPOLL_CTL_ADD, ring_fd, &lt_ev))
		return -errno;
	p->drain_fd = epoll_create1(EPOLL_CLOEXEC);
	if (p->drain_fd < 0 || epoll_ctl(p->drain_fd, EPOLL_CTL_ADD, p->stop_fd, &stop_ev)
	    || epoll_ctl(p->drain_fd, EPOLL_CTL_ADD, ring_fd, &et_ev))
		return -errno;
	return 0;
}

JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_attach(JNIEnv *env, jclass cls, jlong handle)
{
	struct rd_probe *p = probe_of(handle);
	struct bpf_program *prog;
	int err;

	err = ring_open(&p->rings[0], bpf_object__find_map_fd_by_name(p->obj, "events"));
	p->rings[0].fd = dup(p->rings[0].fd);  /* the skeleton closes its own on destroy */
	p->nrings = 1;
	if (err || p->rings[0].fd < 0) {
		err = err ? -err : errno;
		throw_probe(env, err, "cannot map the ring buffer: %s", strerror(err));
		return;
	}
	err = setup_reader(p);
	if (err) {
		throw_probe(env, -err, "cannot set up the reader's wake-ups: %s", strerror(-err));
		return;
	}
	bpf_object__for_each_program(prog, p->obj) {
		struct bpf_link *link;

		if (!bpf_program__autoload(prog))
			continue;
		if (p->nlinks == RD_MAX_LINKS) {
			throw_probe(env, E2BIG, "more eBPF programs than links");
			return;
		}
		link = bpf_program__attach(prog);
		if (!link) {
			err = errno;
			throw_probe(env, err, "cannot attach %s: %s", bpf_program__name(prog), strerror(err));
			return;
		}
		p->link_names[p->nlinks] = bpf_program__name(prog);
		p->links[p->nlinks++] = link;
	}
}

/* A drain that found fewer records than this: the storm is over. */
#define RD_BUSY_RECORDS 4
/* Two wake-ups closer together than this: a storm began. */
#define RD_STORM_GAP_NS 2000000ULL
/* How long a pinned reader waits for a record still being written in a ring handed over. */
#define RD_BUSY_WAIT_MS 1

static int rd_wait(int epfd, int timeout_ms)
{
	struct epoll_event ev[2];

	if (epoll_wait(epfd, ev, 2, timeout_ms) < 0 && errno != EINTR)
		return -errno;
	return 0;
}

/*
 * Rings of generations being handed over are read before this generation's own, each
 * to its end, one after the other (oldest first, as Java added them): they hold the
 * older records. A batch never mixes rings, so that its end is one ring's position.
 * Returns what ring_consume does, or 0 with batch_ring 0 once every one has ended.
 */
static int rd_poll_retired(struct rd_probe *p)
{
	for (int i = 1; i < p->nrings; i++) {
		struct rd_ring *r = &p->rings[i];
		int n;

		if (r->ended)
			continue;
		n = ring_consume(p, r);
		p->batch_ring = i;
		p->batch_end = r->read_pos;
		if (!r->busy && r->read_pos >= __atomic_load_n(r->producer, __ATOMIC_ACQUIRE))
			r->ended = 1;
		if (n != 0)
			return n;
		if (!r->ended) {
			/* A program is writing a record there right now: it is done within microseconds. */
			int err = rd_wait(p->drain_fd, RD_BUSY_WAIT_MS);

			return err ? err : 0;
		}
	}
	p->batch_ring = 0;
	return 0;
}

/*
 * Per-event wake-ups cost a context switch each, here and on every thread the batch
 * then passes, so in adaptive mode the reader has two states. Quiet: it flags itself
 * sleeping and the kernel wakes it for each record, so a lone event is delivered at
 * once. Storm (two wake-ups within RD_STORM_GAP_NS): the kernel wakes nobody and the
 * reader takes what came every @drain_ms, until a drain finds fewer than
 * RD_BUSY_RECORDS records. The drain sleeps on drain_fd, where only the stop signal
 * and the kernel's early wake-up (past wakeup_bytes) end it early. Pinned, the quiet
 * wait is on drain_fd too (see setup_reader); the sleeping flag makes the kernel wake
 * the ring for each record then, which is an edge there.
 */
static int rd_poll(struct rd_probe *p, int timeout_ms, int drain_ms)
{
	struct rd_ring *r = &p->rings[0];
	int quiet_fd = p->pinned ? p->drain_fd : p->wait_fd;
	int n, err;

	if (p->heartbeat)
		*p->heartbeat = rd_now_ns();  /* a plain store into the map the programs read */
	if (p->nrings > 1) {
		n = rd_poll_retired(p);
		if (n != 0 || p->batch_ring != 0)
			return n;
	}
	p->batch_ring = 0;
	if (!p->reader_sleeping) {
		n = ring_consume(p, r);
		if (n == 0) {
			err = rd_wait(quiet_fd, timeout_ms);
			n = err ? err : ring_consume(p, r);
		}
		goto out;
	}
	if (p->draining) {
		if (!p->left_behind) {
			err = rd_wait(p->drain_fd, drain_ms);
			if (err)
				return err;
		}
		n = ring_consume(p, r);
		p->left_behind = n == RD_BATCH_FULL;
		if (!p->left_behind && p->batch_records < RD_BUSY_RECORDS)
			p->draining = 0;
		goto out;
	}
	*p->reader_sleeping = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* An event submitted before the flag was visible did not wake us: take it now. */
	n = ring_consume(p, r);
	if (n == 0) {
		/*
		 * Stopped at a record still being written, whose program may have read the flag
		 * before we set it and so will not wake us: look again in a moment. (Unpinned,
		 * the level-triggered ring is ready then anyway.)
		 */
		err = rd_wait(quiet_fd, r->busy && timeout_ms > RD_BUSY_WAIT_MS ? RD_BUSY_WAIT_MS : timeout_ms);
		n = err ? err : ring_consume(p, r);
	}
	*p->reader_sleeping = 0;
	if (p->batch_records > 0) {
		__u64 now = rd_now_ns();

		if (now - p->last_wake_ns < RD_STORM_GAP_NS || n == RD_BATCH_FULL) {
			p->draining = 1;
			p->left_behind = n == RD_BATCH_FULL;
		}
		p->last_wake_ns = now;
	}
out:
	p->batch_end = r->read_pos;
	return n;
}

JNIEXPORT jint JNICALL Java_io_runtimedetector_probe_NativeProbe_poll(
	JNIEnv *env, jclass cls, jlong handle, jobject buffer, jint timeout_ms, jint drain_ms)
{
	struct rd_probe *p = probe_of(handle);
	int n;

	p->batch = (*env)->GetDirectBufferAddress(env, buffer);
	p->batch_cap = (*env)->GetDirectBufferCapacity(env, buffer);
	p->batch_used = 0;
	p->batch_records = 0;
	if (!p->batch || p->batch_cap < RD_RECORD_MAX) {
		throw_probe(env, EINVAL, "the batch buffer must be direct and hold at least %u bytes",
			    (unsigned)RD_RECORD_MAX);
		return -1;
	}
	n = rd_poll(p, timeout_ms, drain_ms);
	if (n < 0 && n != RD_BATCH_FULL && n != -EINTR) {
		throw_probe(env, -n, "ring buffer poll failed: %s", strerror(-n));
		return -1;
	}
	return (jint)p->batch_used;
}

/* The ring the last poll's batch came from: 0 this generation's, else one handed over. */
JNIEXPORT jint JNICALL Java_io_runtimedetector_probe_NativeProbe_batchRing(JNIEnv *env, jclass cls, jlong handle)
{
	return probe_of(handle)->batch_ring;
}

/* That ring's read position after the last poll's batch: what commit takes. */
JNIEXPORT jlong JNICALL Java_io_runtimedetector_probe_NativeProbe_batchEnd(JNIEnv *env, jclass cls, jlong handle)
{
	return (jlong)probe_of(handle)->batch_end;
}

/*
 * Pinned mode: the kernel may reuse @ring's space up to @pos. Positions only grow, and
 * none may pass what was read; Java commits batch ends in delivery order, so a position
 * outside that range is a bug in the caller, reported rather than obeyed.
 */
JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_commit(
	JNIEnv *env, jclass cls, jlong handle, jint ring, jlong pos)
{
	struct rd_probe *p = probe_of(handle);
	struct rd_ring *r;
	__u64 cons, read;

	if (ring < 0 || ring >= p->nrings || !p->rings[ring].consumer) {
		throw_probe(env, EINVAL, "no ring %d to commit to", ring);
		return;
	}
	r = &p->rings[ring];
	cons = __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE);
	read = __atomic_load_n(&r->read_pos, __ATOMIC_RELAXED);
	if ((__u64)pos < cons || (__u64)pos > read) {
		throw_probe(env, EINVAL, "commit position %llu of ring %d is outside the uncommitted range %llu..%llu",
			    (unsigned long long)pos, ring, (unsigned long long)cons, (unsigned long long)read);
		return;
	}
	ring_commit(r, pos);
}

/* Bytes in @ring that no reader has committed yet (producer - consumer). */
JNIEXPORT jlong JNICALL Java_io_runtimedetector_probe_NativeProbe_pendingBytes(
	JNIEnv *env, jclass cls, jlong handle, jint ring)
{
	struct rd_ring *r = &probe_of(handle)->rings[ring];

	if (!r->consumer)
		return 0;
	return (jlong)(__atomic_load_n(r->producer, __ATOMIC_ACQUIRE) - __atomic_load_n(r->consumer, __ATOMIC_ACQUIRE));
}

/* Whether the reader has read a ring handed over to its end (then it never reads it again). */
JNIEXPORT jboolean JNICALL Java_io_runtimedetector_probe_NativeProbe_ringEnded(
	JNIEnv *env, jclass cls, jlong handle, jint ring)
{
	struct rd_probe *p = probe_of(handle);

	return ring > 0 && ring < p->nrings && p->rings[ring].ended;
}

/* Unmaps a ring handed over once it ended and its last batch was committed. */
JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_dropRing(
	JNIEnv *env, jclass cls, jlong handle, jint ring)
{
	struct rd_probe *p = probe_of(handle);

	if (ring > 0 && ring < p->nrings && p->rings[ring].ended)
		ring_close(&p->rings[ring]);
}

/* Stores the heartbeat now; the reader thread calls it while it waits for queue room. */
JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_heartbeat(JNIEnv *env, jclass cls, jlong handle)
{
	struct rd_probe *p = probe_of(handle);

	if (p->heartbeat)
		*p->heartbeat = rd_now_ns();
}

/* The heartbeat a resumed probe found before its own first one; 0 for a loaded probe. */
JNIEXPORT jlong JNICALL Java_io_runtimedetector_probe_NativeProbe_previousHeartbeat(
	JNIEnv *env, jclass cls, jlong handle)
{
	return (jlong)probe_of(handle)->previous_heartbeat;
}

JNIEXPORT jlong JNICALL Java_io_runtimedetector_probe_NativeProbe_monotonicNs(JNIEnv *env, jclass cls)
{
	return (jlong)rd_now_ns();
}

JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_wakeReader(JNIEnv *env, jclass cls, jlong handle)
{
	__u64 one = 1;

	if (write(probe_of(handle)->stop_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		throw_probe(env, errno, "cannot wake the reader: %s", strerror(errno));
}

JNIEXPORT jint JNICALL Java_io_runtimedetector_probe_NativeProbe_track(
	JNIEnv *env, jclass cls, jlong handle, jint pid, jlong start_boottime, jint ns_pid)
{
	struct rd_probe *p = probe_of(handle);
	struct rd_tracked value = { .start_boottime = start_boottime, .ns_pid = ns_pid };
	__u32 key = pid;

	return bpf_map_update_elem(p->tracked_fd, &key, &value, BPF_ANY) ? -errno : 0;
}

JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_untrack(
	JNIEnv *env, jclass cls, jlong handle, jint pid)
{
	__u32 key = pid;

	bpf_map_delete_elem(probe_of(handle)->tracked_fd, &key);
}

JNIEXPORT jlongArray JNICALL Java_io_runtimedetector_probe_NativeProbe_counters(
	JNIEnv *env, jclass cls, jlong handle)
{
	struct rd_probe *p = probe_of(handle);
	jlong sums[RD_CNT__MAX] = {};
	jlongArray out;
	int err = sum_counters(p->counters_fd, sums);

	if (err) {
		throw_probe(env, -err, "cannot read the counters: %s", strerror(-err));
		return NULL;
	}
	out = (*env)->NewLongArray(env, RD_CNT__MAX);
	if (out)
		(*env)->SetLongArrayRegion(env, out, 0, RD_CNT__MAX, sums);
	return out;
}

JNIEXPORT jint JNICALL Java_io_runtimedetector_probe_NativeProbe_variant(JNIEnv *env, jclass cls, jlong handle)
{
	return probe_of(handle)->variant;
}

JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_close(JNIEnv *env, jclass cls, jlong handle)
{
	if (handle)
		probe_free(probe_of(handle));
}

/* Offsets the Java decoder relies on, checked by a test against its own constants. */
JNIEXPORT jintArray JNICALL Java_io_runtimedetector_probe_NativeProbe_layout(JNIEnv *env, jclass cls)
{
	const jint layout[] = {
		RD_EVENT_MAX_SIZE,
		RD_EVENT_HDR_SIZE,
		__builtin_offsetof(struct rd_event, type),
		__builtin_offsetof(struct rd_event, flags),
		__builtin_offsetof(struct rd_event, ktime_ns),
		__builtin_offsetof(struct rd_event, start_boottime),
		__builtin_offsetof(struct rd_event, cgroup_id),
		__builtin_offsetof(struct rd_event, cgroup_v1_id),
		__builtin_offsetof(struct rd_event, pid),
		__builtin_offsetof(struct rd_event, tid),
		__builtin_offsetof(struct rd_event, ppid),
		__builtin_offsetof(struct rd_event, ns_pid),
		__builtin_offsetof(struct rd_event, uid),
		__builtin_offsetof(struct rd_event, exit_code),
		__builtin_offsetof(struct rd_event, watch_id),
		__builtin_offsetof(struct rd_event, filename_len),
		__builtin_offsetof(struct rd_event, args_len),
		__builtin_offsetof(struct rd_event, exe_len),
		__builtin_offsetof(struct rd_event, envs_len),
		__builtin_offsetof(struct rd_event, comm),
		__builtin_offsetof(struct rd_event, data),
		RD_CNT__MAX,
		RD_RECORD_MAX,
		sizeof(struct rd_meta),
		__builtin_offsetof(struct rd_meta, layout_version),
		__builtin_offsetof(struct rd_meta, complete),
		__builtin_offsetof(struct rd_meta, variant),
		__builtin_offsetof(struct rd_meta, ring_bytes),
		__builtin_offsetof(struct rd_meta, tracked_capacity),
		__builtin_offsetof(struct rd_meta, created_ns),
		__builtin_offsetof(struct rd_meta, reported_lost),
		__builtin_offsetof(struct rd_meta, reported_idle),
		__builtin_offsetof(struct rd_meta, generation),
		__builtin_offsetof(struct rd_meta, object_version),
		RD_LAYOUT_VERSION,
	};
	jsize n = sizeof(layout) / sizeof(layout[0]);
	jintArray out = (*env)->NewIntArray(env, n);

	if (out)
		(*env)->SetIntArrayRegion(env, out, 0, n, layout);
	return out;
}

/*
 * The pids in the tracked map, at most max of them: lets the kernel tests check what
 * the programs left behind (a failed exec, an exec by a non-leader thread). The map may
 * change during the walk; a key deleted under it restarts the walk from the start, so
 * a pid can repeat, which callers comparing sets do not mind.
 */
JNIEXPORT jintArray JNICALL Java_io_runtimedetector_probe_NativeProbe_trackedPids(
	JNIEnv *env, jclass cls, jlong handle, jint max)
{
	struct rd_probe *p = probe_of(handle);
	__u32 key, next, *pids;
	jintArray out;
	jint n = 0;
	int err;

	pids = calloc(max > 0 ? max : 1, sizeof(*pids));
	if (!pids) {
		throw_probe(env, ENOMEM, "out of memory");
		return NULL;
	}
	err = bpf_map_get_next_key(p->tracked_fd, NULL, &next);
	while (!err && n < max) {
		pids[n++] = next;
		key = next;
		err = bpf_map_get_next_key(p->tracked_fd, &key, &next);
	}
	if (err && errno != ENOENT) {
		err = errno;
		free(pids);
		throw_probe(env, err, "cannot read the tracked map: %s", strerror(err));
		return NULL;
	}
	out = (*env)->NewIntArray(env, n);
	if (out)
		(*env)->SetIntArrayRegion(env, out, 0, n, (const jint *)pids);
	free(pids);
	return out;
}

/* ---- pinned mode ---- */

/* @dir/@name into @out, or -ENAMETOOLONG. */
static int pin_path(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

/* The names maps are pinned under: bpffs refuses dots, so .data.wakeup becomes "wakeup". */
static const char *const rd_pinned_maps[][2] = {
	{ "events", "events" },
	{ "tracked", "tracked" },
	{ "counters", "counters" },
	{ ".data.wakeup", "wakeup" },
	{ "meta", "meta" },
};

/*
 * Pins the maps and then the links of a loaded, attached probe under @dir, which Java
 * created with a links/ directory in it. Java writes the meta record's complete flag
 * after this returns, so a crash half-way leaves pins that the next reader recognises
 * as incomplete.
 */
JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_pin(
	JNIEnv *env, jclass cls, jlong handle, jstring jdir, jbyteArray jmeta)
{
	struct rd_probe *p = probe_of(handle);
	struct rd_meta meta = {};
	char path[PATH_MAX] = "", links[PATH_MAX];
	const char *dir;
	__u32 zero = 0;
	int err = 0;

	if ((*env)->GetArrayLength(env, jmeta) != sizeof(meta)) {
		throw_probe(env, EINVAL, "the meta record must be %zu bytes", sizeof(meta));
		return;
	}
	/* The record (not yet complete) goes in before any pin, so no pinned meta is ever blank. */
	(*env)->GetByteArrayRegion(env, jmeta, 0, sizeof(meta), (jbyte *)&meta);
	if (bpf_map_update_elem(bpf_object__find_map_fd_by_name(p->obj, "meta"), &zero, &meta, BPF_ANY)) {
		err = errno;
		throw_probe(env, err, "cannot write the meta record: %s", strerror(err));
		return;
	}
	dir = (*env)->GetStringUTFChars(env, jdir, NULL);
	if (!dir)
		return;
	for (size_t i = 0; i < sizeof(rd_pinned_maps) / sizeof(rd_pinned_maps[0]) && !err; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(p->obj, rd_pinned_maps[i][0]);

		err = pin_path(path, sizeof(path), dir, rd_pinned_maps[i][1]);
		if (!err)
			err = map ? bpf_map__pin(map, path) : -ENOENT;
	}
	if (!err)
		err = pin_path(links, sizeof(links), dir, "links");
	for (int i = 0; i < p->nlinks && !err; i++) {
		err = pin_path(path, sizeof(path), links, p->link_names[i]);
		if (!err)
			err = bpf_link__pin(p->links[i], path);
	}
	if (err)
		throw_probe(env, -err, "cannot pin the eBPF programs in %s (at %s): %s", dir, path, strerror(-err));
	(*env)->ReleaseStringUTFChars(env, jdir, dir);
}

/* bpf_obj_get of @dir/@name, as a descriptor closed on exec. */
static int pinned_fd(const char *dir, const char *name)
{
	char path[PATH_MAX];
	int err = pin_path(path, sizeof(path), dir, name);

	if (err)
		return err;
	err = bpf_obj_get(path);
	return err < 0 ? -errno : err;
}

/*
 * A probe over programs pinned by an earlier reader under @dir: nothing is loaded or
 * attached. Maps the ring (reading resumes at its consumer position, so what came
 * while no one read is read first) and .data.wakeup, whose heartbeat it refreshes at
 * once so that idle programs start recording again.
 */
JNIEXPORT jlong JNICALL Java_io_runtimedetector_probe_NativeProbe_resume(
	JNIEnv *env, jclass cls, jstring jdir, jint variant)
{
	const char *dir = (*env)->GetStringUTFChars(env, jdir, NULL);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	struct rd_probe *p;
	const char *what = "the ring";
	int ring_fd, wakeup_fd = -1, err;
	void *m;

	if (!dir)
		return 0;
	p = calloc(1, sizeof(*p));
	if (!p) {
		(*env)->ReleaseStringUTFChars(env, jdir, dir);
		throw_probe(env, ENOMEM, "out of memory");
		return 0;
	}
	p->pinned = 1;
	p->variant = variant;
	p->ops = variant == RD_VARIANT_BPF_LOOP ? &rd_bpf_loop_ops : &rd_bounded_ops;
	ring_fd = pinned_fd(dir, "events");
	err = ring_fd < 0 ? ring_fd : ring_open(&p->rings[0], ring_fd);
	p->nrings = 1;
	if (!err) {
		what = "the tracked map";
		p->tracked_fd = err = pinned_fd(dir, "tracked");
	}
	if (err >= 0) {
		what = "the counters";
		p->counters_fd = err = pinned_fd(dir, "counters");
	}
	if (err >= 0) {
		what = "the wake-up map";
		wakeup_fd = err = pinned_fd(dir, "wakeup");
	}
	if (err >= 0)
		err = bpf_obj_get_info_by_fd(wakeup_fd, &info, &len) ? -errno : 0;
	if (!err) {
		long page = sysconf(_SC_PAGESIZE);

		p->wakeup_len = (info.value_size + page - 1) / page * page;
		m = mmap(NULL, p->wakeup_len, PROT_READ | PROT_WRITE, MAP_SHARED, wakeup_fd, 0);
		if (m == MAP_FAILED)
			err = -errno;
		else
			p->wakeup_map = m;
	}
	if (wakeup_fd >= 0)
		close(wakeup_fd);  /* the mapping keeps the map */
	if (!err) {
		what = "the reader's wake-ups";
		err = setup_reader(p);
	}
	if (err < 0) {
		throw_probe(env, -err, "cannot resume the pinned programs in %s (%s): %s", dir, what, strerror(-err));
		(*env)->ReleaseStringUTFChars(env, jdir, dir);
		probe_free(p);
		return 0;
	}
	p->reader_sleeping = (volatile __u32 *)((char *)p->wakeup_map + RD_WAKEUP_SLEEPING_OFF);
	p->heartbeat = (volatile __u64 *)((char *)p->wakeup_map + RD_WAKEUP_HEARTBEAT_OFF);
	p->previous_heartbeat = *p->heartbeat;
	*p->heartbeat = rd_now_ns();
	*p->reader_sleeping = 0;  /* a killed reader may have left it set */
	(*env)->ReleaseStringUTFChars(env, jdir, dir);
	return (jlong)(intptr_t)p;
}

/*
 * Adds the pinned ring at @path, of a generation being handed over, to what the reader
 * reads, from its consumer position on. Returns its index for commit.
 */
JNIEXPORT jint JNICALL Java_io_runtimedetector_probe_NativeProbe_addRing(
	JNIEnv *env, jclass cls, jlong handle, jstring jpath)
{
	struct rd_probe *p = probe_of(handle);
	const char *path;
	int fd, err;

	if (p->nrings == RD_MAX_RINGS) {
		throw_probe(env, E2BIG, "at most %d generations of pins can be handed over at once", RD_MAX_RINGS - 1);
		return -1;
	}
	path = (*env)->GetStringUTFChars(env, jpath, NULL);
	if (!path)
		return -1;
	fd = bpf_obj_get(path);
	err = fd < 0 ? -errno : ring_open(&p->rings[p->nrings], fd);
	if (err) {
		ring_close(&p->rings[p->nrings]);
		throw_probe(env, -err, "cannot map the pinned ring %s: %s", path, strerror(-err));
		(*env)->ReleaseStringUTFChars(env, jpath, path);
		return -1;
	}
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	return p->nrings++;
}

/*
 * Copies the processes tracked in the pinned map at @path (an older generation's) into
 * this probe's map, so that the FORK, FILE_OPEN and EXIT of processes the old programs
 * followed keep coming once they are detached. Run after this probe is attached: a
 * process that exits before the copy is then deleted from the old map by the old
 * programs and never copied, one that exits after it is seen by the new ones. Only the
 * instant between reading an entry and inserting it can leave a copy of an exited
 * process, which the second pass removes. Returns the number copied.
 */
JNIEXPORT jint JNICALL Java_io_runtimedetector_probe_NativeProbe_copyTracked(
	JNIEnv *env, jclass cls, jlong handle, jstring jpath, jint max)
{
	struct rd_probe *p = probe_of(handle);
	const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
	struct rd_tracked value, now;
	__u32 key, next, *keys;
	__u64 *starts;
	int old_fd, copied = 0, err;

	if (!path)
		return -1;
	old_fd = bpf_obj_get(path);
	if (old_fd < 0) {
		err = errno;
		throw_probe(env, err, "cannot open the pinned tracked map %s: %s", path, strerror(err));
		(*env)->ReleaseStringUTFChars(env, jpath, path);
		return -1;
	}
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	keys = calloc(max > 0 ? max : 1, sizeof(*keys));
	starts = calloc(max > 0 ? max : 1, sizeof(*starts));
	if (!keys || !starts) {
		free(keys);
		free(starts);
		close(old_fd);
		throw_probe(env, ENOMEM, "out of memory");
		return -1;
	}
	err = bpf_map_get_next_key(old_fd, NULL, &next);
	while (!err && copied < max) {
		key = next;
		if (!bpf_map_lookup_elem(old_fd, &key, &value)
		    && !bpf_map_update_elem(p->tracked_fd, &key, &value, BPF_NOEXIST)) {
			keys[copied] = key;
			starts[copied++] = value.start_boottime;
		}
		err = bpf_map_get_next_key(old_fd, &key, &next);
	}
	/*
	 * Second pass: a copy that the old programs have let go of meanwhile is of a process
	 * that exited (they delete only on exit), between our read and our insert, where the
	 * new programs could not delete it: unless the value changed, it is stale.
	 */
	for (int i = 0; i < copied; i++) {
		if (bpf_map_lookup_elem(old_fd, &keys[i], &value) && errno == ENOENT
		    && !bpf_map_lookup_elem(p->tracked_fd, &keys[i], &now) && now.start_boottime == starts[i])
			bpf_map_delete_elem(p->tracked_fd, &keys[i]);
	}
	free(keys);
	free(starts);
	close(old_fd);
	return copied;
}

/*
 * (pid, start_boottime) pairs of at most @max tracked processes, flattened: what a
 * restarted engine rebuilds the set of followed processes from.
 */
JNIEXPORT jlongArray JNICALL Java_io_runtimedetector_probe_NativeProbe_trackedEntries(
	JNIEnv *env, jclass cls, jlong handle, jint max)
{
	struct rd_probe *p = probe_of(handle);
	struct rd_tracked value;
	__u32 key, next;
	jlong *pairs;
	jlongArray out;
	jint n = 0;
	int err;

	pairs = calloc(max > 0 ? 2 * (size_t)max : 2, sizeof(*pairs));
	if (!pairs) {
		throw_probe(env, ENOMEM, "out of memory");
		return NULL;
	}
	err = bpf_map_get_next_key(p->tracked_fd, NULL, &next);
	while (!err && n < max) {
		key = next;
		if (!bpf_map_lookup_elem(p->tracked_fd, &key, &value)) {
			pairs[2 * n] = key;
			pairs[2 * n + 1] = (jlong)value.start_boottime;
			n++;
		}
		err = bpf_map_get_next_key(p->tracked_fd, &key, &next);
	}
	if (err && errno != ENOENT) {
		err = errno;
		free(pairs);
		throw_probe(env, err, "cannot read the tracked map: %s", strerror(err));
		return NULL;
	}
	out = (*env)->NewLongArray(env, 2 * n);
	if (out)
		(*env)->SetLongArrayRegion(env, out, 0, 2 * n, pairs);
	free(pairs);
	return out;
}

/* statfs(2)'s f_type of @path, or -1 with errno set when it cannot be asked. */
JNIEXPORT jlong JNICALL Java_io_runtimedetector_probe_NativeProbe_fsMagic(JNIEnv *env, jclass cls, jstring jpath)
{
	const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
	struct statfs st;
	jlong magic;

	if (!path)
		return -1;
	magic = statfs(path, &st) ? -1 : (jlong)(unsigned long)st.f_type;
	if (magic < 0)
		throw_probe(env, errno, "cannot statfs %s: %s", path, strerror(errno));
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	return magic;
}

/*
 * flock(LOCK_EX|LOCK_NB) on directory @path: one reader per pin directory. The lock
 * belongs to the open file description, so the kernel releases it when the process
 * dies, however. Returns the descriptor to keep, or -1 when someone else holds it.
 */
JNIEXPORT jint JNICALL Java_io_runtimedetector_probe_NativeProbe_lockDir(JNIEnv *env, jclass cls, jstring jpath)
{
	const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
	int fd, err;

	if (!path)
		return -1;
	/* O_CLOEXEC: a child the JVM starts must not inherit, and so hold, the lock. */
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		throw_probe(env, err, "cannot open %s: %s", path, strerror(err));
	} else if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno;
		close(fd);
		fd = -1;
		if (err != EWOULDBLOCK)
			throw_probe(env, err, "cannot lock %s: %s", path, strerror(err));
	}
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	return fd;
}

JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_closeFd(JNIEnv *env, jclass cls, jint fd)
{
	if (fd >= 0)
		close(fd);
}

/* The value at @key of the pinned map at @path, or null when there is no such pin. */
JNIEXPORT jbyteArray JNICALL Java_io_runtimedetector_probe_NativeProbe_mapValue(
	JNIEnv *env, jclass cls, jstring jpath, jint key)
{
	const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), k = key;
	jbyteArray out = NULL;
	void *value = NULL;
	int fd, err = 0;

	if (!path)
		return NULL;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = errno == ENOENT ? 0 : errno;
		goto done;
	}
	if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = errno;
		goto done;
	}
	value = calloc(1, info.value_size);
	if (!value) {
		err = ENOMEM;
		goto done;
	}
	if (bpf_map_lookup_elem(fd, &k, value)) {
		err = errno;
		goto done;
	}
	out = (*env)->NewByteArray(env, info.value_size);
	if (out)
		(*env)->SetByteArrayRegion(env, out, 0, info.value_size, value);
done:
	if (err)
		throw_probe(env, err, "cannot read the pinned map %s: %s", path, strerror(err));
	free(value);
	if (fd >= 0)
		close(fd);
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	return out;
}

/* Replaces the value at @key of the pinned map at @path (whose value is as long as @value). */
JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_setMapValue(
	JNIEnv *env, jclass cls, jstring jpath, jint key, jbyteArray jvalue)
{
	const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
	struct bpf_map_info info = {};
	__u32 len = sizeof(info), k = key;
	jsize n = (*env)->GetArrayLength(env, jvalue);
	jbyte *value;
	int fd, err = 0;

	if (!path)
		return;
	fd = bpf_obj_get(path);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		err = errno;
	} else if ((__u32)n != info.value_size) {
		err = EINVAL;
	} else {
		value = (*env)->GetByteArrayElements(env, jvalue, NULL);
		if (value) {
			if (bpf_map_update_elem(fd, &k, value, BPF_ANY))
				err = errno;
			(*env)->ReleaseByteArrayElements(env, jvalue, value, JNI_ABORT);
		}
	}
	if (err)
		throw_probe(env, err, "cannot write the pinned map %s (%d bytes): %s", path, (int)n, strerror(err));
	if (fd >= 0)
		close(fd);
	(*env)->ReleaseStringUTFChars(env, jpath, path);
}

/* Sums of a per-CPU counters map over its CPUs, indexed by enum rd_counter. */
static int sum_counters(int fd, jlong *sums)
{
	int ncpu = libbpf_num_possible_cpus();
	__u64 *values;

	if (ncpu <= 0)
		return ncpu;
	values = calloc(ncpu, sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (__u32 slot = 0; slot < RD_CNT__MAX; slot++) {
		sums[slot] = 0;
		if (bpf_map_lookup_elem(fd, &slot, values))
			continue;
		for (int c = 0; c < ncpu; c++)
			sums[slot] += values[c];
	}
	free(values);
	return 0;
}

/* The counters map pinned at @path, summed; null when there is no such pin. */
JNIEXPORT jlongArray JNICALL Java_io_runtimedetector_probe_NativeProbe_pinnedCounters(
	JNIEnv *env, jclass cls, jstring jpath)
{
	const char *path = (*env)->GetStringUTFChars(env, jpath, NULL);
	jlong sums[RD_CNT__MAX] = {};
	jlongArray out = NULL;
	int fd, err;

	if (!path)
		return NULL;
	fd = bpf_obj_get(path);
	if (fd < 0) {
		err = errno;
		if (err != ENOENT)
			throw_probe(env, err, "cannot open the pinned counters %s: %s", path, strerror(err));
	} else if ((err = sum_counters(fd, sums))) {
		throw_probe(env, -err, "cannot read the pinned counters %s: %s", path, strerror(-err));
	} else {
		out = (*env)->NewLongArray(env, RD_CNT__MAX);
		if (out)
			(*env)->SetLongArrayRegion(env, out, 0, RD_CNT__MAX, sums);
	}
	if (fd >= 0)
		close(fd);
	(*env)->ReleaseStringUTFChars(env, jpath, path);
	return out;
}

/* The variant AUTO resolves to on this kernel, or @requested itself. */
JNIEXPORT jint JNICALL Java_io_runtimedetector_probe_NativeProbe_chooseVariant(JNIEnv *env, jclass cls, jint requested)
{
	return choose_variant(requested);
}

/* The BPF object a variant's skeleton embeds: part of what names a generation of pins. */
JNIEXPORT jbyteArray JNICALL Java_io_runtimedetector_probe_NativeProbe_objectBytes(JNIEnv *env, jclass cls, jint variant)
{
	const struct rd_skel_ops *ops = variant == RD_VARIANT_BPF_LOOP ? &rd_bpf_loop_ops : &rd_bounded_ops;
	size_t size = 0;
	const void *bytes = ops->elf_bytes(&size);
	jbyteArray out = (*env)->NewByteArray(env, size);

	if (out)
		(*env)->SetByteArrayRegion(env, out, 0, size, bytes);
	return out;
}
