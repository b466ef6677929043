package io.runtimedetector.sink;

import io.runtimedetector.event.ProcessEvent;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * The branch for a plain {@link EventSink}: buffer, then one event at a time on the
 * sink's own thread. The returned Sink owns that thread, so it is materialized once.
 */
final class EventSinkBranch {

    private EventSinkBranch() {
    }

    static Sink<ProcessEvent, CompletionStage<Done>> create(EventSink sink, SinkCounterCells counters, SinkSettings settings) {
        DropReporter drops = SinkBuffers.dropReporter(counters, settings);
        EventSinkWorker worker = new EventSinkWorker(sink, counters, settings.maxRestarts());
        return SinkBuffers.buffer(settings, drops)
                // One event in flight keeps the order; waiting on a future blocks no dispatcher thread.
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
