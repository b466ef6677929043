package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A procfs that shows no PID namespace: the probe still starts, and reports host pids. */
class PidNamespaceKernelTest {

    @BeforeEach
    void kernel() {
        KernelTestSupport.requireKernel();
    }

    @Test
    void withNoReadableNamespaceThePidsAreTheHosts(@TempDir Path emptyProcfs) throws Exception {
        ProbeConfig config = ProbeConfig.builder().envPrefix("RDPN_").procPath(emptyProcfs).build();
        try (ProbeHarness h = new ProbeHarness(config)) {
            Process p = TestProcesses.start(Map.of("RDPN_ID", "1"), "/bin/sh", "-c", "exit 5");
            assertEquals(5, TestProcesses.waitFor(p));
            // The tests run in the host's namespace, where Java's pid is the host pid.
            RawEvent exec = h.await(RawEventType.EXEC, (int) p.pid());
            assertEquals((int) p.pid(), exec.pid());
            assertEquals(5, h.await(RawEventType.EXIT, (int) p.pid()).exitCode());
        }
    }
}
