package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runtimedetector.sink.JsonLinesSink;
import io.runtimedetector.sink.TextLinesSink;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventOutputsTest {

    @TempDir
    Path dir;

    private final PrintStream stdout = new PrintStream(PrintStream.nullOutputStream());

    @Test
    void formatAndOutputPickTheSink() throws Exception {
        assertInstanceOf(TextLinesSink.class, EventOutputs.create(OutputFormat.TEXT, Optional.empty(), stdout));
        assertInstanceOf(JsonLinesSink.class, EventOutputs.create(OutputFormat.JSON, Optional.empty(), stdout));
        try (var file = EventOutputs.create(OutputFormat.JSON, Optional.of(dir.resolve("e.jsonl")), stdout)) {
            assertInstanceOf(JsonLinesSink.class, file);
        }
    }

    @Test
    void anOutputFileThatCannotBeOpenedIsAUsageErrorNamingTheFlag() {
        Path missing = dir.resolve("no/such/dir/e.jsonl");
        UsageException refused = assertThrows(UsageException.class,
                () -> EventOutputs.create(OutputFormat.TEXT, Optional.of(missing), stdout));
        assertEquals("--output: cannot open '" + missing + "' for appending (its directory does not exist)",
                refused.getMessage());
    }
}
