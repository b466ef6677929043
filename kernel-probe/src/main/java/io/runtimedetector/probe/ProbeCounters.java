package io.runtimedetector.probe;

/**
 * Counters kept in the kernel (summed over CPUs) and by the reader.
 *
 * @param ringBufferLost  events dropped in the kernel because the ring buffer was full
 * @param trackFull       processes that could not be tracked because the map was full
 * @param execSeen        every exec on the machine the program looked at
 * @param execEnvFiltered execs dropped in the kernel for lacking the prefix variable
 * @param execEnvUnsure   execs passed on because the environment could not be fully read
 * @param execExcluded    execs of excluded executables
 * @param eventsRead      events the reader took from the ring buffer
 * @param decodeErrors    ring-buffer records that could not be decoded (logged, skipped)
 * @param queue           the reader's user-space queue
 * @param records         bytes read from the ring buffer, by record type
 * @param idleSkipped     pinned mode: program runs that returned at once because the reader's heartbeat was
 *                        older than {@link ProbeConfig#readerTimeout()} (each a possibly lost event)
 * @param lostWhileUnread pinned mode: events the kernel dropped, ring full, while no reader ran before this
 *                        probe opened ({@link PinState#lostWhileUnread()}): reported once, by this probe
 *
 * <p>The kernel counters count from when this probe object opened. In pinned mode the kernel's
 * own counters live as long as the pins and carry across readers; what accumulated before this
 * probe opened, while no reader ran, is in {@link PinState#lostWhileUnread()} and
 * {@link PinState#idleSkippedWhileUnread()} instead, so nothing is counted twice.
 */
public record ProbeCounters(
        long ringBufferLost,
        long trackFull,
        long execSeen,
        long execEnvFiltered,
        long execEnvUnsure,
        long execExcluded,
        long eventsRead,
        long decodeErrors,
        QueueStats queue,
        RecordSizes records,
        long idleSkipped,
        long lostWhileUnread) {

    public static final ProbeCounters ZERO = new ProbeCounters(0, 0, 0, 0, 0, 0, 0, 0, QueueStats.EMPTY,
            RecordSizes.NONE, 0, 0);

    /** Counters of a probe without pinned mode (idleSkipped 0), as before it existed. */
    public ProbeCounters(long ringBufferLost, long trackFull, long execSeen, long execEnvFiltered, long execEnvUnsure,
            long execExcluded, long eventsRead, long decodeErrors, QueueStats queue, RecordSizes records) {
        this(ringBufferLost, trackFull, execSeen, execEnvFiltered, execEnvUnsure, execExcluded, eventsRead,
                decodeErrors, queue, records, 0, 0);
    }
}
