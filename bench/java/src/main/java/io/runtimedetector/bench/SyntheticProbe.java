package io.runtimedetector.bench;

import io.runtimedetector.probe.EventProbe;
import io.runtimedetector.probe.ProbeCounters;
import io.runtimedetector.probe.RawEvent;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A probe without a kernel: the benchmark offers batches of RawEvents, the engine reads
 * them through the same kind of Source the kernel probe gives it. Batches, as the ring
 * buffer reader hands them over, keep the per-element cost of the hand-over out of the
 * measurement, as in the real probe.
 */
final class SyntheticProbe implements EventProbe {

    private final CompletableFuture<BoundedSourceQueue<List<RawEvent>>> queue = new CompletableFuture<>();

    @Override
    public Source<List<RawEvent>, NotUsed> events() {
        return Source.<List<RawEvent>>queue(16)
                .mapMaterializedValue(q -> {
                    queue.complete(q);
                    return NotUsed.getInstance();
                });
    }

    /** Hands over one batch, waiting while the engine is behind (its backpressure). */
    void offer(List<RawEvent> batch) {
        BoundedSourceQueue<List<RawEvent>> q = queue.join();
        QueueOfferResult r;
        while ((r = q.offer(batch)) == QueueOfferResult.dropped()) {
            LockSupport.parkNanos(20_000);
        }
        if (!r.isEnqueued()) {
            throw new IllegalStateException("the engine's stream ended: " + r);
        }
    }

    @Override
    public boolean track(int pid, long startBootTimeNs) {
        return true;
    }

    @Override
    public void untrack(int pid) {
    }


    @Override
    public ProbeCounters counters() {
        return ProbeCounters.ZERO;
    }

    @Override
    public void close() {
        queue.thenAccept(BoundedSourceQueue::complete);
    }
}
