package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the kernel captures of a new image, so that an EXEC needs no /proc read: the
 * executable resolved as /proc/PID/exe shows it, the requested variables' values and
 * the cgroup. Each case checks the kernel's answer against /proc's for a process that
 * is still running.
 */
class ExecImageKernelTest {

    private static final String PREFIX = "RDIM_";

    @TempDir
    Path tmp;
    private Path bindTarget;

    @BeforeEach
    void kernel() {
        KernelTestSupport.requireKernel();
    }

    @AfterEach
    void unmount() throws Exception {
        if (bindTarget != null) {
            run("umount", bindTarget.toString());
        }
    }

    private static ProbeConfig.Builder config() {
        return ProbeConfig.builder().envPrefix(PREFIX).pollInterval(Duration.ofMillis(20));
    }

    /** Starts a process that stays until killed, so its /proc/PID/exe can be read. */
    private static Process sleeper(Map<String, String> env, String... command) {
        return TestProcesses.start(env, command);
    }

    private static String procExe(Process p) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc", Long.toString(p.pid()), "exe")).toString();
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed: " + out);
        }
    }

    @Test
    void exePathThroughASymlinkIsTheResolvedBinary() throws Exception {
        Path link = tmp.resolve("my-sleep");
        Files.createSymbolicLink(link, Path.of("/bin/sleep"));
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process p = sleeper(Map.of("RDIM_ID", "1"), link.toString(), "30");
            try {
                RawEvent exec = h.await(RawEventType.EXEC, (int) p.pid());
                assertEquals(link.toString(), exec.filename(), "the path given to exec");
                assertEquals(procExe(p), exec.exePath(), "what /proc/PID/exe shows");
                assertEquals(Path.of("/bin/sleep").toRealPath().toString(), exec.exePath());
                assertFalse(exec.has(RawEvent.FLAG_EXE_INCOMPLETE));
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void exePathThroughABindMountIsTheMountedPath() throws Exception {
        Path source = Files.createDirectories(tmp.resolve("src"));
        Files.copy(Path.of("/bin/sleep"), source.resolve("sleep"));
        bindTarget = Files.createDirectories(tmp.resolve("mnt/deeper/bound"));
        run("mount", "--bind", source.toString(), bindTarget.toString());
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process p = sleeper(Map.of("RDIM_ID", "2"), bindTarget.resolve("sleep").toString(), "30");
            try {
                RawEvent exec = h.await(RawEventType.EXEC, (int) p.pid());
                assertEquals(procExe(p), exec.exePath());
                assertEquals(bindTarget.resolve("sleep").toString(), exec.exePath(), "crosses the bind mount");
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * A chrooted process: the path as seen from its own root, where d_path stops for a
     * reader in that root (the host's /proc shows the longer path outside it).
     */
    @Test
    void exePathOfAChrootedProcessIsRelativeToItsRoot() throws Exception {
        bindTarget = Files.createDirectories(tmp.resolve("jail"));
        run("mount", "--bind", "/", bindTarget.toString());
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process p = sleeper(Map.of("RDIM_ID", "6"), "/usr/sbin/chroot", bindTarget.toString(), "/bin/sleep", "30");
            try {
                RawEvent exec = h.await(e -> e.type() == RawEventType.EXEC && e.pid() == (int) p.pid()
                        && e.filename().equals("/bin/sleep"), KernelTestSupport.patience(Duration.ofSeconds(10)));
                String inside = Path.of("/bin/sleep").toRealPath().toString();
                assertEquals(inside, exec.exePath(), "from the process' root");
                assertEquals(bindTarget + inside, procExe(p), "the host's view goes through the jail");
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void aBinaryDeletedBeforeItsExecReadsAsProcShowsIt() throws Exception {
        Path copy = tmp.resolve("vanishing");
        Files.copy(Path.of("/bin/sleep"), copy, StandardCopyOption.COPY_ATTRIBUTES);
        // Opened, unlinked, then exec'd through the open descriptor: a fileless start.
        String script = "exec 3<" + copy + "; rm " + copy + "; exec /proc/self/fd/3 30";
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process p = sleeper(Map.of("RDIM_ID", "3"), "/bin/bash", "-c", script);
            try {
                RawEvent second = h.await(e -> e.type() == RawEventType.EXEC && e.pid() == (int) p.pid()
                        && e.filename().startsWith("/proc/self/fd/"), KernelTestSupport.patience(Duration.ofSeconds(10)));
                assertTrue(second.has(RawEvent.FLAG_EXE_DELETED), "flags " + second.flags());
                assertEquals(copy + " (deleted)", second.exePath());
                assertEquals(procExe(p), second.exePath());
            } finally {
                p.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void requestedVariablesAreCapturedAndNothingElse() throws Exception {
        ProbeConfig cfg = config().reportedEnvKeys(List.of("RDIM_TENANT", "APP_MODE", "ABSENT", "LONG")).build();
        String longValue = "x".repeat(400);
        try (ProbeHarness h = new ProbeHarness(cfg)) {
            // Every requested variable comes after 500 fillers.
            Process p = TestProcesses.startWithFiller(500, Map.of("RDIM_TENANT", "acme", "APP_MODE", "a=b",
                    "APP_MODEL", "not this one", "LONG", longValue), "/bin/true");
            TestProcesses.waitFor(p);
            RawEvent exec = h.await(e -> e.type() == RawEventType.EXEC && e.filename().equals("/bin/true")
                    && e.pid() == (int) p.pid(), KernelTestSupport.patience(Duration.ofSeconds(10)));
            if (h.probe.variant().maxEnvStrings() < 500) {
                // Past the bounded scan: passed on as unsure, and the record says its values are partial.
                assertTrue(exec.has(RawEvent.FLAG_ENV_UNSURE), "flags " + exec.flags());
                assertFalse(exec.has(RawEvent.FLAG_ENVS_COMPLETE), "flags " + exec.flags());
                return;
            }
            assertEquals("acme", exec.envs().get("RDIM_TENANT"));
            assertEquals("a=b", exec.envs().get("APP_MODE"));
            assertFalse(exec.envs().containsKey("APP_MODEL"), "a longer name is another variable");
            assertFalse(exec.envs().containsKey("ABSENT"));
            assertTrue(exec.has(RawEvent.FLAG_ENVS_COMPLETE), "the whole environment was read: " + exec.flags());
            assertTrue(exec.has(RawEvent.FLAG_ENVS_TRUNCATED), "LONG was cut: " + exec.flags());
            assertTrue(longValue.startsWith(exec.envs().get("LONG")), "a cut value is a prefix of the real one");
            assertTrue(exec.envs().get("LONG").length() > 200);
            assertEquals(3, exec.envs().size(), "the requested ones present, nothing else: " + exec.envs());
        }
    }

    @Test
    void withAllRequestedFoundTheScanStopsAndSaysComplete() throws Exception {
        ProbeConfig cfg = config().reportedEnvKeys(List.of("RDIM_A")).build();
        try (ProbeHarness h = new ProbeHarness(cfg)) {
            Process p = TestProcesses.start(Map.of("RDIM_A", "1"), "/bin/true");
            TestProcesses.waitFor(p);
            RawEvent exec = h.await(RawEventType.EXEC, (int) p.pid());
            assertEquals(Map.of("RDIM_A", "1"), exec.envs());
            assertTrue(exec.has(RawEvent.FLAG_ENVS_COMPLETE));
            assertFalse(exec.has(RawEvent.FLAG_ENVS_TRUNCATED));
        }
    }

    @Test
    void cgroupIdIsTheInodeOfTheProcessCgroupDirectory() throws Exception {
        Path root = KernelTestSupport.cgroup2Root();
        Path group = root.resolve("rd-test-" + ProcessHandle.current().pid());
        Files.createDirectories(group);
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            String script = "echo $$ > " + group.resolve("cgroup.procs") + " && exec /bin/sleep 0.3";
            Process p = TestProcesses.start(Map.of("RDIM_ID", "4"), "/bin/sh", "-c", script);
            assertEquals(0, TestProcesses.waitFor(p));
            RawEvent exec = h.await(e -> e.type() == RawEventType.EXEC && e.pid() == (int) p.pid()
                    && e.filename().equals("/bin/sleep"), KernelTestSupport.patience(Duration.ofSeconds(10)));
            long inode = (Long) Files.getAttribute(group, "unix:ino");
            assertEquals(inode, exec.cgroupId());
            RawEvent exit = h.await(RawEventType.EXIT, (int) p.pid());
            assertEquals(inode, exit.cgroupId());
        } finally {
            Files.deleteIfExists(group);
        }
    }

    /**
     * The record also carries the memory controller's cgroup. On a host with v1 hierarchies
     * that is the process' cgroup in the v1 memory hierarchy: here a child of this test's own
     * memory cgroup (which carries the machine's memory limit). On a cgroup v2 host it is the
     * unified cgroup where the memory controller applies: the process' own or an ancestor.
     */
    @Test
    void cgroupV1IdIsTheProcessMemoryCgroup() throws Exception {
        Path mount = KernelTestSupport.memoryV1Root();
        Path parent = mount != null ? KernelTestSupport.ownMemoryCgroup(mount) : KernelTestSupport.cgroup2Root();
        Path group = parent.resolve("rd-test-v1-" + ProcessHandle.current().pid());
        Files.createDirectories(group);
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            String script = "echo $$ > " + group.resolve("cgroup.procs") + " && exec /bin/sleep 0.3";
            Process p = TestProcesses.start(Map.of("RDIM_ID", "6"), "/bin/sh", "-c", script);
            assertEquals(0, TestProcesses.waitFor(p));
            RawEvent exec = h.await(e -> e.type() == RawEventType.EXEC && e.pid() == (int) p.pid()
                    && e.filename().equals("/bin/sleep"), KernelTestSupport.patience(Duration.ofSeconds(10)));
            long inode = (Long) Files.getAttribute(group, "unix:ino");
            if (mount != null) {
                assertEquals(inode, exec.cgroupV1Id());
            } else {
                List<Long> selfAndAncestors = new java.util.ArrayList<>();
                for (Path d = group; d.startsWith(parent); d = d.getParent()) {
                    selfAndAncestors.add((Long) Files.getAttribute(d, "unix:ino"));
                }
                assertTrue(selfAndAncestors.contains(exec.cgroupV1Id()), exec.cgroupV1Id() + " in " + selfAndAncestors);
            }
            assertEquals(exec.cgroupV1Id(), h.await(RawEventType.EXIT, (int) p.pid()).cgroupV1Id());
        } finally {
            Files.deleteIfExists(group);
        }
    }

    @Test
    void recordsAreSizedToTheirContent() throws Exception {
        try (ProbeHarness h = new ProbeHarness(config().build())) {
            Process p = TestProcesses.start(Map.of("RDIM_ID", "5"), "/bin/true");
            TestProcesses.waitFor(p);
            h.await(RawEventType.EXIT, (int) p.pid());
            RecordSizes sizes = h.probe.counters().records();
            // The header, then "/bin/true", its argv "/bin/true\0" and "/usr/bin/true"; an EXIT is the header alone.
            int exec = EventLayout.HDR_SIZE + "/bin/true".length() + "/bin/true\0".length()
                    + Path.of("/bin/true").toRealPath().toString().length();
            assertEquals(1, sizes.execRecords());
            assertEquals(exec, sizes.execBytes());
            assertEquals(1, sizes.exitRecords());
            assertEquals(EventLayout.HDR_SIZE, sizes.exitBytes());
        }
    }
}
