package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * A {@link PekkoEventSink} that says when it has finished with each event: its flow emits
 * every event, in the order it came, once the destination has it (a Kafka broker's
 * acknowledgement). {@link SinkRunner} counts an event as finished only then
 * ({@link SinkProgress}), so a detector in pinned mode lets the kernel free the event's
 * record only once it is safe outside this JVM. Events of a run that fails are counted as
 * finished when it ends: the sink has given them up (and should count them).
 *
 * <p>A plain {@code PekkoEventSink} gives no such signal; its events count as finished
 * once handed to its {@code Sink}.
 */
public interface AcknowledgingEventSink extends PekkoEventSink {

    /**
     * The blueprint to run, materialized once per (re)start: exactly one output element
     * per input, in input order, each once it is acknowledged. The materialized value
     * completes when the run has ended (the runner waits for it, as for
     * {@link #pekkoSink()}'s).
     */
    Flow<ProcessEvent, ProcessEvent, CompletionStage<Done>> acknowledgingFlow();

    /** The flow with its acknowledgements ignored, for running it as a plain Sink. */
    @Override
    default Sink<ProcessEvent, CompletionStage<Done>> pekkoSink() {
        return acknowledgingFlow().toMat(Sink.ignore(), Keep.left());
    }
}
