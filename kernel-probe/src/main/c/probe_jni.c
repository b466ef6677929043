// SPDX-License-Identifier: Apache-2.0
/*
 * The JNI surface of the kernel probe: open+load, attach, poll a batch, tracked-map
 * calls, counters, close. Java owns the lifecycle and serialises calls on one
 * handle (poll runs on the reader thread; close waits for it), so no locking here
 * beyond the libbpf log capture, which is process-global.
 *
 * The eBPF objects come in through their libbpf skeletons (bpf/Makefile), one per
 * program variant; which one loads is decided here by probing the kernel.
 */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
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
	static const struct rd_skel_ops name##_ops = {                                 \
		name##_open, name##_load, name##_destroy, name##_object,               \
		name##_config, name##_sleeping,                                        \
	}

RD_SKEL_OPS(rd_bpf_loop);
RD_SKEL_OPS(rd_bounded);

struct rd_probe {
	const struct rd_skel_ops *ops;
	void *skel;
	int variant;
	struct bpf_object *obj;
	struct ring_buffer *rb;
	struct bpf_link *links[RD_MAX_LINKS];
	int nlinks;
	int tracked_fd;
	int counters_fd;
	/* Adaptive wake-up (NULL when waking per event): see rd_reader_sleeping. */
	volatile __u32 *reader_sleeping;
	/* Storm mode: no wake-up per event, a drain every drain_ms. */
	int draining;
	/* The last drain filled the batch: the rest is taken at once, not a drain later. */
	int left_behind;
	/* When the kernel last woke the reader, CLOCK_MONOTONIC ns. */
	__u64 last_wake_ns;
	/* Readable once close begins, so a reader blocked in epoll returns at once. */
	int stop_fd;
	/* Storm-mode drains wait here: see attach. */
	int drain_fd;
	/* The batch being filled by the current poll call. */
	unsigned char *batch;
	size_t batch_cap;
	size_t batch_used;
	int batch_records;
};

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

static void probe_free(struct rd_probe *p)
{
	for (int i = 0; i < p->nlinks; i++)
		bpf_link__destroy(p->links[i]);
	ring_buffer__free(p->rb);
	if (p->stop_fd > 0)
		close(p->stop_fd);
	if (p->drain_fd > 0)
		close(p->drain_fd);
	if (p->skel)
		p->ops->destroy(p->skel);
	free(p);
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
	jobjectArray env_keys, jobjectArray excluded, jobjectArray watched_paths, jlongArray watched_inodes)
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

static int on_sample(void *ctx, void *data, size_t size)
{
	struct rd_probe *p = ctx;
	__u32 hdr[2] = { (__u32)size, 0 };
	size_t padded = (size + 7u) & ~(size_t)7u;

	memcpy(p->batch + p->batch_used, hdr, sizeof(hdr));
	memcpy(p->batch + p->batch_used + RD_RECORD_HDR, data, size);
	p->batch_used += RD_RECORD_HDR + padded;
	p->batch_records++;
	/*
	 * A sample is consumed once this callback runs, whatever it returns, so stop
	 * while the next one is still certain to fit.
	 */
	if (p->batch_cap - p->batch_used < RD_RECORD_MAX)
		return RD_BATCH_FULL;
	return 0;
}

JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_attach(JNIEnv *env, jclass cls, jlong handle)
{
	struct rd_probe *p = probe_of(handle);
	struct bpf_program *prog;
	int err;

	int ring_fd = bpf_object__find_map_fd_by_name(p->obj, "events");

	p->rb = ring_buffer__new(ring_fd, on_sample, p, NULL);
	if (!p->rb) {
		err = errno;
		throw_probe(env, err, "cannot open the ring buffer: %s", strerror(err));
		return;
	}
	/* data.fd is libbpf's ring index: the stop event just makes it look at ring 0. */
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = 0 };
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->stop_fd < 0 || epoll_ctl(ring_buffer__epoll_fd(p->rb), EPOLL_CTL_ADD, p->stop_fd, &ev)) {
		err = errno;
		throw_probe(env, err, "cannot set up the reader's stop signal: %s", strerror(err));
		return;
	}
	/*
	 * What a storm-mode drain sleeps on: the stop signal, and the ring edge-triggered,
	 * so that only the kernel's early wake-up (past wakeup_bytes) cuts the sleep short;
	 * level-triggered, the ring would be ready all through the storm.
	 */
	struct epoll_event stop_ev = { .events = EPOLLIN, .data.u32 = 0 };
	struct epoll_event ring_ev = { .events = EPOLLIN | EPOLLET, .data.u32 = 1 };
	p->drain_fd = epoll_create1(EPOLL_CLOEXEC);
	if (p->drain_fd < 0 || epoll_ctl(p->drain_fd, EPOLL_CTL_ADD, p->stop_fd, &stop_ev)
	    || epoll_ctl(p->drain_fd, EPOLL_CTL_ADD, ring_fd, &ring_ev)) {
		err = errno;
		throw_probe(env, err, "cannot set up the reader's drain timer: %s", strerror(err));
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
		p->links[p->nlinks++] = link;
	}
}

/* A drain that found fewer records than this: the storm is over. */
#define RD_BUSY_RECORDS 4
/* Two wake-ups closer together than this: a storm began. */
#define RD_STORM_GAP_NS 2000000ULL

static __u64 rd_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + (__u64)ts.tv_nsec;
}

/*
 * Per-event wake-ups cost a context switch each, here and on every thread the batch
 * then passes, so in adaptive mode the reader has two states. Quiet: it flags itself
 * sleeping and the kernel wakes it for each record, so a lone event is delivered at
 * once. Storm (two wake-ups within RD_STORM_GAP_NS): the kernel wakes nobody and the
 * reader takes what came every @drain_ms, until a drain finds fewer than
 * RD_BUSY_RECORDS records. The drain sleeps on drain_fd, where only the stop signal
 * and the kernel's early wake-up (past wakeup_bytes) end it early.
 */
static int rd_poll(struct rd_probe *p, int timeout_ms, int drain_ms)
{
	int n;

	if (!p->reader_sleeping) {
		n = ring_buffer__consume(p->rb);
		return n != 0 ? n : ring_buffer__poll(p->rb, timeout_ms);
	}
	if (p->draining) {
		if (!p->left_behind) {
			struct epoll_event ev[2];

			if (epoll_wait(p->drain_fd, ev, 2, drain_ms) < 0 && errno != EINTR)
				return -errno;
		}
		n = ring_buffer__consume(p->rb);
		p->left_behind = n == RD_BATCH_FULL;
		if (!p->left_behind && p->batch_records < RD_BUSY_RECORDS)
			p->draining = 0;
		return n;
	}
	*p->reader_sleeping = 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	/* An event submitted before the flag was visible did not wake us: take it now. */
	n = ring_buffer__consume(p->rb);
	if (n == 0)
		n = ring_buffer__poll(p->rb, timeout_ms);
	*p->reader_sleeping = 0;
	if (p->batch_records > 0) {
		__u64 now = rd_now_ns();

		if (now - p->last_wake_ns < RD_STORM_GAP_NS || n == RD_BATCH_FULL) {
			p->draining = 1;
			p->left_behind = n == RD_BATCH_FULL;
		}
		p->last_wake_ns = now;
	}
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
	int ncpu = libbpf_num_possible_cpus();
	jlong sums[RD_CNT__MAX] = {};
	jlongArray out;
	__u64 *values;

	if (ncpu <= 0) {
		throw_probe(env, -ncpu, "cannot count CPUs: %s", strerror(-ncpu));
		return NULL;
	}
	values = calloc(ncpu, sizeof(*values));
	if (!values) {
		throw_probe(env, ENOMEM, "out of memory");
		return NULL;
	}
	for (__u32 slot = 0; slot < RD_CNT__MAX; slot++) {
		if (bpf_map_lookup_elem(p->counters_fd, &slot, values))
			continue;
		for (int c = 0; c < ncpu; c++)
			sums[slot] += values[c];
	}
	free(values);
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
