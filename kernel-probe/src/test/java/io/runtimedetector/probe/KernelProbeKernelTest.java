package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real processes against the loaded eBPF programs: what reaches Java, and what does not. */
class KernelProbeKernelTest {

    private static final String PREFIX = "RDKT_";

    @BeforeEach
    void kernel() {
        KernelTestSupport.requireKernel();
    }

    private static ProbeConfig.Builder config() {
        return ProbeConfig.builder().envPrefix(PREFIX).pollInterval(Duration.ofMillis(20));
    }

    @Test
    void execWithPrefixVariableThenExitWithItsCode() throws Exception {
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process p = TestProcesses.start(Map.of("RDKT_ID", "1"), "/bin/sh", "-c", "sleep 0.2; exit 7");
            assertEquals(7, TestProcesses.waitFor(p));
            int pid = (int) p.pid();

            RawEvent exec = h.await(RawEventType.EXEC, pid);
            assertEquals("/bin/sh", exec.filename());
            assertEquals(List.of("/bin/sh", "-c", "sleep 0.2; exit 7"), exec.args());
            assertTrue(exec.has(RawEvent.FLAG_ENV_MATCH), "flags " + exec.flags());
            assertTrue(exec.startBootTimeNs() > 0);

            RawEvent exit = h.await(RawEventType.EXIT, pid);
            assertEquals(7, exit.exitCode());
            assertEquals(0, exit.exitSignal());
            assertEquals(exec.startBootTimeNs(), exit.startBootTimeNs());
        }
    }

    @Test
    void noEventForProcessWithoutThePrefix() throws Exception {
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process quiet = TestProcesses.start(Map.of("OTHER", "1", "XRDKT_ID", "1"), "/bin/sh", "-c", "exit 0");
            TestProcesses.waitFor(quiet);
            Process marker = TestProcesses.start(Map.of("RDKT_MARK", "1"), "/bin/sh", "-c", "exit 0");
            TestProcesses.waitFor(marker);

            // One ring buffer for all CPUs: once the later marker's EXIT is here, anything
            // about the earlier process would be too.
            h.await(RawEventType.EXIT, (int) marker.pid());
            assertEquals(List.of(), h.eventsOf((int) quiet.pid()));
        }
    }

    /**
     * Past what the variant scans (2000 strings under bpf_loop, 256 with the bounded
     * loop) the kernel cannot be sure: the exec is passed on, never dropped.
     */
    @Test
    void prefixVariableAfter2000OthersIsNeverDropped() throws Exception {
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process p = TestProcesses.startWithFiller(2000, Map.of("RDKT_LAST", "yes"), "/bin/sh", "-c", "exit 0");
            TestProcesses.waitFor(p);
            // env -i execs /bin/sh in the same process: the sh exec is the one with the variable.
            RawEvent exec = h.await(e -> e.type() == RawEventType.EXEC && e.pid() == (int) p.pid()
                    && e.filename().equals("/bin/sh"), Duration.ofSeconds(10));
            if (h.probe.variant().maxEnvStrings() > 2000) {
                assertTrue(exec.has(RawEvent.FLAG_ENV_MATCH), "matched in the kernel, flags " + exec.flags());
            } else {
                assertTrue(exec.has(RawEvent.FLAG_ENV_UNSURE), "left to the engine, flags " + exec.flags());
                assertTrue(h.probe.counters().execEnvUnsure() > 0);
            }
            h.await(RawEventType.EXIT, (int) p.pid());
        }
    }

    @Test
    void excludedExecutableIsDroppedButOthersPass(@TempDir Path dir) throws Exception {
        Path excluded = dir.resolve("excluded-true");
        Files.copy(Path.of("/bin/true"), excluded);
        excluded.toFile().setExecutable(true);
        try (ProbeHarness h = new ProbeHarness(config().excludedExecutables(List.of(excluded)).build())) {
            Process dropped = TestProcesses.start(Map.of("RDKT_ID", "1"), excluded.toString());
            TestProcesses.waitFor(dropped);
            Process marker = TestProcesses.start(Map.of("RDKT_ID", "2"), "/bin/true");
            TestProcesses.waitFor(marker);

            h.await(RawEventType.EXIT, (int) marker.pid());
            assertEquals(List.of(), h.eventsOf((int) dropped.pid()));
            assertTrue(h.probe.counters().execExcluded() >= 1);
        }
    }

    @Test
    void forkFromANonLeaderThreadIsReportedAndThreadsAreNot() throws Exception {
        Path testproc = TestProcesses.testproc();
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process threads = TestProcesses.start(Map.of("RDKT_ID", "1"), testproc.toString(), "threads", "4", "100");
            TestProcesses.waitFor(threads);
            Process forker = TestProcesses.start(Map.of("RDKT_ID", "2"), testproc.toString(), "thread-fork", "100");
            String line = new String(forker.getInputStream().readAllBytes()).trim();
            TestProcesses.waitFor(forker);
            int child = Integer.parseInt(line.replace("child ", ""));

            RawEvent fork = h.await(RawEventType.FORK, child);
            assertEquals((int) forker.pid(), fork.ppid());
            assertTrue(fork.tid() != forker.pid(), "forked by a non-leader thread");
            h.await(RawEventType.EXIT, child);
            h.await(RawEventType.EXIT, (int) forker.pid());

            List<RawEvent> threadEvents = h.eventsOf((int) threads.pid());
            assertEquals(List.of(RawEventType.EXEC, RawEventType.EXIT),
                    threadEvents.stream().map(RawEvent::type).toList(), "threads are not processes");
        }
    }

    @Test
    void watchedFileOpenedByPathAndByRelativePath(@TempDir Path dir) throws Exception {
        Path watched = dir.resolve("secret.conf");
        Files.writeString(watched, "x");
        Path testproc = TestProcesses.testproc();
        try (ProbeHarness h = new ProbeHarness(config().watchedFiles(List.of(dir.resolve("other"), watched))
                .build())) {
            Process abs = TestProcesses.start(Map.of("RDKT_ID", "1"), testproc.toString(), "open",
                    watched.toString(), "0");
            TestProcesses.waitFor(abs);
            RawEvent open = h.await(RawEventType.FILE_OPEN, (int) abs.pid());
            assertEquals(1, open.watchId());
            assertEquals(watched.toString(), open.filename());

            ProcessBuilder pb = new ProcessBuilder(testproc.toString(), "open", "secret.conf", "0").directory(
                    dir.toFile());
            pb.environment().put("RDKT_ID", "2");
            Process rel = pb.start();
            TestProcesses.waitFor(rel);
            RawEvent byInode = h.await(RawEventType.FILE_OPEN, (int) rel.pid());
            assertEquals(1, byInode.watchId());
            assertTrue(byInode.has(RawEvent.FLAG_WATCH_BY_INODE));
        }
    }

    @Test
    void exitBySignalAndTrackingAProcessStartedBefore() throws Exception {
        Process sleeper = TestProcesses.start(Map.of(), "/bin/sleep", "30");
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            long start = startBootTime((int) sleeper.pid());
            assertTrue(h.probe.track((int) sleeper.pid(), start));
            sleeper.destroyForcibly();
            TestProcesses.waitFor(sleeper);
            RawEvent exit = h.await(RawEventType.EXIT, (int) sleeper.pid());
            assertEquals(9, exit.exitSignal());
            assertEquals(-1, exit.exitCode());
        } finally {
            sleeper.destroyForcibly();
        }
    }

    @Test
    void execFromANonLeaderThreadKeepsThePidAndEndsWithOneExit() throws Exception {
        Path testproc = TestProcesses.testproc();
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process p = TestProcesses.start(Map.of("RDKT_ID", "1"), testproc.toString(), "thread-exec", "/bin/sh",
                    "-c", "exit 5");
            assertEquals(5, TestProcesses.waitFor(p));
            int pid = (int) p.pid();
            RawEvent first = h.await(RawEventType.EXEC, pid);
            RawEvent second = h.await(e -> e.type() == RawEventType.EXEC && e.pid() == pid
                    && e.filename().equals("/bin/sh"), Duration.ofSeconds(10));
            assertEquals(testproc.toString(), first.filename());
            assertTrue(second.has(RawEvent.FLAG_WAS_TRACKED));
            assertTrue(second.tid() != pid, "exec'd by a non-leader thread, tid " + second.tid());
            assertEquals(first.startBootTimeNs(), second.startBootTimeNs(), "same process identity");
            assertEquals(List.of("/bin/sh", "-c", "exit 5"), second.args());

            RawEvent exit = h.await(RawEventType.EXIT, pid);
            assertEquals(5, exit.exitCode());
            Process marker = TestProcesses.start(Map.of("RDKT_ID", "2"), "/bin/true");
            TestProcesses.waitFor(marker);
            h.await(RawEventType.EXIT, (int) marker.pid());
            assertEquals(List.of(RawEventType.EXEC, RawEventType.EXEC, RawEventType.EXIT),
                    h.eventsOf(pid).stream().map(RawEvent::type).toList());
        }
    }

    @Test
    void containerPidIsThePidInTheProcessOwnNamespace() throws Exception {
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process unshare = TestProcesses.start(Map.of(), "unshare", "--pid", "--fork", "/usr/bin/env",
                    "RDKT_NS=1", "/bin/sh", "-c", "exit 0");
            assertEquals(0, TestProcesses.waitFor(unshare));
            RawEvent exec = h.await(e -> e.type() == RawEventType.EXEC && e.ppid() == (int) unshare.pid(),
                    Duration.ofSeconds(10));
            assertEquals("/bin/sh", exec.filename());
            assertEquals(1, exec.nsPid(), "init of the new namespace");
            assertTrue(exec.pid() != 1 && exec.pid() != unshare.pid(), "pid in the detector's namespace");
        }
    }

    @Test
    void trackedMapOverflowIsCountedAndFlagged() throws Exception {
        List<Process> sleepers = new java.util.ArrayList<>();
        try (ProbeHarness h = new ProbeHarness(config().trackedCapacity(2).build())) {
            for (int i = 0; i < 3; i++) {
                sleepers.add(TestProcesses.start(Map.of("RDKT_ID", "" + i), "/bin/sleep", "30"));
            }
            RawEvent third = h.await(RawEventType.EXEC, (int) sleepers.get(2).pid());
            assertTrue(third.has(RawEvent.FLAG_TRACK_FULL), "flags " + third.flags());
            assertEquals(1, h.probe.counters().trackFull());
        } finally {
            sleepers.forEach(Process::destroyForcibly);
        }
    }

    static long startBootTime(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(fields[19]) * 10_000_000L;
    }
}
