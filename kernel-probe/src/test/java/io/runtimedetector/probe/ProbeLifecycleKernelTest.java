package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
     * The ids of our exec programs that a process holds, named rd_exec. Other detectors on
     * the machine hold programs of the same name; those do not count.
     */
    private static Set<Integer> execProgramsHeldBy(long pid) throws IOException, InterruptedException {
        return BpfPrograms.named(BpfPrograms.heldBy(pid), "rd_exec");
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
        BpfPrograms.awaitUnloaded(ours, "after close");
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
        BpfPrograms.awaitUnloaded(theirs, "after SIGKILL");
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
