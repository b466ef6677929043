package io.runtimedetector.engine;

import io.runtimedetector.probe.EventProbe;
import io.runtimedetector.probe.RawEvent;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the probe that a batch's events have reached the sinks ({@link EventProbe#release}),
 * in the order the batches came, so that in pinned mode the kernel frees their part of
 * the ring only then and a crash redelivers the rest.
 *
 * <p>The rule: a batch is released once the sinks have taken every event the output had
 * enqueued when the supervisor finished handling it. The output numbers its events as it
 * enqueues them ({@link EventOutput#enqueued()}), so each batch only needs that one number,
 * its mark; the sinks count what their buffers take ({@code SinkProgress}); the batch goes
 * once the lowest of those counts reaches its mark. An event dropped before the output's
 * queue gets no number and one a sink drops is counted as taken, so neither holds the
 * batches back. Per batch this costs one small record and one lock; per event nothing here.
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
        /** Events every consumer has taken, from the first the output enqueued. */
        long accepted();

        /** Calls {@link Releases#check()} once {@link #accepted()} may have reached {@code mark}. */
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
            public long accepted() {
                return output.enqueued();
            }

            @Override
            public void want(long mark) {
                // Never waits: accepted() is the mark itself by the time it is asked.
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
            long accepted = progress.accepted();
            Held next = held.peek();
            if (next.mark() > accepted) {
                progress.want(next.mark());
                // The consumer may have passed the mark before it could see the new want.
                if (progress.accepted() < next.mark()) {
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
