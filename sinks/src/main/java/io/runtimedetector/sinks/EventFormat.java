package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;

/** Renders an event as one line of text, without the line terminator. */
@FunctionalInterface
public interface EventFormat {

    String format(ProcessEvent event);
}
