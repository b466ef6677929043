package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * A sink that is a Pekko {@link Sink} underneath, for consumers that already speak Pekko
 * Streams (Kafka, HTTP, files through Alpakka). {@link SinkRunner} materializes
 * {@link #pekkoSink()} in place of calling {@link #accept}, and again after each failure,
 * up to the allowed restarts (with a short backoff). If the Sink materializes a
 * {@code CompletionStage}, the runner waits for it before reporting the sink done.
 * {@link #flush()} and {@link #close()} are still called once the stream has ended.
 *
 * @see EventSinks#fromPekko(String, Sink)
 */
public interface PekkoEventSink extends EventSink {

    /** The blueprint to run; materialized once per (re)start. */
    Sink<ProcessEvent, ?> pekkoSink();

    /**
     * Refuses: this sink receives events only as a stream, through {@link SinkRunner}.
     * Calling it directly would bypass the Pekko Sink and lose the event.
     */
    @Override
    default void accept(ProcessEvent event) {
        throw new UnsupportedOperationException(
                "sink " + name() + " is a Pekko Sink; run it with SinkRunner instead of calling accept");
    }
}
