package io.runtimedetector.engine;

import io.runtimedetector.container.ContainerNamer;
import io.runtimedetector.event.ProcessEvent;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one exit of the engine: every process actor offers its events here, and a bounded
 * queue hands them to the broadcast hub. A full queue never blocks an actor; the event
 * is dropped, counted and logged instead.
 */
final class EventOutput {

    private static final Logger LOG = LoggerFactory.getLogger(EventOutput.class);

    private final BoundedSourceQueue<ProcessEvent> queue;
    private final EngineCounters counters;
    private final ContainerNamer names;
    /**
     * Events enqueued so far: the position of the last one in the queue, since offer and
     * count happen under one lock (actors on several threads may emit at once; on the
     * engine's one thread the lock is never contended). What {@link Releases} compares
     * with how far the sinks have got.
     */
    private long enqueued;

    EventOutput(BoundedSourceQueue<ProcessEvent> queue, EngineCounters counters) {
        this(queue, counters, ContainerNamer.off());
    }

    /** @param names the runtime's names, added to each event as it leaves: the last moment, never a wait */
    EventOutput(BoundedSourceQueue<ProcessEvent> queue, EngineCounters counters, ContainerNamer names) {
        this.queue = queue;
        this.counters = counters;
        this.names = names;
    }

    void emit(ProcessEvent unnamed) {
        ProcessEvent event = names.named(unnamed);
        QueueOfferResult result;
        synchronized (this) {
            result = queue.offer(event);
            if (result.isEnqueued()) {
                enqueued++;
            }
        }
        if (result.isEnqueued()) {
            counters.emitted(event.type());
        } else if (result == QueueOfferResult.dropped()) {
            counters.outputDropped();
            long dropped = counters.outputDroppedCount();
            if (LogThrottle.shouldLog(dropped)) {
                LOG.warn("event consumers are too slow: dropped a {} event of pid {}; {} dropped so far",
                        event.type(), event.pid(), dropped);
            }
        } else {
            // Closed: the detector is stopping and the consumers are gone.
            LOG.debug("output closed, {} event of pid {} not delivered", event.type(), event.pid());
        }
    }

    /** How many events have been enqueued so far; dropped ones are not among them. */
    synchronized long enqueued() {
        return enqueued;
    }

    void complete() {
        queue.complete();
    }

    void fail(Throwable cause) {
        queue.fail(cause);
    }
}
