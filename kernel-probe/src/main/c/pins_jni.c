// SPDX-License-Identifier: Apache-2.0
/*
 * The JNI calls of pinned mode (KernelProbe with ProbeConfig.pinDir): pinning a loaded
 * probe, resuming pinned programs without loading anything, reading the rings of
 * generations being handed over, committing released batches, and the small bpffs and
 * map accessors the Java side builds the pin directory's handling on.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/statfs.h>

#include "rd_probe.h"
#include "io_runtimedetector_probe_NativeProbe.h"

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

/* The heartbeat a resumed probe found before its own first one; 0 for a loaded probe. */
JNIEXPORT jlong JNICALL Java_io_runtimedetector_probe_NativeProbe_previousHeartbeat(
	JNIEnv *env, jclass cls, jlong handle)
{
	return (jlong)probe_of(handle)->previous_heartbeat;
}

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
	p->ops = skel_ops(variant);
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
	p->reader_sleeping = (volatile __u32 *)((char *)p->wakeup_map + rd_wakeup_sleeping_off);
	p->heartbeat = (volatile __u64 *)((char *)p->wakeup_map + rd_wakeup_heartbeat_off);
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
	const struct rd_skel_ops *ops = skel_ops(variant);
	size_t size = 0;
	const void *bytes = ops->elf_bytes(&size);
	jbyteArray out = (*env)->NewByteArray(env, size);

	if (out)
		(*env)->SetByteArrayRegion(env, out, 0, size, bytes);
	return out;
}
