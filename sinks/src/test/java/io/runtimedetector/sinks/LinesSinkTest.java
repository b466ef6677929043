package io.runtimedetector.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinesSinkTest {

    private final JsonEventFormat json = new JsonEventFormat();

    @TempDir
    Path dir;

    @Test
    void eachEventIsOnDiskAsSoonAsAcceptReturns() throws Exception {
        Path file = dir.resolve("events.jsonl");
        LinesSink sink = LinesSink.toFile(file, json);
        sink.accept(TestEvents.exec(1));
        assertEquals(List.of(json.format(TestEvents.exec(1))), Files.readAllLines(file));
        sink.accept(TestEvents.exit(1));
        assertEquals(List.of(json.format(TestEvents.exec(1)), json.format(TestEvents.exit(1))), Files.readAllLines(file));
        sink.close();
    }

    @Test
    void appendsToAnExistingFileAndReopensAfterARestart() throws Exception {
        Path file = dir.resolve("events.jsonl");
        Files.writeString(file, "earlier\n");
        LinesSink sink = LinesSink.toFile(file, json);
        sink.accept(TestEvents.exec(1));
        sink.close();
        // What SinkRunner does on a restart: close, then accept again.
        sink.accept(TestEvents.exec(2));
        sink.close();
        assertEquals(List.of("earlier", json.format(TestEvents.exec(1)), json.format(TestEvents.exec(2))),
                Files.readAllLines(file));
    }

    @Test
    void aFileThatCannotBeOpenedIsReportedAtOnce() {
        assertThrows(IOException.class, () -> LinesSink.toFile(dir.resolve("missing-dir/events.jsonl"), json));
    }

    @Test
    void aBorrowedStreamIsFlushedButNotClosed() throws Exception {
        CloseTrackingStream out = new CloseTrackingStream();
        LinesSink sink = LinesSink.toStream("test", json, out);
        sink.accept(TestEvents.fork(3));
        sink.close();
        assertEquals(json.format(TestEvents.fork(3)) + "\n", out.toString(StandardCharsets.UTF_8));
        assertFalse(out.closed);
    }

    @Test
    void textLinesGoToTheirFileToo() throws Exception {
        Path file = dir.resolve("events.txt");
        try (LinesSink sink = LinesSink.toFile(file, new TextEventFormat())) {
            sink.accept(TestEvents.fileOpen(4));
        }
        assertEquals(List.of(new TextEventFormat().format(TestEvents.fileOpen(4))), Files.readAllLines(file));
    }

    private static final class CloseTrackingStream extends ByteArrayOutputStream {
        boolean closed;

        @Override
        public void close() throws IOException {
            closed = true;
            super.close();
        }
    }

    @Test
    void aPrintStreamThatSwallowsAWriteErrorStillFailsTheWrite() {
        // System.out is such a PrintStream: on EPIPE it only sets its error flag.
        java.io.OutputStream broken = new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };
        LinesSink sink = LinesSink.toStream("stdout", new JsonEventFormat(), new java.io.PrintStream(broken, false));
        IOException e = assertThrows(IOException.class, () -> sink.accept(TestEvents.numbered(1).get(0)));
        assertEquals("cannot write: the output stream reported an error (closed pipe or failed device)", e.getMessage());
    }
}
