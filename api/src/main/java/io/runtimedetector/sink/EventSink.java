package io.runtimedetector.sink;

import io.runtimedetector.event.ProcessEvent;

/**
 * The plain-Java way to receive events: no Pekko knowledge needed. Each sink is called
 * from one thread at a time, in event order. An exception from {@link #accept} is
 * contained: the sink is restarted per its settings and the other sinks go on.
 * A restart is {@link #close()} followed by further calls to {@link #accept}: a sink that
 * holds a resource (file, connection) releases it on close and acquires it again on the
 * next accept. The sinks module
 * wraps a Pekko {@code Sink} as an EventSink for those who have one.
 */
@FunctionalInterface
public interface EventSink extends AutoCloseable {

    /** A short name used in logs and counters; a lambda sink is named after its class. */
    default String name() {
        String simple = getClass().getSimpleName();
        int lambda = simple.indexOf("$$Lambda");
        return lambda > 0 ? simple.substring(0, lambda) + "-lambda" : simple;
    }

    void accept(ProcessEvent event) throws Exception;

    /** Called when the event stream completes, before {@link #close()}. */
    default void flush() throws Exception {
    }

    @Override
    default void close() throws Exception {
    }
}
