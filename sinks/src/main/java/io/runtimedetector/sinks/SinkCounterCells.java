package io.runtimedetector.sinks;

import io.runtimedetector.sink.SinkCounters;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/** The live, thread-safe counters behind one {@link SinkCounters} snapshot. */
final class SinkCounterCells {

    private final String name;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicInteger restarts = new AtomicInteger();
    private volatile boolean stopped;

    SinkCounterCells(String name) {
        this.name = name;
    }

    String name() {
        return name;
    }

    void delivered() {
        delivered.incrementAndGet();
    }

    void dropped() {
        dropped.incrementAndGet();
    }

    /** @return the failure count including this one */
    long failed() {
        return failed.incrementAndGet();
    }

    void restarted() {
        restarts.incrementAndGet();
    }

    void stopped() {
        stopped = true;
    }

    SinkCounters snapshot() {
        return new SinkCounters(name, delivered.get(), dropped.get(), failed.get(), restarts.get(), stopped);
    }
}
