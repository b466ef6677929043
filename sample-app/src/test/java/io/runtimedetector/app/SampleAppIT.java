package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runtimedetector.probe.KernelTestSupport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar, end to end on the real kernel: started as a user would start it, it
 * reports a process of ours as JSON lines on stdout, and stops on SIGTERM with status 0.
 */
@Timeout(180)
class SampleAppIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final Duration EVENT_WITHIN = Duration.ofSeconds(15);
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(10);

    @TempDir
    Path dir;

    @BeforeAll
    static void needsTheKernel() {
        KernelTestSupport.requireKernel();
    }

    @Test
    void reportsExecAndExitAsJsonLinesAndStopsOnSigterm() throws Exception {
        String id = "e2e-" + UUID.randomUUID();
        try (AppProcess app = AppProcess.start(AppProcess.javaJar(AppProcess.jar(),
                "--format", "json", "--env-prefix", "RDE2E_", "--env", "RDE2E_ID", "--min-duration", "0"), dir)) {
            app.awaitStderr(line -> line.contains("detector ready"), READY_WITHIN);

            ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", "sleep 1; exit 3");
            builder.environment().put("RDE2E_ID", id);
            Process shell = builder.start();
            assertTrue(shell.waitFor(10, TimeUnit.SECONDS));
            assertEquals(3, shell.exitValue());
            long pid = shell.pid();

            // Its child (sleep) has the same variable: the pid tells the shell's events apart.
            JsonNode exec = JSON.readTree(app.awaitStdout(line -> is(line, "EXEC", pid, id), EVENT_WITHIN));
            JsonNode exit = JSON.readTree(app.awaitStdout(line -> is(line, "EXIT", pid, id), EVENT_WITHIN));

            String shellExe = Path.of("/bin/sh").toRealPath().toString();
            assertEquals(pid, exec.get("pid").asLong(), app.transcript());
            assertEquals(shellExe, exec.get("exePath").asText(), exec.toString());
            assertEquals("/bin/sh", exec.get("exeLink").asText(), exec.toString());
            List<String> cmdLine = new ArrayList<>();
            exec.get("cmdLine").forEach(arg -> cmdLine.add(arg.asText()));
            assertEquals(List.of("/bin/sh", "-c", "sleep 1; exit 3"), cmdLine, exec.toString());
            assertEquals(id, exec.get("envs").get("RDE2E_ID").asText(), exec.toString());
            assertEquals(pid, exec.get("containerPid").asLong(), "a host process: " + exec);

            assertEquals(pid, exit.get("pid").asLong(), exit.toString());
            assertEquals(3, exit.get("exitCode").asInt(), exit.toString());
            assertEquals(0, exit.get("signal").asInt(), exit.toString());
            assertEquals(id, exit.get("envs").get("RDE2E_ID").asText(), exit.toString());

            // SIGTERM. Through the handle: Process.destroy() would also close our ends of the pipes
            // and lose what the app writes while it stops.
            assertTrue(app.process().toHandle().destroy());
            assertEquals(0, app.awaitExit(EXIT_WITHIN), app.transcript());

            List<String> stdout = app.stdout();
            assertFalse(stdout.isEmpty());
            for (String line : stdout) {
                JsonNode event = parse(line, app);
                assertTrue(event.isObject() && event.hasNonNull("type") && event.hasNonNull("pid"),
                        "not an event: " + line);
            }
            assertTrue(app.stderr().stream().anyMatch(line -> line.contains("final stats: ")), app.transcript());
            // Nothing from the JVM itself: on 25, no restricted-method or sun.misc.Unsafe warning.
            assertTrue(app.stderr().stream().noneMatch(line -> line.startsWith("WARNING:")), app.transcript());
        }
    }

    private static boolean is(String line, String type, long pid, String id) {
        try {
            JsonNode event = JSON.readTree(line);
            return type.equals(event.path("type").asText()) && event.path("pid").asLong() == pid
                    && id.equals(event.path("envs").path("RDE2E_ID").asText());
        } catch (Exception e) {
            return false; // every line is checked for JSON at the end, with a clear message
        }
    }

    private static JsonNode parse(String line, AppProcess app) {
        try {
            return JSON.readTree(line);
        } catch (Exception e) {
            throw new AssertionError("stdout must carry only JSON lines, got: " + line + "\n" + app.transcript(), e);
        }
    }
}
