package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What is left in the kernel after close, after a killed JVM, and what an unprivileged user is told. */
class ProbeLifecycleKernelTest {

    @BeforeEach
    void kernel() {
        KernelTestSupport.requireKernel();
    }

    /**
     * The ids of our exec programs that a process holds: the prog_id of each BPF program
     * descriptor in its /proc/PID/fdinfo, named rd_exec. Other detectors on the machine
     * hold programs of the same name; those do not count.
     */
    private static Set<Integer> execProgramsHeldBy(long pid) throws IOException, InterruptedException {
        Set<Integer> held = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fdinfo"))) {
            for (Path fd : fds) {
                try {
                    for (String line : Files.readAllLines(fd)) {
                        if (line.startsWith("prog_id:")) {
                            held.add(Integer.parseInt(line.substring(8).trim()));
                        }
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // a descriptor closed while listing: not one of the probe's
                }
            }
        }
        Set<Integer> exec = new HashSet<>();
        for (int id : held) {
            if (bpftool("prog", "show", "id", Integer.toString(id)).contains(" name rd_exec ")) {
                exec.add(id);
            }
        }
        return exec;
    }

    private static String bpftool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    /** The ids of every eBPF program loaded on the machine: the lines {@code ID: type name ...}. */
    private static Set<Integer> loadedProgramIds() throws IOException, InterruptedException {
        Set<Integer> ids = new HashSet<>();
        for (String line : bpftool("prog", "show").lines().toList()) {
            if (!line.isEmpty() && Character.isDigit(line.charAt(0))) {
                ids.add(Integer.parseInt(line.substring(0, line.indexOf(':'))));
            }
        }
        return ids;
    }

    /** Waits until none of these programs is loaded any more (the kernel frees them asynchronously). */
    private static void awaitUnloaded(Set<Integer> ids, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Set<Integer> left = new HashSet<>(ids);
            left.retainAll(loadedProgramIds());
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": programs " + left + " are still loaded");
            }
            Thread.sleep(50);
        }
    }

    private static ProcessBuilder childJvm(List<String> prefix) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new java.util.ArrayList<>(prefix);
        cmd.addAll(List.of(java, "-cp", System.getProperty("java.class.path"), ProbeHolderMain.class.getName()));
        return new ProcessBuilder(cmd).redirectErrorStream(true);
    }

    @Test
    void closeDetachesAndUnloadsThePrograms() throws Exception {
        KernelProbe probe = KernelProbe.open(ProbeConfig.builder().build());
        Set<Integer> ours = execProgramsHeldBy(ProcessHandle.current().pid());
        assertEquals(1, ours.size(), "one exec program, held by this JVM");
        probe.close();
        probe.close();  // idempotent
        awaitUnloaded(ours, "after close");
    }

    @Test
    void aKilledJvmLeavesNothingAttached() throws Exception {
        Process child = childJvm(List.of()).start();
        Set<Integer> theirs;
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            do {
                line = out.readLine();  // the probe's own log lines come first
            } while (line != null && !line.equals("attached"));
            assertEquals("attached", line);
            theirs = execProgramsHeldBy(child.pid());
            assertEquals(1, theirs.size(), "one exec program, held by the child JVM");
            child.destroyForcibly();  // SIGKILL: no shutdown hook, no close()
            child.waitFor();
        }
        awaitUnloaded(theirs, "after SIGKILL");
    }

    @Test
    void withoutCapabilitiesTheUserGetsOneSentence() throws Exception {
        // Root's uid without a single capability: the check must name what is missing.
        Process child = childJvm(List.of("setpriv", "--inh-caps=-all", "--ambient-caps=-all", "--bounding-set=-all",
                "--"))
                .start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertEquals(77, child.waitFor(), out);
        assertEquals(InsufficientPrivilegesException.SENTENCE, out);
        assertTrue(out.contains("CAP_BPF") && out.contains("CAP_PERFMON"));
    }

    /** AUTO takes bpf_loop where the kernel has it (5.17+); a forced variant is the one loaded. */
    @Test
    void theVariantLoadedIsTheOneAskedForOrTheKernelsBest() {
        String[] v = System.getProperty("os.version").split("[.-]");
        boolean hasBpfLoop = Integer.parseInt(v[0]) > 5 || (Integer.parseInt(v[0]) == 5 && Integer.parseInt(v[1]) >= 17);
        try (KernelProbe probe = KernelProbe.open(ProbeConfig.builder().bpfVariant(BpfVariant.AUTO).build())) {
            assertEquals(hasBpfLoop ? BpfVariant.BPF_LOOP : BpfVariant.BOUNDED_LOOP, probe.variant());
        }
        try (KernelProbe probe = KernelProbe.open(ProbeConfig.builder().bpfVariant(BpfVariant.BOUNDED_LOOP).build())) {
            assertEquals(BpfVariant.BOUNDED_LOOP, probe.variant());
        }
    }
}
