package io.runtimedetector.sinks;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes UTF-8 lines and flushes after each one, so that a reader following the output
 * (tail -f, a pipe into jq, a test) sees every event as soon as it is written.
 * After {@link #close()} the next line reopens the output: that is what a restart of the
 * owning sink (close, then accept again) needs.
 */
final class LineWriter implements AutoCloseable {

    @FunctionalInterface
    private interface Opener {
        OutputStream open() throws IOException;
    }

    private final Opener opener;
    private final boolean ownsStream;
    private Writer writer;
    private OutputStream stream;

    private LineWriter(Opener opener, boolean ownsStream) {
        this.opener = opener;
        this.ownsStream = ownsStream;
    }

    /** Lines go to a stream the caller keeps open (stdout): close only flushes it. */
    static LineWriter borrowing(OutputStream out) {
        return new LineWriter(() -> out, false);
    }

    /**
     * Appends to the file (created if missing), so that a restarted detector never erases
     * earlier events. Opens it now, so that a bad path is reported at once.
     */
    static LineWriter appendingTo(Path file) throws IOException {
        LineWriter lines = new LineWriter(() -> Files.newOutputStream(file,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND, StandardOpenOption.WRITE), true);
        lines.open();
        return lines;
    }

    synchronized void writeLine(String line) throws IOException {
        Writer out = open();
        out.write(line);
        out.write('\n');
        out.flush();
        failIfSwallowed();
    }

    /**
     * A PrintStream (System.out) never throws: it only remembers that a write failed.
     * Asking it turns a closed pipe or a full disk into the IOException it really is.
     */
    private void failIfSwallowed() throws IOException {
        if (stream instanceof java.io.PrintStream print && print.checkError()) {
            throw new IOException("cannot write: the output stream reported an error (closed pipe or failed device)");
        }
    }

    synchronized void flush() throws IOException {
        if (writer != null) {
            writer.flush();
            failIfSwallowed();
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (writer == null) {
            return;
        }
        Writer closing = writer;
        writer = null;
        if (ownsStream) {
            closing.close();
        } else {
            closing.flush();
        }
    }

    private Writer open() throws IOException {
        if (writer == null) {
            stream = opener.open();
            writer = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
        }
        return writer;
    }
}
