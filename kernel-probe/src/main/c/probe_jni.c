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
 * The ring buffer is read by a consumer of this library's own (rd_ring.c), which commits
 * records only when Java says so in pinned mode; pinned mode's own calls are in pins_jni.c.
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
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <jni.h>

#include "rd_event.h"
#include "rd_probe.h"
#include "rd_bpf_loop.skel.h"
#include "rd_bounded.skel.h"
#include "io_runtimedetector_probe_NativeProbe.h"

#define RD_PROBE_EXCEPTION  "io/runtimedetector/probe/ProbeException"
#define RD_PRIV_EXCEPTION   "io/runtimedetector/probe/InsufficientPrivilegesException"
#define RD_PRIV_SENTENCE \
	"runtime-detector needs root or the capabilities CAP_BPF and CAP_PERFMON (or CAP_SYS_ADMIN) to load its eBPF programs"

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
const size_t rd_wakeup_sleeping_off = RD_WAKEUP_SLEEPING_OFF;
const size_t rd_wakeup_heartbeat_off = RD_WAKEUP_HEARTBEAT_OFF;

const struct rd_skel_ops *skel_ops(int variant)
{
	return variant == RD_VARIANT_BPF_LOOP ? &rd_bpf_loop_ops : &rd_bounded_ops;
}

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

void throw_probe(JNIEnv *env, int err, const char *fmt, ...)
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

/*
 * Frees everything this process holds. A pinned link or map outlives it: closing our
 * descriptor drops only our reference, the pin keeps the programs attached.
 */
void probe_free(struct rd_probe *p)
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

/*
 * bpf_loop() arrived in 5.17; any program type that has the base helpers can tell.
 * A probe that cannot decide (an error) picks the variant every kernel takes.
 */
int choose_variant(int requested)
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
int setup_reader(struct rd_probe *p)
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

/* Stores the heartbeat now; the reader thread calls it while it waits for queue room. */
JNIEXPORT void JNICALL Java_io_runtimedetector_probe_NativeProbe_heartbeat(JNIEnv *env, jclass cls, jlong handle)
{
	struct rd_probe *p = probe_of(handle);

	if (p->heartbeat)
		*p->heartbeat = rd_now_ns();
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

/* Sums of a per-CPU counters map over its CPUs, indexed by enum rd_counter. */
int sum_counters(int fd, jlong *sums)
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

