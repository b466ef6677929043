package io.runtimedetector.probe;

import java.nio.ByteBuffer;

/**
 * The JNI surface (probe_jni.c). One handle per loaded probe; calls on a handle are
 * serialised by {@link KernelProbe} except {@link #poll}, which only the reader thread
 * makes and which {@link #close} waits for.
 */
final class NativeProbe {

    private NativeProbe() {
    }

    /**
     * Opens the skeleton of {@code variant} (a {@link BpfVariant} ordinal; AUTO probes the
     * kernel), configures .rodata and map sizes, loads, fills the filter maps.
     */
    static native long open(int variant, byte[] envPrefix, long pidNamespaceInode, int trackedCapacity,
            int ringBufferBytes, int wakeupBytes, int envMaxSteps, byte[][] envKeys, byte[][] excludedPaths,
            byte[][] watchedPaths, long[] watchedInodes, long heartbeatTimeoutNs, boolean pinned);

    /** Maps the ring and attaches every loaded program through a link this process holds. */
    static native void attach(long handle);

    /**
     * Writes {@code meta} (a {@link PinMeta} record) into the probe's meta map, then pins the maps
     * and links of the attached probe under {@code dir} (which has a links/ directory).
     */
    static native void pin(long handle, String dir, byte[] meta);

    /** A probe over the programs pinned under {@code dir}: nothing loaded; the heartbeat refreshed. */
    static native long resume(String dir, int variant);

    /** Adds the pinned ring at {@code ringPin}, of a generation handed over, to the reader: its index. */
    static native int addRing(long handle, String ringPin);

    /** Copies up to {@code max} entries of the pinned tracked map at {@code trackedPin} into the probe's. */
    static native int copyTracked(long handle, String trackedPin, int max);

    /** The ring the last {@link #poll} batch came from (0: the probe's own). Reader thread only. */
    static native int batchRing(long handle);

    /** That ring's read position after the last batch. Reader thread only. */
    static native long batchEnd(long handle);

    /** Lets the kernel reuse {@code ring} up to {@code position} (pinned mode). */
    static native void commit(long handle, int ring, long position);

    /** Bytes written to {@code ring} and not yet committed. */
    static native long pendingBytes(long handle, int ring);

    /** Whether the reader read a ring handed over to its end. */
    static native boolean ringEnded(long handle, int ring);

    /** Unmaps an ended ring handed over. */
    static native void dropRing(long handle, int ring);

    /** Stores the reader's heartbeat now (pinned mode; a no-op otherwise). */
    static native void heartbeat(long handle);

    /** The heartbeat a resumed probe found, CLOCK_MONOTONIC ns; 0 for a loaded one. */
    static native long previousHeartbeat(long handle);

    /** CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns(), in ns. */
    static native long monotonicNs();

    /** The filesystem type (statfs f_type) of {@code path}. */
    static native long fsMagic(String path);

    /** flock(LOCK_EX|LOCK_NB) on the directory: the descriptor holding it, -1 when another holds it. */
    static native int lockDir(String path);

    static native void closeFd(int fd);

    /** The value at {@code key} of the pinned map, null when nothing is pinned there. */
    static native byte[] mapValue(String pin, int key);

    static native void setMapValue(String pin, int key, byte[] value);

    /** The pinned counters map summed over CPUs, null when nothing is pinned there. */
    static native long[] pinnedCounters(String pin);

    /** The {@link BpfVariant} ordinal AUTO means on this kernel, or {@code requested} itself. */
    static native int chooseVariant(int requested);

    /** The BPF object the skeleton of a variant embeds. */
    static native byte[] objectBytes(int variant);

    /** Up to {@code max} (pid, start_boottime) pairs of the tracked map, flattened. */
    static native long[] trackedEntries(long handle, int max);

    /**
     * Waits up to {@code timeoutMillis} for events and copies them into {@code batch}
     * as records of {@code u32 length, u32 reserved, payload padded to 8}. With
     * adaptive wake-ups, waits only {@code drainMillis} while events keep coming. A batch
     * comes from one ring ({@link #batchRing}, rings handed over first); unpinned, its
     * records are committed as they are copied, pinned only by {@link #commit}.
     *
     * @return bytes written
     */
    static native int poll(long handle, ByteBuffer batch, int timeoutMillis, int drainMillis);

    /** Makes a {@link #poll} in progress, and every later one, return at once. */
    static native void wakeReader(long handle);

    /** @return 0, or a negative errno (-E2BIG when the tracked map is full) */
    static native int track(long handle, int pid, long startBootTimeNs, int nsPid);

    static native void untrack(long handle, int pid);

    /** The kernel counters, summed over CPUs, indexed by {@code enum rd_counter}. */
    static native long[] counters(long handle);

    /** The {@link BpfVariant} ordinal that was loaded. */
    static native int variant(long handle);

    static native void close(long handle);

    /** sizeof/offsetof values of the shared header, for {@link EventLayout} checks. */
    static native int[] layout();

    /** Up to {@code max} pids now in the tracked map (a pid may repeat if the map changes meanwhile). */
    static native int[] trackedPids(long handle, int max);
}
