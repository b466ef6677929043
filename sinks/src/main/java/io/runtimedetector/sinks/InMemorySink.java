package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Keeps every event in memory, for tests and for embedding code that inspects events
 * itself. Thread-safe: one thread may deliver while others read or wait.
 */
public final class InMemorySink implements EventSink {

    private final String name;
    private final List<ProcessEvent> events = new ArrayList<>();
    private int flushes;
    private int closes;

    public InMemorySink() {
        this("in-memory");
    }

    public InMemorySink(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public synchronized void accept(ProcessEvent event) {
        events.add(event);
        notifyAll();
    }

    /** A copy of the events received so far, in arrival order. */
    public synchronized List<ProcessEvent> events() {
        return List.copyOf(events);
    }

    public synchronized int count() {
        return events.size();
    }

    /**
     * Waits until at least {@code n} events have arrived.
     *
     * @return false if the timeout passed first
     */
    public synchronized boolean awaitCount(int n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (events.size() < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    /**
     * Waits for the first event, among those received so far and arriving within the
     * timeout, that {@code match} accepts.
     */
    public synchronized Optional<ProcessEvent> await(Predicate<ProcessEvent> match, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        while (true) {
            for (; seen < events.size(); seen++) {
                if (match.test(events.get(seen))) {
                    return Optional.of(events.get(seen));
                }
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return Optional.empty();
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }

    @Override
    public synchronized void flush() {
        flushes++;
    }

    @Override
    public synchronized void close() {
        closes++;
    }

    /** How often {@link #flush()} was called: once when the stream completes. */
    public synchronized int flushCount() {
        return flushes;
    }

    /** How often {@link #close()} was called: once at the end, plus once per restart. */
    public synchronized int closeCount() {
        return closes;
    }
}
