package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.probe.RawEventType;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The engine's counters. Incremented from many actors at once, so every cell is a
 * {@link LongAdder}; readers get a consistent-enough snapshot, never a lock.
 */
final class EngineCounters {

    private final Map<RawEventType, LongAdder> raw = cells(RawEventType.class);
    private final Map<EventType, LongAdder> emitted = cells(EventType.class);
    private final Map<FilterReason, LongAdder> filtered = cells(FilterReason.class);
    private final LongAdder procReadErrors = new LongAdder();
    private final LongAdder envUnreadable = new LongAdder();
    private final LongAdder pendingDropped = new LongAdder();
    private final LongAdder outputDropped = new LongAdder();
    private final LongAdder lostExits = new LongAdder();
    private final LongAdder trackFailures = new LongAdder();
    /** Followed processes whose lifecycle an actor hosts now (the others wait on nothing). */
    private volatile int hostedProcesses;
    private final LongAdder execProcReads = new LongAdder();
    private final LongAdder procExeReads = new LongAdder();
    private final LongAdder procEnvValueReads = new LongAdder();
    private final LongAdder procEnvPrefixReads = new LongAdder();
    private final LongAdder procCmdlineReads = new LongAdder();
    private final LongAdder procAliveChecks = new LongAdder();
    private final LongAdder internalErrors = new LongAdder();
    private final LongAdder snapshotLoaded = new LongAdder();
    private final LongAdder resumed = new LongAdder();
    private final LongAdder exitsFromSnapshot = new LongAdder();
    private final LongAdder exitsImageUnknown = new LongAdder();

    private static <E extends Enum<E>> Map<E, LongAdder> cells(Class<E> type) {
        Map<E, LongAdder> map = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            map.put(e, new LongAdder());
        }
        return Collections.unmodifiableMap(map);
    }

    void raw(RawEventType type) {
        raw.get(type).increment();
    }

    void emitted(EventType type) {
        emitted.get(type).increment();
    }

    void filtered(FilterReason reason) {
        filtered.get(reason).increment();
    }

    /** A /proc read that failed for another reason than the process being gone. */
    void procReadError() {
        procReadErrors.increment();
    }

    /** The environment could not be read to decide on the prefix; the process was passed on. */
    void envUnreadable() {
        envUnreadable.increment();
    }

    /**
     * Events of a process not yet reported that were discarded: FILE_OPENs held for a
     * process that ended before the minimum duration, or past the per-process bound.
     */
    void pendingDropped(long n) {
        pendingDropped.add(n);
    }

    void outputDropped() {
        outputDropped.increment();
    }

    /** A process whose pid was taken by a new one before its EXIT arrived: the kernel lost that EXIT. */
    void lostExit() {
        lostExits.increment();
    }

    /** {@code track()} refused a process (tracked map full): it cannot be followed. */
    void trackFailure() {
        trackFailures.increment();
    }

    /** An EXEC whose kernel record was not complete: /proc had to be read for it. */
    void execProcRead() {
        execProcReads.increment();
    }

    /** A fallback read of /proc, counted under each reason it was made for. */
    void procFallback(ProcRequest request) {
        if (request.exe()) {
            procExeReads.increment();
        }
        if (request.envValues()) {
            procEnvValueReads.increment();
        }
        if (request.envPrefix()) {
            procEnvPrefixReads.increment();
        }
        if (request.cmdline()) {
            procCmdlineReads.increment();
        }
        if (!request.readsAnything()) {
            procAliveChecks.increment();
        }
    }

    /** A bug met while handling one message; the process' actor carries on. */
    void internalError() {
        internalErrors.increment();
    }

    /** Processes read from the state file a graceful stop left. */
    void snapshotLoaded(int n) {
        snapshotLoaded.add(n);
    }

    /** A process still running at start that the previous detector followed, followed again. */
    void resumed() {
        resumed.increment();
    }

    /** The EXIT of a process that ended while no detector ran, reported with the image the state file kept. */
    void exitFromSnapshot() {
        exitsFromSnapshot.increment();
    }

    /** The EXIT of a process that ended while no detector ran, reported without an image. */
    void exitImageUnknown() {
        exitsImageUnknown.increment();
    }

    io.runtimedetector.RestartMetrics restartSnapshot() {
        return new io.runtimedetector.RestartMetrics(snapshotLoaded.sum(), resumed.sum(), exitsFromSnapshot.sum(),
                exitsImageUnknown.sum());
    }

    io.runtimedetector.ProcReadMetrics procReadSnapshot() {
        return new io.runtimedetector.ProcReadMetrics(execProcReads.sum(), procExeReads.sum(),
                procEnvValueReads.sum(), procEnvPrefixReads.sum(), procCmdlineReads.sum(), procAliveChecks.sum());
    }

    long internalErrorCount() {
        return internalErrors.sum();
    }

    /** Raw events by the public event type of the same name, so that metrics expose no probe type. */
    Map<EventType, Long> rawSnapshot() {
        Map<EventType, Long> copy = new EnumMap<>(EventType.class);
        raw.forEach((k, v) -> copy.put(EventType.valueOf(k.name()), v.sum()));
        return Collections.unmodifiableMap(copy);
    }

    Map<EventType, Long> emittedSnapshot() {
        return snapshot(emitted, EventType.class);
    }

    Map<FilterReason, Long> filteredSnapshot() {
        return snapshot(filtered, FilterReason.class);
    }

    long procReadErrorCount() {
        return procReadErrors.sum();
    }

    long envUnreadableCount() {
        return envUnreadable.sum();
    }

    long pendingDroppedCount() {
        return pendingDropped.sum();
    }

    long outputDroppedCount() {
        return outputDropped.sum();
    }

    long lostExitCount() {
        return lostExits.sum();
    }

    long trackFailureCount() {
        return trackFailures.sum();
    }

    private static <E extends Enum<E>> Map<E, Long> snapshot(Map<E, LongAdder> cells, Class<E> type) {
        Map<E, Long> copy = new EnumMap<>(type);
        cells.forEach((k, v) -> copy.put(k, v.sum()));
        return Collections.unmodifiableMap(copy);
    }

    void hostedProcesses(int n) {
        hostedProcesses = n;
    }

    int hostedProcesses() {
        return hostedProcesses;
    }
}
