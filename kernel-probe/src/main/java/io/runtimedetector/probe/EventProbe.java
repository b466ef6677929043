package io.runtimedetector.probe;

import java.util.List;
import java.util.Map;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * What the engine needs from a probe: the raw events and the tracked set. Implemented
 * by {@link KernelProbe}; tests implement it with synthetic events and no kernel.
 */
public interface EventProbe extends AutoCloseable {

    /**
     * The raw events, once, in the batches the reader drained them in (never empty), so
     * that a consumer pays per batch, not per event. The source backpressures: while
     * downstream does not pull, batches wait in the reader's bounded queue, and past it
     * the reader stops draining the ring buffer and the kernel counts what it drops.
     * It completes when the probe is closed and fails on a fatal probe error.
     */
    Source<List<RawEvent>, NotUsed> events();

    /**
     * Reports FORK, FILE_OPEN and EXIT of this process from now on.
     *
     * @return false when the tracked map is full (counted in {@link ProbeCounters#trackFull()})
     */
    boolean track(int pid, long startBootTimeNs);

    /** Stops reporting this process; a no-op for one that is not tracked. */
    void untrack(int pid);

    ProbeCounters counters();

    /**
     * Says that every event of {@code batch}, a list {@link #events()} emitted (the same
     * instance), has reached the sinks' buffers, so the probe may let go of it. Batches
     * must be released in the order {@link #events()} delivered them; releasing one
     * releases nothing before it implicitly, so a skipped batch is an error, as is a list
     * that did not come from this probe or was released already.
     *
     * <p>Only a pinned {@link KernelProbe} needs it: it commits a batch's records in the
     * kernel's ring buffer only here, so what was delivered but never released is read
     * again by the next probe after a crash (at least once; see
     * {@link KernelProbe#release}). Other probes ignore it, which is the default. A call
     * after {@link #close()} is ignored.
     *
     * @throws IllegalArgumentException when {@code batch} is not the oldest unreleased batch
     */
    default void release(List<RawEvent> batch) {
    }

    /** Which build of the kernel programs runs, for logs and metrics; a probe without a kernel says so. */
    default String programVariant() {
        return "none";
    }

    /**
     * Processes the kernel already follows when the probe opens (pinned mode: the
     * predecessor's), pid &rarr; start_boottime ns. The default: none.
     */
    default Map<Integer, Long> trackedProcesses() {
        return Map.of();
    }

    /** Detaches everything and frees native memory; idempotent. Completes {@link #events()}. */
    @Override
    void close();
}
