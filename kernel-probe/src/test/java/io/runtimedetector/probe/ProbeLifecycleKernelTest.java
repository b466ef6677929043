package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What is left in the kernel after close, after a killed JVM, and what an unprivileged user is told. */
class ProbeLifecycleKernelTest {

    @BeforeEach
    void kernel() {
        KernelTestSupport.requireKernel();
    }

    /** How many eBPF programs named like ours are loaded on the machine. */
    private static int loadedProbePrograms() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bpftool", "prog", "show").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("bpftool prog show failed: " + out);
        }
        return (int) out.lines().filter(l -> l.contains(" name rd_exec ")).count();
    }

    private static void awaitProgramCount(IntPredicate ok, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int n;
        while (!ok.test(n = loadedProbePrograms())) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": " + n + " rd_exec programs loaded");
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
        int before = loadedProbePrograms();
        KernelProbe probe = KernelProbe.open(ProbeConfig.builder().build());
        assertEquals(before + 1, loadedProbePrograms());
        probe.close();
        probe.close();  // idempotent
        awaitProgramCount(n -> n == before, "after close");
    }

    @Test
    void aKilledJvmLeavesNothingAttached() throws Exception {
        int before = loadedProbePrograms();
        Process child = childJvm(List.of()).start();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            assertEquals("attached", out.readLine());
            assertEquals(before + 1, loadedProbePrograms());
            child.destroyForcibly();  // SIGKILL: no shutdown hook, no close()
            child.waitFor();
        }
        awaitProgramCount(n -> n == before, "after SIGKILL");
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
}
