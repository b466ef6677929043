package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * One line per event in a chosen {@link EventFormat}, flushed per event: JSON Lines with
 * {@link JsonEventFormat}, or {@link TextEventFormat} lines for a terminal or a plain
 * file (only the events, none of a logger's decoration). To a stream (left open on
 * close: it belongs to the caller) or appended to a file (closed on close, reopened if
 * the sink is restarted).
 */
public final class LinesSink implements EventSink {

    private final String name;
    private final EventFormat format;
    private final LineWriter lines;

    private LinesSink(String name, EventFormat format, LineWriter lines) {
        this.name = name;
        this.format = format;
        this.lines = lines;
    }

    /**
     * JSON Lines on stdout, the format documented in JSON_SCHEMA.md. Written to file
     * descriptor 1 directly, not through System.out, which would swallow a write error.
     */
    public static LinesSink jsonToStdout() {
        return toStream("json-stdout", new JsonEventFormat(), new java.io.FileOutputStream(java.io.FileDescriptor.out));
    }

    public static LinesSink toStream(String name, EventFormat format, OutputStream out) {
        return new LinesSink(name, format, LineWriter.borrowing(out));
    }

    /** @throws IOException when the file cannot be opened for appending */
    public static LinesSink toFile(Path file, EventFormat format) throws IOException {
        return new LinesSink("file:" + file, format, LineWriter.appendingTo(file));
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void accept(ProcessEvent event) throws IOException {
        lines.writeLine(format.format(event));
    }

    @Override
    public void flush() throws IOException {
        lines.flush();
    }

    @Override
    public void close() throws IOException {
        lines.close();
    }
}
