package io.runtimedetector.sink.kafka;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;

/**
 * Counts what the producer was given and what the broker acknowledged, and tells an
 * outage from a quiet period: events waiting and no acknowledgement for a while. The
 * Kafka client itself logs a line per failed connection attempt; this gives the one
 * warning per outage and the one line on recovery that an operator can act on.
 */
final class DeliveryMonitor {

    private final String sink;
    private final String bootstrap;
    private final long outageAfterNanos;
    private final LongSupplier nanoTime;
    private final Logger log;

    // Guarded by this: updated by the stream and read by the watchdog thread.
    private long sent;
    private long acknowledged;
    private long failed;
    private long outages;
    private boolean inOutage;
    private long progressAt;
    private long outageStartedAt;

    DeliveryMonitor(String sink, String bootstrap, Duration outageAfter, LongSupplier nanoTime, Logger log) {
        this.sink = sink;
        this.bootstrap = bootstrap;
        this.outageAfterNanos = outageAfter.toNanos();
        this.nanoTime = nanoTime;
        this.log = log;
        this.progressAt = nanoTime.getAsLong();
    }

    synchronized void sent() {
        if (waiting() == 0) {
            // Nothing was owed before: the wait for an acknowledgement starts now.
            progressAt = nanoTime.getAsLong();
        }
        sent++;
    }

    synchronized void acknowledged() {
        acknowledged++;
        progressAt = nanoTime.getAsLong();
        if (inOutage) {
            inOutage = false;
            long seconds = TimeUnit.NANOSECONDS.toSeconds(progressAt - outageStartedAt);
            log.info("kafka sink {}: the broker at {} acknowledges again after about {} s; {} events still waiting",
                    sink, bootstrap, seconds, waiting());
        }
    }

    /** The producer's stream ended on an error: what it held is not coming back. */
    synchronized void runFailed(Throwable cause) {
        long lost = waiting();
        failed += lost;
        log.error("kafka sink {}: producer for {} failed, {} unacknowledged events given up: {}",
                sink, bootstrap, lost, rootMessage(cause));
    }

    /** Stopping with events still unacknowledged: they are given up and counted as failed. */
    synchronized void gaveUp(String why) {
        long lost = waiting();
        if (lost > 0) {
            failed += lost;
            log.error("kafka sink {}: {} unacknowledged events given up: {}", sink, lost, why);
        }
    }

    /** Called periodically: starts an outage once events have waited too long. */
    synchronized void check() {
        long now = nanoTime.getAsLong();
        if (!inOutage && waiting() > 0 && now - progressAt >= outageAfterNanos) {
            inOutage = true;
            outages++;
            outageStartedAt = progressAt;
            log.warn("kafka sink {}: no acknowledgement from the broker at {} for {} s while {} events wait;"
                    + " treating it as unreachable: events wait in the producer and the sink's buffer and are retried",
                    sink, bootstrap, TimeUnit.NANOSECONDS.toSeconds(now - progressAt), waiting());
        }
    }

    synchronized KafkaSinkStats stats() {
        return new KafkaSinkStats(sent, acknowledged, failed, outages, inOutage);
    }

    private long waiting() {
        return sent - acknowledged - failed;
    }

    static String rootMessage(Throwable failure) {
        Throwable t = failure;
        StringBuilder text = new StringBuilder();
        while (t != null) {
            if (t.getMessage() != null && text.indexOf(t.getMessage()) < 0) {
                if (text.length() > 0) {
                    text.append(": ");
                }
                text.append(t.getMessage());
            }
            t = t.getCause() == t ? null : t.getCause();
        }
        return text.length() == 0 ? failure.getClass().getSimpleName() : text.toString();
    }
}
