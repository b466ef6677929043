package io.runtimedetector;

import io.runtimedetector.event.EventType;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The detector's self-metrics at one moment: what came from the kernel, what went out,
 * and every place where something was kept back or lost, each under its own name.
 *
 * @param rawEvents         raw events received from the kernel, by type
 * @param emitted           events handed to consumers, by type
 * @param filtered          raw events or processes kept from consumers, by reason
 * @param kernelLost        events the kernel dropped because the ring buffer was full
 * @param trackOverflows    processes that could not be followed because the tracked map was full
 * @param decodeErrors      ring-buffer records that could not be decoded
 * @param procReadErrors    /proc reads that failed for another reason than the process being gone
 * @param envUnreadable     processes passed on because their environment could not be read
 * @param pendingDropped    events of not-yet-reported processes discarded (ended early, or over the bound)
 * @param outputDropped     events dropped because the consumers were too slow
 * @param sinkDropped       events dropped by sinks that could not keep up, over all sinks
 * @param lostExits         processes whose EXIT never came because the kernel lost it
 * @param liveProcesses     processes followed now
 * @param procReads         /proc reads the kernel's records left to the engine
 * @param internalErrors    inputs the engine failed to handle (a bug; logged, the engine carries on)
 * @param readerQueue       the queue between the ring-buffer reader and the engine
 * @param programVariant    which build of the eBPF programs the kernel runs ("bpf-loop",
 *                          "bounded-loop"; "" before start)
 * @param execRecordBytes   average size of an EXEC record out of the ring buffer
 * @param exitRecordBytes   average size of an EXIT record out of the ring buffer
 * @param containers        attribution of processes to containers and pods
 * @param restarts          what was taken over from the previous detector
 */
public record DetectorMetrics(
        Map<EventType, Long> rawEvents,
        Map<EventType, Long> emitted,
        Map<FilterReason, Long> filtered,
        long kernelLost,
        long trackOverflows,
        long decodeErrors,
        long procReadErrors,
        long envUnreadable,
        long pendingDropped,
        long outputDropped,
        long sinkDropped,
        long lostExits,
        int liveProcesses,
        ProcReadMetrics procReads,
        long internalErrors,
        ReaderQueueMetrics readerQueue,
        String programVariant,
        double execRecordBytes,
        double exitRecordBytes,
        ContainerMetrics containers,
        RestartMetrics restarts) {

    public DetectorMetrics {
        procReads = procReads == null ? ProcReadMetrics.NONE : procReads;
        readerQueue = readerQueue == null ? ReaderQueueMetrics.NONE : readerQueue;
        containers = containers == null ? ContainerMetrics.NONE : containers;
        restarts = restarts == null ? RestartMetrics.NONE : restarts;
        rawEvents = Map.copyOf(rawEvents);
        emitted = Map.copyOf(emitted);
        filtered = Map.copyOf(filtered);
        programVariant = programVariant == null ? "" : programVariant;
    }

    public long rawEvents(EventType type) {
        return rawEvents.getOrDefault(type, 0L);
    }

    public long emitted(EventType type) {
        return emitted.getOrDefault(type, 0L);
    }

    public long filtered(FilterReason reason) {
        return filtered.getOrDefault(reason, 0L);
    }

    /** One log line: every counter, in a fixed order, as name=value. */
    public String summary() {
        return "raw{" + line(rawEvents, EventType.values()) + "}"
                + " emitted{" + line(emitted, EventType.values()) + "}"
                + " filtered{" + line(filtered, FilterReason.values()) + "}"
                + " kernel_lost=" + kernelLost
                + " track_overflows=" + trackOverflows
                + " decode_errors=" + decodeErrors
                + " proc_read_errors=" + procReadErrors
                + " env_unreadable=" + envUnreadable
                + " pending_dropped=" + pendingDropped
                + " output_dropped=" + outputDropped
                + " sink_dropped=" + sinkDropped
                + " lost_exits=" + lostExits
                + " live=" + liveProcesses
                + " " + procReads.summary()
                + " internal_errors=" + internalErrors
                + " " + readerQueue.summary()
                + " program=" + (programVariant.isEmpty() ? "-" : programVariant)
                + String.format(java.util.Locale.ROOT, " record_bytes{exec=%.0f exit=%.0f}", execRecordBytes,
                        exitRecordBytes)
                + " " + containers.summary()
                + " " + restarts.summary();
    }

    private static <E extends Enum<E>> String line(Map<E, Long> counts, E[] order) {
        return java.util.Arrays.stream(order)
                .map(e -> e.name().toLowerCase(java.util.Locale.ROOT) + "=" + counts.getOrDefault(e, 0L))
                .collect(Collectors.joining(" "));
    }
}
