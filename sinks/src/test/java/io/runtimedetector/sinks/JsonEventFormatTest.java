package io.runtimedetector.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Golden lines: the documented schema in JSON_SCHEMA.md, byte for byte, field order included. */
class JsonEventFormatTest {

    private static final String COMMON = "\"pid\":42,\"time\":\"2024-05-01T12:00:00.123456789Z\","
            + "\"startTime\":\"2024-05-01T11:59:59.500Z\",\"startBootTimeNs\":5000000,\"ppid\":1,\"uid\":1000,"
            + "\"exePath\":\"/usr/bin/python3.11\",\"exeLink\":\"/usr/bin/python3\","
            + "\"cmdLine\":[\"python3\",\"app.py\",\"--name\",\"a \\\"quoted\\\" arg\"],"
            + "\"envs\":{\"RD_ENV\":\"prod\",\"RD_ID\":\"7\"},\"containerPid\":7,\"cgroupId\":4242";

    private final JsonEventFormat format = new JsonEventFormat();

    @Test
    void exec() {
        assertEquals("{\"type\":\"EXEC\"," + COMMON + "}", format.format(TestEvents.exec(42)));
    }

    @Test
    void fork() {
        assertEquals("{\"type\":\"FORK\"," + COMMON + "}", format.format(TestEvents.fork(42)));
    }

    @Test
    void fileOpen() {
        assertEquals("{\"type\":\"FILE_OPEN\"," + COMMON + ",\"filePath\":\"/etc/shadow\"}",
                format.format(TestEvents.fileOpen(42)));
    }

    @Test
    void exit() {
        assertEquals("{\"type\":\"EXIT\"," + COMMON + ",\"exitCode\":3,\"signal\":0,\"lifetimeMs\":1234}",
                format.format(TestEvents.exit(42)));
    }

    @Test
    void containerComesLastWithTheNamesTheRuntimeTold() {
        assertEquals("{\"type\":\"EXEC\"," + COMMON + ",\"container\":{\"id\":\"" + TestEvents.CONTAINER_ID
                + "\",\"runtime\":\"containerd\",\"podUid\":\"" + TestEvents.POD_UID + "\",\"podName\":\"cart-7d9f\","
                + "\"podNamespace\":\"shop\",\"containerName\":\"app\"}}", format.format(TestEvents.execInPod(42)));
    }

    @Test
    void unknownContainerFieldsAreNull() {
        assertEquals("{\"type\":\"EXIT\"," + COMMON + ",\"exitCode\":3,\"signal\":0,\"lifetimeMs\":1234,"
                + "\"container\":{\"id\":\"" + TestEvents.CONTAINER_ID + "\",\"runtime\":\"podman\",\"podUid\":null,"
                + "\"podName\":null,\"podNamespace\":null,\"containerName\":null}}",
                format.format(TestEvents.exitInPodman(42)));
    }

    @Test
    void unknownFieldsAreEmptyNotMissing() {
        ProcessInfo unknown = new ProcessInfo(0, -1, 0, 0, null, null, null, null, null);
        ProcessEvent event = new ProcessEvent(EventType.EXEC, 9, 0, Instant.parse("2024-05-01T12:00:00Z"), unknown, null, null);
        assertEquals("{\"type\":\"EXEC\",\"pid\":9,\"time\":\"2024-05-01T12:00:00Z\",\"startTime\":\"1970-01-01T00:00:00Z\",\"startBootTimeNs\":0,"
                + "\"ppid\":0,\"uid\":-1,\"exePath\":\"\",\"exeLink\":\"\",\"cmdLine\":[],\"envs\":{},\"containerPid\":0,\"cgroupId\":0}",
                format.format(event));
    }

    @Test
    void anExitWithoutAnImageSaysSoLast() {
        ProcessEvent event = new ProcessEvent(EventType.EXIT, 6001, 62_350_000_000L,
                Instant.parse("2024-05-01T12:00:05Z"), ProcessInfo.unknownImage(Instant.parse("2024-05-01T11:58:00.250Z")),
                null, new io.runtimedetector.event.ExitInfo(0, 0, java.time.Duration.ofMillis(124_750)));
        // The example line of JSON_SCHEMA.md.
        assertEquals("{\"type\":\"EXIT\",\"pid\":6001,\"time\":\"2024-05-01T12:00:05Z\","
                + "\"startTime\":\"2024-05-01T11:58:00.250Z\",\"startBootTimeNs\":62350000000,\"ppid\":0,\"uid\":-1,\"exePath\":\"\",\"exeLink\":\"\","
                + "\"cmdLine\":[],\"envs\":{},\"containerPid\":0,\"cgroupId\":0,\"exitCode\":0,\"signal\":0,"
                + "\"lifetimeMs\":124750,\"imageUnknown\":true}", format.format(event));
    }

    @Test
    void controlCharactersAndNonAsciiStayOnOneLine() {
        ProcessInfo odd = new ProcessInfo(1, 0, 1, 0, "/bin/sh", "/bin/sh", List.of("sh", "-c", "echo a\nb\tc"),
                Map.of("RD_NAME", "Zoë"), Instant.EPOCH);
        ProcessEvent event = new ProcessEvent(EventType.EXEC, 9, 0, Instant.EPOCH, odd, null, null);
        String line = format.format(event);
        assertEquals(-1, line.indexOf('\n'));
        assertTrue(line.contains("\"cmdLine\":[\"sh\",\"-c\",\"echo a\\nb\\tc\"]"), line);
        assertTrue(line.contains("\"envs\":{\"RD_NAME\":\"Zoë\"}"), line);
    }
}
