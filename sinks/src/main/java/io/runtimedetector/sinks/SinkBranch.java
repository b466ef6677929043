package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * One output of the fan-out: a buffer and the sink behind it.
 *
 * @param sink     completes, never exceptionally, once the sink has been flushed and closed
 *                 (or stopped after too many failures)
 * @param counters its live counters
 */
record SinkBranch(Sink<ProcessEvent, CompletionStage<Done>> sink, SinkCounterCells counters) {

    /** @param progress counts the events the sink's buffer takes, for {@link SinkProgress} */
    static SinkBranch of(EventSink sink, SinkSettings settings, SinkProgress.Branch progress) {
        SinkCounterCells counters = new SinkCounterCells(sink.name());
        Sink<ProcessEvent, CompletionStage<Done>> graph = sink instanceof PekkoEventSink pekko
                ? PekkoSinkBranch.create(pekko, counters, settings, progress)
                : EventSinkBranch.create(sink, counters, settings, progress);
        return new SinkBranch(graph, counters);
    }
}
