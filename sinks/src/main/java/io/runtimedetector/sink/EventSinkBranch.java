package io.runtimedetector.sink;

import io.runtimedetector.event.ProcessEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The branch for a plain {@link EventSink}: buffer, then one event at a time on the
 * sink's own thread. The returned Sink owns that thread, so it is materialized once.
 */
final class EventSinkBranch {

    private EventSinkBranch() {
    }

    private static List<ProcessEvent> newBatch(ProcessEvent first) {
        List<ProcessEvent> batch = new ArrayList<>();
        batch.add(first);
        return batch;
    }

    private static List<ProcessEvent> addToBatch(List<ProcessEvent> batch, ProcessEvent next) {
        batch.add(next);
        return batch;
    }

    static Sink<ProcessEvent, CompletionStage<Done>> create(EventSink sink, SinkCounterCells counters, SinkSettings settings) {
        DropReporter drops = SinkBuffers.dropReporter(counters, settings);
        EventSinkWorker worker = new EventSinkWorker(sink, counters, settings.maxRestarts());
        // What arrives while the sink is busy goes over in one batch (one thread switch, not
        // one per event). The batch is itself a bounded buffer that backpressures when full,
        // so with BACKPRESSURE it is the sink's whole buffer; DROP_NEWEST drops in front of it.
        Flow<ProcessEvent, ProcessEvent, NotUsed> ahead = settings.overflow() == OverflowPolicy.BACKPRESSURE
                ? Flow.create() : SinkBuffers.buffer(settings, drops);
        return ahead
                .batch(settings.bufferSize(), EventSinkBranch::newBatch, EventSinkBranch::addToBatch)
                // One batch in flight keeps the order; waiting on a future blocks no dispatcher thread.
                .mapAsync(1, worker::deliver)
                // A stopped sink cancels its branch; the fan-out then skips it.
                .takeWhile(wantsMore -> wantsMore)
                .toMat(Sink.ignore(), Keep.right())
                // Whether the stream completed, failed or was aborted, the sink is flushed and closed.
                .mapMaterializedValue(streamDone -> streamDone
                        .handle((done, failure) -> Done.getInstance())
                        .thenCompose(ignored -> {
                            drops.finish();
                            return worker.finish();
                        }));
    }
}
