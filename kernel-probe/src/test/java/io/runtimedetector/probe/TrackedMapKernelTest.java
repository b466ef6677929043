package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scenarios of the Go library this project follows, on the real kernel, down to what the
 * programs keep in the tracked map. Each test has its own probe and prefix, so the map
 * holds only what the test's processes put there.
 */
class TrackedMapKernelTest {

    private static final String PREFIX = "RDTM_";
    private static final Duration WAIT = KernelTestSupport.patience(Duration.ofSeconds(30));

    @BeforeEach
    void kernel() {
        KernelTestSupport.requireKernel();
    }

    private static ProbeConfig config() {
        return ProbeConfig.builder().envPrefix(PREFIX).pollInterval(Duration.ofMillis(20)).build();
    }

    private static RawEvent awaitExit(ProbeHarness h, int pid) throws InterruptedException {
        return h.await(e -> e.type() == RawEventType.EXIT && e.pid() == pid, WAIT);
    }

    /** Until the map is {@code expected}; the exit program empties it after the EXIT is sent. */
    private static void awaitMap(ProbeHarness h, Set<Integer> expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        Set<Integer> now;
        while (!(now = h.probe.trackedPids()).equals(expected)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("tracked map " + now + ", expected " + expected);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void twoThousandVariablesWithoutThePrefixReportAndKeepNothing() throws Exception {
        try (ProbeHarness h = new ProbeHarness(config())) {
            Process quiet = TestProcesses.startWithFiller(2000, Map.of("RDTMX_ID", "1"), "/bin/sh", "-c", "exit 0");
            assertEquals(0, TestProcesses.waitFor(quiet));
            Process marker = TestProcesses.start(Map.of("RDTM_MARK", "1"), "/bin/sh", "-c", "exit 0");
            TestProcesses.waitFor(marker);
            // One ring buffer, in order: the marker's EXIT comes after anything about the first.
            awaitExit(h, (int) marker.pid());
            List<RawEvent> ofQuiet = h.eventsOf((int) quiet.pid());
            if (h.probe.variant().maxEnvStrings() >= 2000) {
                assertEquals(List.of(), ofQuiet);
            } else {
                // Past what the bounded scan reads: passed on as unsure, never as a match; the
                // engine decides from /proc (DetectorKernelTest), and the EXIT empties the map.
                assertTrue(ofQuiet.stream().allMatch(e -> !e.has(RawEvent.FLAG_ENV_MATCH)), ofQuiet.toString());
                assertTrue(ofQuiet.stream().anyMatch(e -> e.has(RawEvent.FLAG_ENV_UNSURE)), ofQuiet.toString());
            }
            awaitMap(h, Set.of());
        }
    }

    @Test
    void aFailedExecLeavesNothingInTheTrackedMap() throws Exception {
        try (ProbeHarness h = new ProbeHarness(config())) {
            // An untracked shell runs two children with the prefix variable: one whose exec
            // fails (no such file), then one whose exec succeeds and that waits on stdin.
            Process sh = TestProcesses.start(Map.of("PATH", "/usr/bin:/bin"), "/bin/sh", "-c",
                    "RDTM_ID=1 /nonexistent/rd-no-such-file; echo failed $?; RDTM_ID=2 /bin/sh -c 'read x; exit 0'");
            RawEvent exec = h.await(e -> e.type() == RawEventType.EXEC && e.has(RawEvent.FLAG_ENV_MATCH)
                    && e.ppid() == (int) sh.pid(), WAIT);
            assertEquals("/bin/sh", exec.filename());
            // Exactly the process whose exec succeeded is tracked.
            awaitMap(h, Set.of(exec.pid()));
            assertTrue(h.eventsOf((int) sh.pid()).isEmpty(), "the untracked shell: " + h.eventsOf((int) sh.pid()));

            sh.getOutputStream().close(); // read x sees EOF
            assertEquals(0, TestProcesses.waitFor(sh));
            awaitExit(h, exec.pid());
            awaitMap(h, Set.of());
        }
    }

    @Test
    void anExecFromANonLeaderThreadLeavesNothingStaleInTheMap() throws Exception {
        try (ProbeHarness h = new ProbeHarness(config())) {
            Process p = TestProcesses.start(Map.of("RDTM_ID", "1"), TestProcesses.testproc().toString(),
                    "thread-exec", "/bin/sh", "-c", "read x; exit 0");
            int pid = (int) p.pid();
            RawEvent second = h.await(e -> e.type() == RawEventType.EXEC && e.pid() == pid
                    && e.filename().equals("/bin/sh"), WAIT);
            assertTrue(second.tid() != pid, "exec'd by a non-leader thread, tid " + second.tid());
            // The thread that exec'd took over the leader's pid: one entry, under that pid,
            // none under the thread's own id.
            awaitMap(h, Set.of(pid));

            closeStdin(p);
            assertEquals(0, TestProcesses.waitFor(p));
            awaitExit(h, pid);
            awaitMap(h, Set.of());
        }
    }

    private static void closeStdin(Process p) throws IOException {
        p.getOutputStream().close();
    }
}
