package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Calls one plain {@link EventSink} on a thread of its own, so that a sink that blocks
 * (file, network) holds up neither the stream's thread nor the other sinks, and so that
 * the sink sees one thread at a time, in event order. Applies the restart policy. Events
 * come through a {@link HandOff}: the thread takes whatever has queued up each time round,
 * and once the sink has returned from each of them (written them, or failed on them and
 * been restarted) reports the batch settled to the branch's {@link SinkProgress.Branch}.
 */
final class EventSinkWorker {

    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);

    private final EventSink sink;
    private final SinkCounterCells counters;
    private final int maxRestarts;
    private final HandOff<ProcessEvent> handOff;
    private final SinkProgress.Branch progress;
    private final CompletableFuture<Done> done = new CompletableFuture<>();
    private final Thread thread;
    private volatile Runnable onStopped = () -> { };
    // Only read and written on the worker thread.
    private int restarts;
    private boolean stopped;

    EventSinkWorker(EventSink sink, SinkCounterCells counters, int maxRestarts, int capacity,
            SinkProgress.Branch progress) {
        this.sink = sink;
        this.progress = progress;
        this.counters = counters;
        this.maxRestarts = maxRestarts;
        this.handOff = new HandOff<>(capacity);
        this.thread = new Thread(this::run, "rd-sink-" + sink.name());
        this.thread.setDaemon(true);
    }

    /** @param whenStopped run (on the worker thread) if the sink gives up after too many failures */
    void start(Runnable whenStopped) {
        onStopped = whenStopped;
        thread.start();
    }

    HandOff<ProcessEvent> handOff() {
        return handOff;
    }

    /** Completes once the sink is flushed and closed (or was stopped), never exceptionally. */
    CompletionStage<Done> done() {
        return done;
    }

    private void run() {
        List<ProcessEvent> batch = new ArrayList<>();
        try {
            long reached;
            while ((reached = handOff.takeAll(batch)) >= 0) {
                for (ProcessEvent event : batch) {
                    if (!deliverNow(event)) {
                        break;
                    }
                }
                batch.clear();
                progress.settledThrough(reached);
            }
            if (!stopped) {
                flushQuietly();
                closeQuietly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly();
        } finally {
            // Flushed and closed (or stopped): nothing it still holds can be finished any more.
            progress.ended();
            done.complete(Done.getInstance());
        }
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
        progress.ended();
        onStopped.run();
        return false;
    }

    private void flushQuietly() {
        try {
            sink.flush();
        } catch (Exception e) {
            LOG.warn("sink {} failed to flush", sink.name(), e);
        }
    }

    private void closeQuietly() {
        try {
            sink.close();
        } catch (Exception e) {
            LOG.warn("sink {} failed to close", sink.name(), e);
        }
    }
}
