package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.ProcessInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The state file: what a graceful stop writes is what the next start reads, once; anything else is ignored. */
class StateFileTest {

    private static final String LOGGER = "test.state-file";

    @TempDir
    Path dir;

    private final ListAppender<ILoggingEvent> log = LogLines.capture(LOGGER);

    private static final SavedProcess IN_A_POD = new SavedProcess(new ProcessKey(4242, 182_220_004_321L),
            new ProcessInfo(4100, 1000, 1, 5124, "/usr/bin/python3.11", "/usr/bin/python3",
                    List.of("python3", "app.py", "--name=\"x\"\n"), Map.of("APP_ID", "7", "APP_ENV", ""),
                    Instant.parse("2024-05-01T12:00:00.120Z"),
                    ContainerInfo.of("0a3f", ContainerInfo.CONTAINERD, "4c6e").withNames("cart", "shop", "app")),
            true, false);
    private static final SavedProcess ON_THE_HOST = new SavedProcess(new ProcessKey(7, 5_000_000_000L),
            new ProcessInfo(1, 0, 7, 0, "/usr/sbin/cron", "/usr/sbin/cron", List.of(), Map.of(),
                    Instant.parse("2024-05-01T11:00:00Z")),
            false, true);

    @Test
    void whatIsWrittenIsReadBackOnceAndTheFileIsGone() throws Exception {
        StateFile.write(dir, List.of(IN_A_POD, ON_THE_HOST), Instant.now());

        assertEquals(List.of(IN_A_POD, ON_THE_HOST), StateFile.take(dir, LoggerFactory.getLogger(LOGGER)));
        assertFalse(Files.exists(dir.resolve(StateFile.NAME)));
        assertEquals(List.of(), StateFile.take(dir, LoggerFactory.getLogger(LOGGER)), "nothing the second time");
        assertEquals(0, log.list.size(), log.list.toString());
    }

    @Test
    void aMissingDirectoryIsCreated() throws Exception {
        Path nested = dir.resolve("a/b");
        StateFile.write(nested, List.of(ON_THE_HOST), Instant.now());
        assertEquals(List.of(ON_THE_HOST), StateFile.take(nested, LoggerFactory.getLogger(LOGGER)));
    }

    @Test
    void anotherVersionIsIgnoredInOneLine() throws Exception {
        StateFile.write(dir, List.of(ON_THE_HOST), Instant.now());
        Path file = dir.resolve(StateFile.NAME);
        Files.writeString(file, Files.readString(file).replace("\"version\":1", "\"version\":2"));

        assertEquals(List.of(), StateFile.take(dir, LoggerFactory.getLogger(LOGGER)));
        assertEquals(1, log.list.size());
        assertTrue(log.list.get(0).getFormattedMessage().contains("version 2"), log.list.get(0).getFormattedMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void aTruncatedFileIsIgnoredInOneLine() throws Exception {
        StateFile.write(dir, List.of(IN_A_POD, ON_THE_HOST), Instant.now());
        Path file = dir.resolve(StateFile.NAME);
        List<String> lines = Files.readAllLines(file);
        Files.write(file, lines.subList(0, 2));

        assertEquals(List.of(), StateFile.take(dir, LoggerFactory.getLogger(LOGGER)));
        assertEquals(1, log.list.size(), log.list.toString());
    }

    @Test
    void aForeignFileIsIgnoredInOneLine() throws Exception {
        Files.write(dir.resolve(StateFile.NAME), new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, '\n', '{'});

        assertEquals(List.of(), StateFile.take(dir, LoggerFactory.getLogger(LOGGER)));
        assertEquals(1, log.list.size(), log.list.toString());
    }
}
