package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.sinks.JsonEventFormat;
import io.runtimedetector.sinks.TextEventFormat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventOutputsTest {

    private static final Instant AT = Instant.parse("2024-05-01T12:00:00Z");
    private static final ProcessEvent EXEC = new ProcessEvent(EventType.EXEC, 42, 1_000, AT,
            new ProcessInfo(1, 0, 42, 0, "/usr/bin/true", "/bin/true", List.of("true"), Map.of(), AT), null, null);

    @TempDir
    Path dir;

    private final PrintStream stdout = new PrintStream(PrintStream.nullOutputStream());

    @Test
    void formatAndOutputPickTheLines() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        ByteArrayOutputStream json = new ByteArrayOutputStream();
        EventOutputs.create(OutputFormat.TEXT, Optional.empty(), new PrintStream(text, true)).accept(EXEC);
        EventOutputs.create(OutputFormat.JSON, Optional.empty(), new PrintStream(json, true)).accept(EXEC);
        assertEquals(new TextEventFormat().format(EXEC) + "\n", text.toString(StandardCharsets.UTF_8));
        assertEquals(new JsonEventFormat().format(EXEC) + "\n", json.toString(StandardCharsets.UTF_8));

        Path file = dir.resolve("e.jsonl");
        try (var sink = EventOutputs.create(OutputFormat.JSON, Optional.of(file), stdout)) {
            sink.accept(EXEC);
        }
        assertEquals(List.of(new JsonEventFormat().format(EXEC)), Files.readAllLines(file));
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
