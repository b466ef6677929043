package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import java.time.Duration;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;

/** The per-sink buffer placed right after the fan-out, chosen by {@link OverflowPolicy}. */
final class SinkBuffers {

    static final Duration DROP_LOG_INTERVAL = Duration.ofSeconds(10);

    private SinkBuffers() {
    }

    /** @param onDrop called on the stream's thread for each event the buffer discards (the newest) */
    static Flow<ProcessEvent, ProcessEvent, NotUsed> buffer(SinkSettings settings, Runnable onDrop) {
        Flow<ProcessEvent, ProcessEvent, NotUsed> flow = Flow.create();
        return switch (settings.overflow()) {
            case BACKPRESSURE -> flow.buffer(settings.bufferSize(), OverflowStrategy.backpressure());
            case DROP_NEWEST -> flow.via(new DropNewestBuffer<>(settings.bufferSize(), onDrop));
        };
    }

    static DropReporter dropReporter(SinkCounterCells counters, SinkSettings settings) {
        return new DropReporter(counters, settings.bufferSize(), DROP_LOG_INTERVAL, System::nanoTime);
    }
}
