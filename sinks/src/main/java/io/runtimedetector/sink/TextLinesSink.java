package io.runtimedetector.sink;

import io.runtimedetector.event.ProcessEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;

/**
 * {@link TextEventFormat} lines for a terminal or a plain file, flushed per event. Unlike
 * {@link LogSink} it writes only the events, with no logger decoration around them.
 */
public final class TextLinesSink implements EventSink {

    private final String name;
    private final LineWriter lines;
    private final TextEventFormat format = new TextEventFormat();

    private TextLinesSink(String name, LineWriter lines) {
        this.name = name;
        this.lines = lines;
    }

    public static TextLinesSink toStdout() {
        return toStream("text-stdout", System.out);
    }

    /** The stream stays open when the sink closes: it belongs to the caller. */
    public static TextLinesSink toStream(String name, OutputStream out) {
        return new TextLinesSink(name, LineWriter.borrowing(out));
    }

    /** @throws IOException when the file cannot be opened for appending */
    public static TextLinesSink toFile(Path file) throws IOException {
        return new TextLinesSink("text-file:" + file, LineWriter.appendingTo(file));
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
