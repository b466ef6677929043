package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.probe.KernelTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar without the privileges eBPF needs: one plain sentence naming the
 * capabilities, no stack trace, a non-zero status (77). Needs root to drop to less.
 */
@Timeout(120)
class SampleAppPrivilegesIT {

    private static final String SETPRIV = "/usr/bin/setpriv";
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path dir;

    @BeforeAll
    static void needsRootToDropPrivileges() {
        // Root is what lets setpriv switch user and drop capabilities; the same gate as the kernel tests.
        KernelTestSupport.requireKernel();
        assertTrue(Files.isExecutable(Path.of(SETPRIV)), SETPRIV + " (util-linux) is needed to drop privileges");
    }

    @Test
    void asAnUnprivilegedUser() throws Exception {
        // nobody must be able to read the jar: a world-readable copy in a world-searchable directory.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path jar = Files.copy(AppProcess.jar(), dir.resolve("sample-app.jar"), StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
        assertRefused(List.of(SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups"), jar);
    }

    @Test
    void asRootWithoutCapabilities() throws Exception {
        assertRefused(List.of(SETPRIV, "--inh-caps=-all", "--bounding-set=-all"), AppProcess.jar());
    }

    private void assertRefused(List<String> dropPrivileges, Path jar) throws Exception {
        List<String> command = new ArrayList<>(dropPrivileges);
        command.addAll(AppProcess.javaJar(jar, "--format", "json", "--min-duration", "0"));
        try (AppProcess app = AppProcess.start(command, dir)) {
            int status = app.awaitExit(EXIT_WITHIN);
            assertEquals(ExitCode.NO_PRIVILEGES, status, app.transcript());
            List<String> stderr = app.stderr().stream().filter(line -> !line.isBlank()).toList();
            assertEquals(1, stderr.size(), "exactly one line on stderr\n" + app.transcript());
            String line = stderr.get(0);
            assertTrue(line.contains("CAP_BPF") && line.contains("CAP_PERFMON") && line.contains("CAP_SYS_ADMIN"), line);
            assertFalse(line.contains("Exception"), line);
            assertFalse(line.strip().startsWith("at "), line);
            assertEquals(List.of(), app.stdout(), app.transcript());
        }
    }
}
