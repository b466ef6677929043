package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.probe.KernelSupport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar on a kernel it cannot run on, stood in for by the probe's override
 * properties: one sentence, no stack trace, status 77. The check precedes the privilege
 * check, so this needs no root.
 */
@Timeout(120)
class SampleAppUnsupportedKernelIT {

    private static final Duration EXIT_WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @Test
    void withoutBtf() throws Exception {
        String line = refusedWith("-D" + KernelSupport.BTF_PROPERTY + "=" + dir.resolve("no-btf"));
        assertTrue(line.contains("CONFIG_DEBUG_INFO_BTF") && line.contains("/sys/kernel/btf/vmlinux"), line);
    }

    @Test
    void olderThanTheMinimum() throws Exception {
        String line = refusedWith("-D" + KernelSupport.RELEASE_PROPERTY + "=5.4.0-150-generic");
        assertTrue(line.contains("5.8") && line.contains("5.4.0-150-generic"), line);
    }

    private String refusedWith(String property) throws Exception {
        List<String> command = AppProcess.javaJar(List.of(property), AppProcess.jar().toAbsolutePath(),
                "--format", "json", "--min-duration", "0");
        try (AppProcess app = AppProcess.start(command, dir)) {
            int status = app.awaitExit(EXIT_WITHIN);
            assertEquals(ExitCode.UNSUPPORTED_KERNEL, status, app.transcript());
            List<String> stderr = app.stderr().stream().filter(line -> !line.isBlank()).toList();
            assertEquals(1, stderr.size(), "exactly one line on stderr\n" + app.transcript());
            String line = stderr.get(0);
            assertFalse(line.contains("Exception"), line);
            assertEquals(List.of(), app.stdout(), app.transcript());
            return line;
        }
    }
}
