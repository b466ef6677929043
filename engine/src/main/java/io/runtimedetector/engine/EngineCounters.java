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
public final class EngineCounters {

    private final Map<RawEventType, LongAdder> raw = cells(RawEventType.class);
    private final Map<EventType, LongAdder> emitted = cells(EventType.class);
    private final Map<FilterReason, LongAdder> filtered = cells(FilterReason.class);
    private final LongAdder procReadErrors = new LongAdder();
    private final LongAdder envUnreadable = new LongAdder();
    private final LongAdder pendingDropped = new LongAdder();
    private final LongAdder outputDropped = new LongAdder();
    private final LongAdder lostExits = new LongAdder();
    private final LongAdder trackFailures = new LongAdder();

    private static <E extends Enum<E>> Map<E, LongAdder> cells(Class<E> type) {
        Map<E, LongAdder> map = new EnumMap<>(type);
        for (E e : type.getEnumConstants()) {
            map.put(e, new LongAdder());
        }
        return Collections.unmodifiableMap(map);
    }

    public void raw(RawEventType type) {
        raw.get(type).increment();
    }

    public void emitted(EventType type) {
        emitted.get(type).increment();
    }

    public void filtered(FilterReason reason) {
        filtered.get(reason).increment();
    }

    /** A /proc read that failed for another reason than the process being gone. */
    public void procReadError() {
        procReadErrors.increment();
    }

    /** The environment could not be read to decide on the prefix; the process was passed on. */
    public void envUnreadable() {
        envUnreadable.increment();
    }

    /**
     * Events of a process not yet reported that were discarded: FILE_OPENs held for a
     * process that ended before the minimum duration, or past the per-process bound.
     */
    public void pendingDropped(long n) {
        pendingDropped.add(n);
    }

    public void outputDropped() {
        outputDropped.increment();
    }

    /** A process whose pid was taken by a new one before its EXIT arrived: the kernel lost that EXIT. */
    public void lostExit() {
        lostExits.increment();
    }

    /** {@code track()} refused a process (tracked map full): it cannot be followed. */
    public void trackFailure() {
        trackFailures.increment();
    }

    /** Raw events by the public event type of the same name, so that metrics expose no probe type. */
    public Map<EventType, Long> rawSnapshot() {
        Map<EventType, Long> copy = new EnumMap<>(EventType.class);
        raw.forEach((k, v) -> copy.put(EventType.valueOf(k.name()), v.sum()));
        return Collections.unmodifiableMap(copy);
    }

    public Map<EventType, Long> emittedSnapshot() {
        return snapshot(emitted, EventType.class);
    }

    public Map<FilterReason, Long> filteredSnapshot() {
        return snapshot(filtered, FilterReason.class);
    }

    public long procReadErrorCount() {
        return procReadErrors.sum();
    }

    public long envUnreadableCount() {
        return envUnreadable.sum();
    }

    public long pendingDroppedCount() {
        return pendingDropped.sum();
    }

    public long outputDroppedCount() {
        return outputDropped.sum();
    }

    public long lostExitCount() {
        return lostExits.sum();
    }

    public long trackFailureCount() {
        return trackFailures.sum();
    }

    private static <E extends Enum<E>> Map<E, Long> snapshot(Map<E, LongAdder> cells, Class<E> type) {
        Map<E, Long> copy = new EnumMap<>(type);
        cells.forEach((k, v) -> copy.put(k, v.sum()));
        return Collections.unmodifiableMap(copy);
    }
}
