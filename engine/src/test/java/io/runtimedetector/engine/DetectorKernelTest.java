package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.BpfVariant;
import io.runtimedetector.probe.KernelTestSupport;
import io.runtimedetector.probe.TestProcesses;
import io.runtimedetector.sinks.InMemorySink;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine on the real kernel: real processes in, {@link ProcessEvent}s out. Each test
 * tags its processes with a unique value of the prefix variable, so that whatever else
 * runs on the machine cannot satisfy or disturb an assertion.
 */
class DetectorKernelTest {

    private static final String PREFIX = "RDENG_";
    private static final String TAG = "RDENG_ID";
    private static final Duration WAIT = KernelTestSupport.patience(Duration.ofSeconds(10));

    @BeforeAll
    static void kernel() {
        KernelTestSupport.requireKernel();
    }

    /** A started detector whose events are kept in memory. */
    private static final class Running implements AutoCloseable {
        final Detector detector;
        final InMemorySink sink = new InMemorySink();

        Running(DetectorOptions.Builder options) {
            detector = Detector.create(options.envPrefix(PREFIX).reportedEnvKeys(List.of(TAG)).addSink(sink).build());
            detector.start().toCompletableFuture().join();
        }

        List<ProcessEvent> of(String tag) {
            return sink.events().stream().filter(e -> tag.equals(e.process().envs().get(TAG))).toList();
        }

        List<ProcessEvent> ofPid(long pid) {
            return sink.events().stream().filter(e -> e.pid() == pid).toList();
        }

        ProcessEvent await(Predicate<ProcessEvent> what, String description) throws InterruptedException {
            return sink.await(what, WAIT).orElseThrow(() -> new AssertionError("no " + description + " within "
                    + WAIT.toSeconds() + " s; got " + sink.events().stream().map(e -> e.type() + ":" + e.pid()).toList()));
        }

        ProcessEvent await(EventType type, long pid) throws InterruptedException {
            return await(e -> e.type() == type && e.pid() == pid, type + " of pid " + pid);
        }

        /**
         * Runs a short reported process and waits for its EXIT: every event the kernel
         * sent before it has been handled by then, since the ring buffer keeps order.
         */
        void barrier() throws InterruptedException {
            String tag = "barrier-" + UUID.randomUUID();
            Process p = TestProcesses.start(Map.of(TAG, tag), "/bin/sleep", "0.05");
            TestProcesses.waitFor(p);
            await(EventType.EXIT, p.pid());
        }

        @Override
        public void close() {
            detector.close();
        }
    }

    private static DetectorOptions.Builder options() {
        return DetectorOptions.builder().minDuration(Duration.ZERO);
    }

    private static String tag() {
        return UUID.randomUUID().toString();
    }

    @Test
    void processWithThePrefixGivesExecThenExitWithItsDetails() throws Exception {
        try (Running r = new Running(options())) {
            String tag = tag();
            Process p = TestProcesses.start(Map.of(TAG, tag, "OTHER_SECRET", "x"), "/bin/sh", "-c", "sleep 0.2; exit 3");
            assertEquals(3, TestProcesses.waitFor(p));

            ProcessEvent exit = r.await(EventType.EXIT, p.pid());
            List<ProcessEvent> events = r.ofPid(p.pid());
            assertEquals(List.of(EventType.EXEC, EventType.EXIT), events.stream().map(ProcessEvent::type).toList());
            ProcessEvent exec = events.get(0);
            assertEquals("/usr/bin/dash", exec.process().exePath(), "resolved /proc/PID/exe");
            assertEquals("/bin/sh", exec.process().exeLink(), "path given to exec");
            assertEquals(List.of("/bin/sh", "-c", "sleep 0.2; exit 3"), exec.process().cmdLine());
            assertEquals(Map.of(TAG, tag), exec.process().envs(), "only the requested variables");
            assertEquals(p.pid(), exec.process().containerPid(), "no PID namespace of its own");
            assertEquals(ProcessHandle.current().pid(), exec.process().ppid());
            assertEquals(0, exec.process().uid());

            assertEquals(3, exit.exit().exitCode());
            assertEquals(0, exit.exit().signal());
            assertEquals(exec.process(), exit.process(), "the EXIT describes what its EXEC reported");
            assertTrue(exit.exit().lifetime().compareTo(Duration.ofMillis(150)) >= 0, "lifetime " + exit.exit());
            assertFalse(exit.time().isBefore(exec.time()));

            // A kernel-complete record: no /proc read, and the metrics say which programs ran.
            DetectorMetrics m = r.detector.metrics();
            assertEquals(0, m.procReads().incompleteExecs(), m.summary());
            BpfVariant asked = BpfVariant.fromSystemProperty();
            if (asked == BpfVariant.AUTO) {
                assertTrue(List.of(BpfVariant.BPF_LOOP.label(), BpfVariant.BOUNDED_LOOP.label())
                        .contains(m.programVariant()), m.summary());
            } else {
                assertEquals(asked.label(), m.programVariant(), "the forced variant runs");
            }
            assertTrue(m.execRecordBytes() > 92 && m.exitRecordBytes() == 92, m.summary());
        }
    }

    @Test
    void processWithoutThePrefixGivesNothing() throws Exception {
        try (Running r = new Running(options())) {
            Process p = TestProcesses.start(Map.of("NOT_RDENG", "1"), "/bin/sleep", "0.05");
            TestProcesses.waitFor(p);
            r.barrier();
            assertEquals(List.of(), r.ofPid(p.pid()));
        }
    }

    @Test
    void processShorterThanTheMinimumDurationGivesNothing() throws Exception {
        // Lifetimes stretch with a slow machine (a qemu guest): so do the bounds.
        Duration minimum = KernelTestSupport.patience(Duration.ofMillis(700));
        String slowSeconds = Double.toString(KernelTestSupport.patience(Duration.ofMillis(1200)).toMillis() / 1000.0);
        try (Running r = new Running(options().minDuration(minimum))) {
            Process quick = TestProcesses.start(Map.of(TAG, tag()), "/bin/sleep", "0.05");
            Process slow = TestProcesses.start(Map.of(TAG, tag()), "/bin/sleep", slowSeconds);
            TestProcesses.waitFor(quick);
            ProcessEvent exec = r.await(EventType.EXEC, slow.pid());
            TestProcesses.waitFor(slow);
            r.await(EventType.EXIT, slow.pid());
            assertEquals(List.of(), r.ofPid(quick.pid()), "ended before the minimum duration");
            assertNotNull(exec.process().exePath());
            assertTrue(r.detector.metrics().filtered(FilterReason.MIN_DURATION) >= 1);
        }
    }

    @Test
    void prefixVariableAfterTwoThousandOthersIsFound() throws Exception {
        try (Running r = new Running(options())) {
            String tag = tag();
            // The bounded-loop programs (kernels without bpf_loop) give up before 2 000 variables,
            // and the engine then reads the value from /proc: the process has to outlive that
            // read, which on a loaded qemu guest took more than the 50 ms it once lived.
            String lifetime = Double.toString(KernelTestSupport.patience(Duration.ofMillis(500)).toMillis() / 1000.0);
            Process p = TestProcesses.startWithFiller(2000, Map.of(TAG, tag), "/bin/sleep", lifetime);
            TestProcesses.waitFor(p);
            ProcessEvent exec = r.await(e -> e.type() == EventType.EXEC && tag.equals(e.process().envs().get(TAG)),
                    "EXEC of the 2000-variable process");
            assertEquals(List.of("/bin/sleep", lifetime), exec.process().cmdLine());
            r.await(EventType.EXIT, exec.pid());
        }
    }

    @Test
    void scriptRunByAnExcludedInterpreterGivesNothing(@TempDir Path dir) throws Exception {
        Path script = dir.resolve("excluded.sh");
        Files.writeString(script, "#!/bin/sh\nsleep 0.1\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        // Excluded by its resolved path: the kernel sees "/bin/sh", only /proc/PID/exe says dash.
        try (Running r = new Running(options().excludedExecutables(List.of(Path.of("/usr/bin/dash"))))) {
            String tag = tag();
            Process p = TestProcesses.start(Map.of(TAG, tag), script.toString());
            assertEquals(0, TestProcesses.waitFor(p));
            r.barrier();
            assertEquals(List.of(), r.ofPid(p.pid()), "the script run by the excluded interpreter");
            // What it starts is judged on its own executable, as when the kernel excludes by path.
            for (ProcessEvent e : r.of(tag)) {
                assertEquals("/usr/bin/sleep", e.process().exePath(), e.toString());
                assertTrue(e.type() != EventType.FORK, "no FORK of an excluded process: " + e);
            }
            assertTrue(r.detector.metrics().filtered(FilterReason.EXCLUDED_EXE) >= 1);
        }
    }

    @Test
    void forkFromANonLeaderThreadIsReportedWithTheChild() throws Exception {
        Path testproc = TestProcesses.testproc();
        try (Running r = new Running(options())) {
            String tag = tag();
            Process forker = TestProcesses.start(Map.of(TAG, tag), testproc.toString(), "thread-fork", "200");
            String line = new String(forker.getInputStream().readAllBytes()).trim();
            TestProcesses.waitFor(forker);
            int child = Integer.parseInt(line.replace("child ", ""));

            ProcessEvent fork = r.await(EventType.FORK, child);
            assertEquals(forker.pid(), fork.process().ppid());
            assertEquals(tag, fork.process().envs().get(TAG), "the child's own environment");
            assertEquals(testproc.toString(), fork.process().exeLink(), "runs its parent's image");
            ProcessEvent childExit = r.await(EventType.EXIT, child);
            assertEquals(0, childExit.exit().exitCode());
            r.await(EventType.EXIT, forker.pid());
            assertEquals(List.of(EventType.EXEC, EventType.EXIT),
                    r.ofPid(forker.pid()).stream().map(ProcessEvent::type).toList(), "threads are not processes");
        }
    }

    @Test
    void childThatExecsAtOnceIsForkedWithItsParentsImage() throws Exception {
        try (Running r = new Running(options())) {
            String tag = tag();
            String script = "/bin/echo forked; exit 0";
            Process sh = TestProcesses.start(Map.of(TAG, tag), "/bin/sh", "-c", script);
            TestProcesses.waitFor(sh);
            ProcessEvent fork = r.await(e -> e.type() == EventType.FORK && e.process().ppid() == sh.pid(),
                    "FORK by pid " + sh.pid());
            ProcessEvent childExit = r.await(EventType.EXIT, fork.pid());

            assertEquals("/usr/bin/dash", fork.process().exePath(), "what the parent ran at the fork");
            assertEquals("/bin/sh", fork.process().exeLink());
            assertEquals(List.of("/bin/sh", "-c", script), fork.process().cmdLine());
            assertEquals(Map.of(TAG, tag), fork.process().envs());
            List<ProcessEvent> child = r.ofPid(fork.pid());
            assertEquals(List.of(EventType.FORK, EventType.EXEC, EventType.EXIT),
                    child.stream().map(ProcessEvent::type).toList());
            assertEquals("/bin/echo", child.get(1).process().exeLink());
            assertEquals(List.of("/bin/echo", "forked"), child.get(1).process().cmdLine());
            assertEquals(child.get(1).process(), childExit.process(), "the EXIT describes the newest image");
        }
    }

    @Test
    void execFromANonLeaderThreadReportsTheNewImageAndOneExit() throws Exception {
        Path testproc = TestProcesses.testproc();
        try (Running r = new Running(options())) {
            Process p = TestProcesses.start(Map.of(TAG, tag()), testproc.toString(), "thread-exec", "/bin/sh", "-c",
                    "sleep 0.1; exit 6");
            assertEquals(6, TestProcesses.waitFor(p));
            ProcessEvent exit = r.await(EventType.EXIT, p.pid());
            List<ProcessEvent> events = r.ofPid(p.pid());
            assertEquals(List.of(EventType.EXEC, EventType.EXEC, EventType.EXIT),
                    events.stream().map(ProcessEvent::type).toList());
            assertEquals(List.of("/bin/sh", "-c", "sleep 0.1; exit 6"), events.get(1).process().cmdLine());
            assertEquals("/bin/sh", events.get(1).process().exeLink());
            assertEquals(6, exit.exit().exitCode());
            assertEquals(events.get(1).process(), exit.process(), "the EXIT describes the newest image");
        }
    }

    @Test
    void processRunningBeforeStartIsFoundByTheScan() throws Exception {
        String tag = tag();
        Process before = TestProcesses.start(Map.of(TAG, tag), "/bin/sleep", "600");
        Process unrelated = TestProcesses.start(Map.of("NOT_RDENG", "1"), "/bin/sleep", "600");
        try (Running r = new Running(options())) {
            ProcessEvent exec = r.await(EventType.EXEC, before.pid());
            assertEquals(List.of("/bin/sleep", "600"), exec.process().cmdLine());
            assertEquals(tag, exec.process().envs().get(TAG));
            assertEquals("/usr/bin/sleep", exec.process().exePath());

            before.destroy(); // SIGTERM
            ProcessEvent exit = r.await(EventType.EXIT, before.pid());
            assertEquals(15, exit.exit().signal());
            assertEquals(-1, exit.exit().exitCode());
            unrelated.destroy();
            TestProcesses.waitFor(unrelated);
            r.barrier();
            assertEquals(List.of(), r.ofPid(unrelated.pid()));
        } finally {
            before.destroyForcibly();
            unrelated.destroyForcibly();
        }
    }

    @Test
    void trackedPidIsFollowedWithoutAPrefix() throws Exception {
        Process untagged = TestProcesses.start(Map.of("NOT_RDENG", "1"), "/bin/sleep", "600");
        try (Running r = new Running(options())) {
            r.detector.trackProcesses(List.of((int) untagged.pid()));
            r.barrier();
            untagged.destroy();
            ProcessEvent exit = r.await(EventType.EXIT, untagged.pid());
            assertEquals(List.of(EventType.EXIT), r.ofPid(untagged.pid()).stream().map(ProcessEvent::type).toList(),
                    "followed on request: no EXEC of its own");
            assertEquals(List.of("/bin/sleep", "600"), exit.process().cmdLine());
        } finally {
            untagged.destroyForcibly();
        }
    }

    @Test
    void openingAWatchedFileIsReportedBetweenExecAndExit(@TempDir Path dir) throws Exception {
        Path watched = dir.resolve("watched.conf");
        Files.writeString(watched, "x");
        Path testproc = TestProcesses.testproc();
        try (Running r = new Running(options().minDuration(Duration.ofMillis(300))
                .watchedFiles(List.of(dir.resolve("unused"), watched)))) {
            Process p = TestProcesses.start(Map.of(TAG, tag()), testproc.toString(), "open", watched.toString(), "600");
            TestProcesses.waitFor(p);
            r.await(EventType.EXIT, p.pid());
            List<ProcessEvent> events = r.ofPid(p.pid());
            assertEquals(List.of(EventType.EXEC, EventType.FILE_OPEN, EventType.EXIT),
                    events.stream().map(ProcessEvent::type).toList(), "opened before the minimum duration, held");
            assertEquals(watched.toString(), events.get(1).filePath());
            assertEquals(events.get(0).process(), events.get(1).process());
        }
    }

    @Test
    void stopCompletesTheEventsAndDetaches() throws Exception {
        Running r = new Running(options());
        r.detector.stop().toCompletableFuture().get();
        assertTrue(r.detector.whenTerminated().toCompletableFuture().isDone());
        assertEquals(1, r.sink.flushCount(), "sinks flushed once");
        assertEquals(0, r.detector.metrics().liveProcesses());
    }
}
