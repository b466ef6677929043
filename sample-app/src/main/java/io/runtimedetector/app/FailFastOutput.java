package io.runtimedetector.app;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The app's event output (stdout or {@code --output}), which must not fail quietly: the
 * first write that fails is logged once and reported to {@code onFailure}, which stops
 * the app, as any Unix filter stops when its reader is gone (EPIPE) or its file cannot
 * be written. Every event from then on is counted as not written instead of being
 * retried, so that a restart loop cannot hide the failure or flood the log.
 */
final class FailFastOutput implements EventSink {

    private static final Logger LOG = LoggerFactory.getLogger(FailFastOutput.class);

    private final EventSink lines;
    private final String where;
    private final Consumer<Throwable> onFailure;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong notWritten = new AtomicLong();

    /**
     * @param where     names the output in the log line, e.g. "stdout"
     * @param onFailure told once, on the first failed write; must not block
     */
    FailFastOutput(EventSink lines, String where, Consumer<Throwable> onFailure) {
        this.lines = lines;
        this.where = where;
        this.onFailure = onFailure;
    }

    @Override
    public String name() {
        return lines.name();
    }

    @Override
    public void accept(ProcessEvent event) {
        if (failure.get() != null) {
            notWritten.incrementAndGet();
            return;
        }
        try {
            lines.accept(event);
        } catch (Exception e) {
            notWritten.incrementAndGet();
            failed(e);
        }
    }

    @Override
    public void flush() {
        if (failure.get() == null) {
            try {
                lines.flush();
            } catch (Exception e) {
                failed(e);
            }
        }
    }

    @Override
    public void close() {
        try {
            lines.close();
        } catch (Exception e) {
            // After a failed write, closing the same broken output fails again: nothing new to say.
            if (failure.get() == null) {
                failed(e);
            }
        }
    }

    /** The first failure, if any write failed. */
    Throwable failure() {
        return failure.get();
    }

    /** Events that reached this output and could not be written. */
    long notWritten() {
        return notWritten.get();
    }

    String where() {
        return where;
    }

    private void failed(Exception e) {
        if (failure.compareAndSet(null, e)) {
            LOG.error("cannot write events to {} ({}); stopping", where, reason(e));
            onFailure.accept(e);
        }
    }

    static String reason(Throwable e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
