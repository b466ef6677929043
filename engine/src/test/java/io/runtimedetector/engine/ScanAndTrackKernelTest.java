package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.KernelTestSupport;
import io.runtimedetector.probe.TestProcesses;
import io.runtimedetector.sinks.InMemorySink;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Go library's scenarios around processes that run before the detector starts: the
 * initial scan with long environments, a scanned process that forks later, and pids
 * handed to trackProcesses before start().
 */
class ScanAndTrackKernelTest {

    private static final String PREFIX = "RDSC_";
    private static final String TAG = "RDSC_ID";
    private static final Duration WAIT = KernelTestSupport.patience(Duration.ofSeconds(30));

    @BeforeAll
    static void kernel() {
        KernelTestSupport.requireKernel();
    }

    private static Detector detector(InMemorySink sink) {
        return Detector.create(DetectorOptions.builder().envPrefix(PREFIX).reportedEnvKeys(List.of(TAG))
                .minDuration(Duration.ZERO).addSink(sink).build());
    }

    private static ProcessEvent await(InMemorySink sink, Predicate<ProcessEvent> what, String description)
            throws InterruptedException {
        return sink.await(what, WAIT).orElseThrow(() -> new AssertionError("no " + description + " within "
                + WAIT.toSeconds() + " s; got " + sink.events().stream().map(e -> e.type() + ":" + e.pid()).toList()));
    }

    private static ProcessEvent await(InMemorySink sink, EventType type, long pid) throws InterruptedException {
        return await(sink, e -> e.type() == type && e.pid() == pid, type + " of pid " + pid);
    }

    /** A reported process run to its EXIT: everything the kernel sent before is handled by then. */
    private static void barrier(InMemorySink sink) throws InterruptedException {
        Process p = TestProcesses.start(Map.of(TAG, "barrier-" + UUID.randomUUID()), "/bin/sleep", "0.05");
        TestProcesses.waitFor(p);
        await(sink, EventType.EXIT, p.pid());
    }

    private static List<ProcessEvent> ofPid(InMemorySink sink, long pid) {
        return sink.events().stream().filter(e -> e.pid() == pid).toList();
    }

    private static void signal(String name, long pid) throws Exception {
        Process kill = new ProcessBuilder("/bin/kill", "-" + name, Long.toString(pid)).inheritIO().start();
        assertEquals(0, kill.waitFor(), "kill -" + name + " " + pid);
    }

    @Test
    void theInitialScanReadsTwoThousandVariablesWithAndWithoutThePrefix() throws Exception {
        String tag = UUID.randomUUID().toString();
        Process with = TestProcesses.startWithFiller(2000, Map.of(TAG, tag), "/bin/sleep", "60");
        Process without = TestProcesses.startWithFiller(2000, Map.of("RDSCX_ID", tag), "/bin/sleep", "60");
        InMemorySink sink = new InMemorySink();
        try (Detector d = detector(sink)) {
            d.start().toCompletableFuture().join();
            ProcessEvent exec = await(sink, EventType.EXEC, with.pid());
            assertEquals(tag, exec.process().envs().get(TAG), "the prefix variable after 2000 others");
            assertEquals(List.of("/bin/sleep", "60"), exec.process().cmdLine());

            without.destroy();
            TestProcesses.waitFor(without);
            with.destroy();
            assertEquals(15, await(sink, EventType.EXIT, with.pid()).exit().signal());
            barrier(sink);
            assertEquals(List.of(), ofPid(sink, without.pid()));
        } finally {
            with.destroyForcibly();
            without.destroyForcibly();
        }
    }

    @Test
    void aScannedProcessThatForksOnASignalReportsTheChild() throws Exception {
        String tag = UUID.randomUUID().toString();
        // bash waits in its read builtin (no forks) until SIGUSR1 makes it fork a subshell
        // that exits 7; stdin is the test's pipe, which never has data. The subshell lives
        // 3 s so that the engine can still read its environment from /proc.
        Process parent = TestProcesses.start(Map.of(TAG, tag), "/bin/bash", "-c",
                "trap '(read -t 3 x; exit 7)' USR1; while :; do read -t 1 x; done");
        InMemorySink sink = new InMemorySink();
        try (Detector d = detector(sink)) {
            d.start().toCompletableFuture().join();
            await(sink, EventType.EXEC, parent.pid());

            signal("USR1", parent.pid());
            ProcessEvent fork = await(sink, e -> e.type() == EventType.FORK && e.process().ppid() == parent.pid(),
                    "FORK of a child of " + parent.pid());
            assertEquals(tag, fork.process().envs().get(TAG), "the child carries the parent's variables");
            ProcessEvent exit = await(sink, EventType.EXIT, fork.pid());
            assertEquals(7, exit.exit().exitCode());
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void pidsTrackedBeforeStartAreFollowed() throws Exception {
        Process untagged = TestProcesses.start(Map.of("NOT_RDSC", "1"), "/bin/sleep", "60");
        InMemorySink sink = new InMemorySink();
        try (Detector d = detector(sink)) {
            d.trackProcesses(List.of((int) untagged.pid()));
            d.start().toCompletableFuture().join();
            barrier(sink);
            untagged.destroy();
            ProcessEvent exit = await(sink, EventType.EXIT, untagged.pid());
            assertEquals(15, exit.exit().signal());
            assertEquals(List.of("/bin/sleep", "60"), exit.process().cmdLine());
            assertTrue(ofPid(sink, untagged.pid()).stream().noneMatch(e -> e.type() == EventType.FORK),
                    "nothing but what it did: " + ofPid(sink, untagged.pid()));
        } finally {
            untagged.destroyForcibly();
        }
    }
}
