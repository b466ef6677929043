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

    /** Which build of the kernel programs runs, for logs and metrics; a probe without a kernel says so. */
    default String programVariant() {
        return "none";
    }

    /**
     * The batch's events have reached the sinks' buffers. In pinned mode the kernel probe
     * advances the ring's consumer position past it only now, so that a crash redelivers
     * what had not got that far. Batches are released in the order {@link #events()}
     * delivered them. The default does nothing.
     */
    default void release(List<RawEvent> batch) {
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
