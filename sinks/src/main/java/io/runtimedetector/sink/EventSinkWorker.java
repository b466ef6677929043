package io.runtimedetector.sink;

import io.runtimedetector.event.ProcessEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one plain {@link EventSink} on a thread of its own, so that a sink that blocks
 * (file, network) holds up neither the stream's dispatcher nor the other sinks, and so
 * that the sink sees one thread at a time, in event order. Applies the restart policy.
 */
final class EventSinkWorker {

    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);

    private final EventSink sink;
    private final SinkCounterCells counters;
    private final int maxRestarts;
    private final ExecutorService thread;
    // Only read and written on the worker thread.
    private int restarts;
    private boolean stopped;

    EventSinkWorker(EventSink sink, SinkCounterCells counters, int maxRestarts) {
        this.sink = sink;
        this.counters = counters;
        this.maxRestarts = maxRestarts;
        this.thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "rd-sink-" + sink.name());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Hands the events over in one go: one thread switch per batch, not per event.
     *
     * @return whether the sink still wants events (false once it is stopped)
     */
    CompletionStage<Boolean> deliver(List<ProcessEvent> events) {
        return CompletableFuture.supplyAsync(() -> {
            for (ProcessEvent event : events) {
                if (!deliverNow(event)) {
                    return false;
                }
            }
            return true;
        }, thread);
    }

    /** Flushes and closes the sink unless it was stopped (and so closed) already, then frees the thread. */
    CompletionStage<Done> finish() {
        return CompletableFuture.supplyAsync(() -> {
            if (!stopped) {
                try {
                    sink.flush();
                } catch (Exception e) {
                    LOG.warn("sink {} failed to flush", sink.name(), e);
                }
                closeQuietly();
            }
            return Done.getInstance();
        }, thread).whenComplete((done, err) -> thread.shutdown());
    }

    private boolean deliverNow(ProcessEvent event) {
        if (stopped) {
            return false;
        }
        try {
            sink.accept(event);
            counters.delivered();
            return true;
        } catch (VirtualMachineError e) {
            throw e;
        } catch (Throwable e) {
            return recover(event, e);
        }
    }

    private boolean recover(ProcessEvent event, Throwable failure) {
        long failures = counters.failed();
        closeQuietly();
        if (restarts < maxRestarts) {
            restarts++;
            counters.restarted();
            LOG.warn("sink {} failed on {} of pid {}; closed and restarted ({} of {} restarts)",
                    sink.name(), event.type(), event.pid(), restarts, maxRestarts, failure);
            return true;
        }
        stopped = true;
        counters.stopped();
        LOG.error("sink {} failed {} time(s), more than its {} allowed restart(s); it is stopped and receives no more events",
                sink.name(), failures, maxRestarts, failure);
        return false;
    }

    private void closeQuietly() {
        try {
            sink.close();
        } catch (Exception e) {
            LOG.warn("sink {} failed to close", sink.name(), e);
        }
    }
}
