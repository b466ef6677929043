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
 * @param execProcReads     EXECs whose kernel record was incomplete, so that /proc was read for them
 *                          (their share of {@code rawEvents(EXEC)} is what the kernel could not tell)
 * @param procExeReads      /proc/PID/exe reads: the kernel could not resolve the executable path
 * @param procEnvValueReads /proc/PID/environ reads for values: keys beyond the kernel's limit, cut or unread values
 * @param procEnvPrefixReads /proc/PID/environ reads for the prefix: the kernel was unsure
 * @param procCmdlineReads  /proc/PID/cmdline reads: the kernel's argv was cut
 * @param procAliveChecks   /proc reads of liveness only (scanned processes, untrackable ones)
 * @param internalErrors    inputs the engine failed to handle (a bug; logged, the engine carries on)
 * @param readerQueueCapacity  events the probe's reader queue holds at most
 * @param readerQueueDepth     events waiting in it now
 * @param readerQueueHighWater the most events it ever held
 * @param readerQueueFullWaits times the reader found it full and stopped draining the ring buffer
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
        long execProcReads,
        long procExeReads,
        long procEnvValueReads,
        long procEnvPrefixReads,
        long procCmdlineReads,
        long procAliveChecks,
        long internalErrors,
        int readerQueueCapacity,
        int readerQueueDepth,
        int readerQueueHighWater,
        long readerQueueFullWaits,
        String programVariant,
        double execRecordBytes,
        double exitRecordBytes,
        ContainerMetrics containers,
        RestartMetrics restarts) {

    /** Metrics of a detector that took nothing over from a previous one. */
    public DetectorMetrics(Map<EventType, Long> rawEvents, Map<EventType, Long> emitted,
            Map<FilterReason, Long> filtered, long kernelLost, long trackOverflows, long decodeErrors,
            long procReadErrors, long envUnreadable, long pendingDropped, long outputDropped, long sinkDropped,
            long lostExits, int liveProcesses, long execProcReads, long procExeReads, long procEnvValueReads,
            long procEnvPrefixReads, long procCmdlineReads, long procAliveChecks, long internalErrors,
            int readerQueueCapacity, int readerQueueDepth, int readerQueueHighWater, long readerQueueFullWaits,
            String programVariant, double execRecordBytes, double exitRecordBytes, ContainerMetrics containers) {
        this(rawEvents, emitted, filtered, kernelLost, trackOverflows, decodeErrors, procReadErrors, envUnreadable,
                pendingDropped, outputDropped, sinkDropped, lostExits, liveProcesses, execProcReads, procExeReads,
                procEnvValueReads, procEnvPrefixReads, procCmdlineReads, procAliveChecks, internalErrors,
                readerQueueCapacity, readerQueueDepth, readerQueueHighWater, readerQueueFullWaits, programVariant,
                execRecordBytes, exitRecordBytes, containers, RestartMetrics.NONE);
    }

    /** Metrics without container attribution. */
    public DetectorMetrics(Map<EventType, Long> rawEvents, Map<EventType, Long> emitted,
            Map<FilterReason, Long> filtered, long kernelLost, long trackOverflows, long decodeErrors,
            long procReadErrors, long envUnreadable, long pendingDropped, long outputDropped, long sinkDropped,
            long lostExits, int liveProcesses, long execProcReads, long procExeReads, long procEnvValueReads,
            long procEnvPrefixReads, long procCmdlineReads, long procAliveChecks, long internalErrors,
            int readerQueueCapacity, int readerQueueDepth, int readerQueueHighWater, long readerQueueFullWaits,
            String programVariant, double execRecordBytes, double exitRecordBytes) {
        this(rawEvents, emitted, filtered, kernelLost, trackOverflows, decodeErrors, procReadErrors, envUnreadable,
                pendingDropped, outputDropped, sinkDropped, lostExits, liveProcesses, execProcReads, procExeReads,
                procEnvValueReads, procEnvPrefixReads, procCmdlineReads, procAliveChecks, internalErrors,
                readerQueueCapacity, readerQueueDepth, readerQueueHighWater, readerQueueFullWaits, programVariant,
                execRecordBytes, exitRecordBytes, ContainerMetrics.NONE);
    }

    public DetectorMetrics {
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
                + " exec_proc_reads=" + execProcReads
                + " proc_reads{exe=" + procExeReads + " env_values=" + procEnvValueReads
                + " env_prefix=" + procEnvPrefixReads + " cmdline=" + procCmdlineReads
                + " alive=" + procAliveChecks + "}"
                + " internal_errors=" + internalErrors
                + " reader_queue{capacity=" + readerQueueCapacity + " depth=" + readerQueueDepth
                + " high_water=" + readerQueueHighWater + " full_waits=" + readerQueueFullWaits + "}"
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
