package io.runtimedetector.engine;

import java.time.Clock;
import java.time.Instant;

/**
 * Turns the kernel's clocks into wall-clock instants. Process starts are CLOCK_BOOTTIME
 * nanoseconds, event times CLOCK_MONOTONIC nanoseconds; both offsets to the wall clock
 * are taken once, at start, so that every event of a run is converted the same way.
 */
final class EngineClock {

    private final Clock wall;
    private final long bootEpochNanos;
    private final long monotonicToEpochNanos;

    EngineClock(Clock wall, long bootEpochNanos, long monotonicToEpochNanos) {
        this.wall = wall;
        this.bootEpochNanos = bootEpochNanos;
        this.monotonicToEpochNanos = monotonicToEpochNanos;
    }

    /**
     * Boot time from /proc/uptime (10 ms precision), else from the btime line of
     * /proc/stat (1 s precision), else assumed equal to the monotonic clock's zero.
     */
    static EngineClock fromProc(ProcReader proc, Clock wall) {
        // HotSpot's nanoTime is CLOCK_MONOTONIC on Linux, the clock of bpf_ktime_get_ns().
        long nowEpochNanos = epochNanos(wall.instant());
        long monotonicToEpoch = nowEpochNanos - System.nanoTime();
        long bootEpoch;
        var uptime = proc.uptimeSeconds();
        if (uptime.isPresent()) {
            bootEpoch = nowEpochNanos - (long) (uptime.getAsDouble() * 1e9);
        } else {
            var btime = proc.bootTimeEpochSeconds();
            bootEpoch = btime.isPresent() ? btime.getAsLong() * 1_000_000_000L : monotonicToEpoch;
        }
        return new EngineClock(wall, bootEpoch, monotonicToEpoch);
    }

    Instant now() {
        return wall.instant();
    }

    /** Wall-clock start of a process. */
    Instant startTime(long startBootTimeNs) {
        return ofEpochNanos(bootEpochNanos + startBootTimeNs);
    }

    /** Wall-clock time of a raw event; 0 (synthetic events) stands for "now". */
    Instant eventTime(long ktimeNs) {
        return ktimeNs == 0 ? now() : ofEpochNanos(monotonicToEpochNanos + ktimeNs);
    }

    private static long epochNanos(Instant t) {
        return t.getEpochSecond() * 1_000_000_000L + t.getNano();
    }

    private static Instant ofEpochNanos(long nanos) {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
    }
}
