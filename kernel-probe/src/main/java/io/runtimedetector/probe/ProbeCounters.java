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
        RecordSizes records) {

    public static final ProbeCounters ZERO = new ProbeCounters(0, 0, 0, 0, 0, 0, 0, 0, QueueStats.EMPTY,
            RecordSizes.NONE);
}
