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
            byte[][] watchedPaths, long[] watchedInodes);

    static native void attach(long handle);

    /**
     * Waits up to {@code timeoutMillis} for events and copies them into {@code batch}
     * as records of {@code u32 length, u32 reserved, payload padded to 8}. With
     * adaptive wake-ups, waits only {@code drainMillis} while events keep coming.
     *
     * @return bytes written
     */
    static native int poll(long handle, ByteBuffer batch, int timeoutMillis, int drainMillis);

    /** Makes a {@link #poll} in progress, and every later one, return at once. */
    static native void wakeReader(long handle);

    /** @return 0, or a negative errno (-E2BIG when the tracked map is full) */
    static native int track(long handle, int pid, long startBootTimeNs, int nsPid);

    static native void untrack(long handle, int pid);

    /** @return the innermost-namespace pid stored for a tracked pid, -1 if not tracked */

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
