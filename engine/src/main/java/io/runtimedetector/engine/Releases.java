package io.runtimedetector.engine;

import io.runtimedetector.probe.EventProbe;
import io.runtimedetector.probe.RawEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the probe that the sinks are done with a batch's events ({@link EventProbe#release}),
 * in the order the batches came, so that in pinned mode the kernel frees their part of
 * the ring only then and a crash redelivers the rest.
 *
 * <p>The rule: a batch is released once every sink has finished with every event the
 * output had enqueued when the supervisor finished handling it. The output numbers its
 * events as it enqueues them ({@link EventOutput#enqueued()}), so each batch only needs
 * that one number, its mark; each sink counts the events it has written, had
 * acknowledged, or given up ({@code SinkProgress}), never those that only wait in its
 * buffer, which a killed JVM would lose; the batch goes once the lowest of those counts
 * reaches its mark. An event dropped before the output's queue gets no number and one a
 * sink drops or fails is counted as finished, so neither holds the batches back. Per
 * batch this costs one small record and one lock; per event nothing here.
 *
 * <p>What a mark does not cover: events a lifecycle holds for later (waiting for the
 * minimum duration, a /proc read, its parent's image) come out after their batch was
 * released. A crash loses those only when the process also ended while the detector was
 * down (the kernel's EXIT was released with its batch); one still running is found again
 * by the next detector's /proc scan.
 */
final class Releases {

    private static final Logger LOG = LoggerFactory.getLogger(Releases.class);

    /** How far the consumers have got; it tells {@link #check()} when it may have moved. */
    interface Progress {
        /** Events every consumer has finished with, from the first the output enqueued. */
        long settled();

        /** Calls {@link Releases#check()} once {@link #settled()} may have reached {@code mark}. */
        void want(long mark);
    }

    private record Held(List<RawEvent> batch, long mark) {
    }

    private final EventProbe probe;
    private final EventOutput output;
    private final Progress progress;
    private final ArrayDeque<Held> held = new ArrayDeque<>();

    Releases(EventProbe probe, EventOutput output, Progress progress) {
        this.probe = probe;
        this.output = output;
        this.progress = progress;
    }

    /** Without sinks: a batch is released as soon as its events are in the output's queue. */
    static Progress enqueuedOnly(EventOutput output) {
        return new Progress() {
            @Override
            public long settled() {
                return output.enqueued();
            }

            @Override
            public void want(long mark) {
                // Never waits: settled() is the mark itself by the time it is asked.
            }
        };
    }

    /** The supervisor has handled {@code batch}: everything it emitted for it is enqueued. */
    void handled(List<RawEvent> batch) {
        long mark = output.enqueued();
        synchronized (this) {
            held.add(new Held(batch, mark));
        }
        check();
    }

    /** Releases every batch whose mark the consumers have reached; callable from any thread. */
    synchronized void check() {
        while (!held.isEmpty()) {
            long settled = progress.settled();
            Held next = held.peek();
            if (next.mark() > settled) {
                progress.want(next.mark());
                // The consumer may have passed the mark before it could see the new want.
                if (progress.settled() < next.mark()) {
                    return;
                }
            }
            held.poll();
            release(next.batch());
        }
        progress.want(Long.MAX_VALUE);
    }

    /** The detector has stopped and the sinks are flushed: whatever was delivered is released. */
    synchronized void releaseAll() {
        while (!held.isEmpty()) {
            release(held.poll().batch());
        }
    }

    private void release(List<RawEvent> batch) {
        try {
            probe.release(batch);
        } catch (RuntimeException e) {
            // The kernel keeps the batch: a restart redelivers it, which is a duplicate, not a loss.
            LOG.warn("the probe failed to release a batch of {} events: {}", batch.size(), e.toString());
        }
    }
}
