package io.runtimedetector.sinks;

import java.time.Duration;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts one sink's drops and logs them at most once per interval: a sink that is
 * overwhelmed drops thousands of events a second and must not flood the log as well.
 * Synchronized because the final report runs on the thread that completes the stream.
 */
final class DropReporter {

    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);

    private final SinkCounterCells counters;
    private final int bufferSize;
    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private long unreported;
    private long lastReportNanos;
    private boolean reportedOnce;

    DropReporter(SinkCounterCells counters, int bufferSize, Duration interval, LongSupplier nanoClock) {
        this.counters = counters;
        this.bufferSize = bufferSize;
        this.intervalNanos = interval.toNanos();
        this.nanoClock = nanoClock;
    }

    synchronized void dropped() {
        counters.dropped();
        unreported++;
        long now = nanoClock.getAsLong();
        if (!reportedOnce || now - lastReportNanos >= intervalNanos) {
            LOG.warn("sink {} is too slow: dropped {} event(s) since the last report (buffer of {} full)",
                    counters.name(), unreported, bufferSize);
            unreported = 0;
            lastReportNanos = now;
            reportedOnce = true;
        }
    }

    /** Logs drops that happened after the last report, so the total in the log is complete. */
    synchronized void finish() {
        if (unreported > 0) {
            LOG.warn("sink {} dropped {} more event(s) before the stream ended", counters.name(), unreported);
            unreported = 0;
        }
    }
}
