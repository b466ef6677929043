package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.util.Objects;
import org.apache.pekko.stream.javadsl.Sink;

/** Ways to make an {@link EventSink} from something else. */
public final class EventSinks {

    private EventSinks() {
    }

    /** Wraps a Pekko Sink so it can be listed among the detector's sinks. */
    public static PekkoEventSink fromPekko(String name, Sink<ProcessEvent, ?> sink) {
        return new PekkoSinkAdapter(name, sink);
    }

    private record PekkoSinkAdapter(String name, Sink<ProcessEvent, ?> pekkoSink) implements PekkoEventSink {
        PekkoSinkAdapter {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(pekkoSink, "pekkoSink");
        }
    }
}
