package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.KernelTestSupport;
import io.runtimedetector.probe.TestProcesses;
import io.runtimedetector.sinks.InMemorySink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A graceful restart on the real kernel, without the pinned mode: the state file alone
 * carries a running process over, its real /proc start (clock ticks) matching the
 * kernel's (nanoseconds), so the second detector reports its EXIT with the first one's
 * image and no second EXEC.
 */
class RestartKernelTest {

    private static final String TAG = "RDRST_ID";
    private static final Duration WAIT = KernelTestSupport.patience(Duration.ofSeconds(10));

    @TempDir
    Path state;

    @BeforeAll
    static void kernel() {
        KernelTestSupport.requireKernel();
    }

    private Detector detector(InMemorySink sink) {
        Detector d = Detector.create(DetectorOptions.builder().minDuration(Duration.ZERO).envPrefix("RDRST_")
                .reportedEnvKeys(List.of(TAG)).stateDir(state).addSink(sink).build());
        d.start().toCompletableFuture().join();
        return d;
    }

    @Test
    void aProcessRunningAcrossAGracefulRestartGetsOneExecAndItsExitWithTheReportedImage() throws Exception {
        String tag = UUID.randomUUID().toString();
        InMemorySink firstSink = new InMemorySink();
        Process p;
        ProcessEvent exec;
        try (Detector first = detector(firstSink)) {
            p = TestProcesses.start(Map.of(TAG, tag), "/bin/sleep", "30");
            exec = firstSink.await(e -> e.type() == EventType.EXEC && e.pid() == p.pid(), WAIT)
                    .orElseThrow(() -> new AssertionError("no EXEC of " + p.pid()));
        }
        assertTrue(Files.exists(state.resolve(StateFile.NAME)));
        String saved = Files.readString(state.resolve(StateFile.NAME));
        assertTrue(saved.contains(tag), saved);

        InMemorySink secondSink = new InMemorySink();
        try (Detector second = detector(secondSink)) {
            // At least ours: a process whose environment cannot be read (pid 1 in a sandbox) is kept too.
            assertTrue(second.metrics().restarts().resumed() >= 1, saved);
            p.destroy();
            TestProcesses.waitFor(p);
            ProcessEvent exit = secondSink.await(e -> e.type() == EventType.EXIT && e.pid() == p.pid(), WAIT)
                    .orElseThrow(() -> new AssertionError("no EXIT of " + p.pid() + ": " + secondSink.events()));
            assertEquals(exec.process(), exit.process(), "the image the first detector reported");
            assertEquals(List.of(EventType.EXIT), secondSink.events().stream().filter(e -> e.pid() == p.pid())
                    .map(ProcessEvent::type).toList(), "no second EXEC");
        } finally {
            p.destroyForcibly();
        }
    }
}
