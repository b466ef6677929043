package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Logs each event as one {@link TextEventFormat} line at INFO, for embedding in a service's own log. */
public final class LogSink implements EventSink {

    /** The default logger, so that event lines can be routed or silenced apart from the detector's own logs. */
    public static final String DEFAULT_LOGGER = "io.runtimedetector.events";

    private final Logger logger;
    private final TextEventFormat format = new TextEventFormat();

    public LogSink() {
        this(DEFAULT_LOGGER);
    }

    public LogSink(String loggerName) {
        this.logger = LoggerFactory.getLogger(loggerName);
    }

    @Override
    public String name() {
        return "log:" + logger.getName();
    }

    @Override
    public void accept(ProcessEvent event) {
        if (logger.isInfoEnabled()) {
            logger.info(format.format(event));
        }
    }
}
