package io.runtimedetector.sink;

import io.runtimedetector.event.ProcessEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * JSON Lines: one {@link JsonEventFormat} object per line, flushed per event. To stdout
 * (left open on close) or appended to a file (closed on close, reopened if the sink is
 * restarted).
 */
public final class JsonLinesSink implements EventSink {

    private final String name;
    private final LineWriter lines;
    private final JsonEventFormat format = new JsonEventFormat();

    private JsonLinesSink(String name, LineWriter lines) {
        this.name = name;
        this.lines = lines;
    }

    public static JsonLinesSink toStdout() {
        return toStream("json-stdout", System.out);
    }

    /** The stream stays open when the sink closes: it belongs to the caller. */
    public static JsonLinesSink toStream(String name, OutputStream out) {
        return new JsonLinesSink(name, LineWriter.borrowing(out));
    }

    /** @throws IOException when the file cannot be opened for appending */
    public static JsonLinesSink toFile(Path file) throws IOException {
        return new JsonLinesSink("json-file:" + file, LineWriter.appendingTo(file));
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
