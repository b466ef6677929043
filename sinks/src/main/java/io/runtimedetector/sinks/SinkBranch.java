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

    static SinkBranch of(EventSink sink, SinkSettings settings) {
        SinkCounterCells counters = new SinkCounterCells(sink.name());
        Sink<ProcessEvent, CompletionStage<Done>> graph = sink instanceof PekkoEventSink pekko
                ? PekkoSinkBranch.create(pekko, counters, settings)
                : EventSinkBranch.create(sink, counters, settings);
        return new SinkBranch(graph, counters);
    }
}
