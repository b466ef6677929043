package io.runtimedetector.engine;

/**
 * The identity of one process: a pid alone is reused, a pid with its start time is not.
 *
 * <p>Start times come from two sources with different precision: the kernel reports
 * nanoseconds, /proc/PID/stat reports clock ticks. A process found in /proc therefore
 * has a key rounded down to a whole tick, and {@link #sameProcess} treats a nanosecond
 * start within that tick as the same process.
 *
 * @param pid             process id in the detector's PID namespace
 * @param startBootTimeNs start in nanoseconds since boot
 */
record ProcessKey(int pid, long startBootTimeNs) {

    /** USER_HZ is 100 on every architecture Linux exposes to user space through /proc. */
    static final long NANOS_PER_TICK = 10_000_000L;

    /** The start time /proc/PID/stat field 22 stands for, in nanoseconds. */
    static long fromTicks(long ticks) {
        return ticks * NANOS_PER_TICK;
    }

    boolean sameProcess(int otherPid, long otherStartBootTimeNs) {
        return pid == otherPid && sameStart(startBootTimeNs, otherStartBootTimeNs);
    }

    /** Whether two starts of one pid name the same process, either side possibly at tick precision. */
    static boolean sameStart(long startBootTimeNs, long otherStartBootTimeNs) {
        if (startBootTimeNs == otherStartBootTimeNs) {
            return true;
        }
        boolean eitherInTicks = startBootTimeNs % NANOS_PER_TICK == 0 || otherStartBootTimeNs % NANOS_PER_TICK == 0;
        return eitherInTicks && startBootTimeNs / NANOS_PER_TICK == otherStartBootTimeNs / NANOS_PER_TICK;
    }
}
