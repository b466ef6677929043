package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.engine.Detector;
import io.runtimedetector.engine.DetectorOptions;
import io.runtimedetector.probe.EventProbe;
import io.runtimedetector.probe.InsufficientPrivilegesException;
import io.runtimedetector.probe.ProbeCounters;
import io.runtimedetector.probe.ProbeException;
import io.runtimedetector.probe.RawEvent;
import io.runtimedetector.probe.testkit.SyntheticProbe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The app's wiring on a fake probe: exit statuses and what stderr shows, without a kernel. */
@Timeout(60)
class DetectorAppTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Integer> halted = new CopyOnWriteArrayList<>();
    private final AtomicReference<GracefulShutdown> hook = new AtomicReference<>();

    @TempDir
    Path dir;

    private DetectorApp app(CliOptions options, Function<DetectorOptions, Detector> detectors) {
        return new DetectorApp(options, new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), detectors, hook::set, halted::add);
    }

    private static CliOptions options(String... args) throws UsageException {
        // A prefix no process has: the start-up scan of the real /proc finds nothing.
        List<String> all = new java.util.ArrayList<>(List.of("--env-prefix", "RD_APP_TEST_NOBODY_", "--min-duration", "0"));
        all.addAll(List.of(args));
        return new Cli(Map.of()).parse(all);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void missingPrivilegesPrintOneSentenceAndExit77() throws Exception {
        String sentence = "runtime-detector needs root or the capabilities CAP_BPF and CAP_PERFMON "
                + "(or CAP_SYS_ADMIN) to load its eBPF programs";
        int status = app(options(), o -> Detector.create(o, config -> {
            throw new InsufficientPrivilegesException(sentence);
        })).run();
        assertEquals(ExitCode.NO_PRIVILEGES, status);
        assertEquals(sentence + ".\n", stderr().replace(System.lineSeparator(), "\n"));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
        assertEquals(List.of(), halted, "no signal: the hook must not exit");
        assertFalse(hook.get().claimForMain(), "main has claimed the exit, so a late hook stays out of it");
    }

    @Test
    void anyOtherProbeFailurePrintsOneLineAndExitsOne() throws Exception {
        int status = app(options(), o -> Detector.create(o, config -> {
            throw new ProbeException("cannot attach tp_btf/sched_process_exec: Invalid argument", 22);
        })).run();
        assertEquals(ExitCode.FAILED, status);
        assertEquals("runtime-detector: cannot attach tp_btf/sched_process_exec: Invalid argument\n",
                stderr().replace(System.lineSeparator(), "\n"));
    }

    @Test
    void anOutputFileThatCannotBeOpenedIsAUsageError() throws Exception {
        Path missing = dir.resolve("no/such/dir/events.jsonl");
        UsageException refused = assertThrows(UsageException.class,
                () -> app(options("--output", missing.toString()), o -> Detector.create(o, SyntheticProbe.recording()::open))
                        .run());
        assertEquals("--output", refused.subject());
        assertEquals(null, hook.get(), "refused before any detector exists");
    }

    @Test
    void aSignalStopsTheDetectorAndExitsZero() throws Exception {
        SyntheticProbe probe = SyntheticProbe.recording();
        CompletableFuture<Integer> run = runInBackground(app(options("--stats-interval", "50ms"),
                o -> Detector.create(o, probe::open)));
        probe.running().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertNotNull(hook.get());

        hook.get().onSignal();

        assertEquals(List.of(ExitCode.OK), halted);
        assertTrue(probe.closeCount() >= 1, "the probe is detached");
        assertEquals(ExitCode.OK, run.get(10, TimeUnit.SECONDS), "main leaves the status to the hook");
        assertEquals("", stderr());
    }

    @Test
    void aProbeThatFailsLaterEndsTheRunWithItsMessageAndExitsOne() throws Exception {
        SyntheticProbe probe = SyntheticProbe.recording();
        CompletableFuture<Integer> run = runInBackground(app(options(), o -> Detector.create(o, probe::open)));
        probe.running().toCompletableFuture().get(30, TimeUnit.SECONDS);
        probe.fail(new ProbeException("ring buffer poll failed: Bad file descriptor", 9));

        assertEquals(ExitCode.FAILED, run.get(30, TimeUnit.SECONDS));
        assertEquals("runtime-detector: the detector stopped: ring buffer poll failed: Bad file descriptor\n",
                stderr().replace(System.lineSeparator(), "\n"));
        assertEquals(List.of(), halted);
        assertFalse(hook.get().claimForMain(), "the exit is main's, not a late hook's");
    }

    private static CompletableFuture<Integer> runInBackground(DetectorApp app) {
        CompletableFuture<Integer> status = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                status.complete(app.run());
            } catch (Throwable t) {
                status.completeExceptionally(t);
            }
        }, "detector-app-test");
        thread.setDaemon(true);
        thread.start();
        return status;
    }
}
