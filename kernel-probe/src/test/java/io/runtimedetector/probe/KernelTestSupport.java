package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate for tests that load eBPF programs. Off CI a machine without root skips them;
 * with {@code CI=true} a skip would hide a broken kernel path, so it fails instead.
 */
public final class KernelTestSupport {

    /**
     * Multiplies the kernel tests' waits (a positive number, 1 by default): the qemu guests
     * of {@code make test-kernels} run 10 to 50 times slower than the host.
     */
    public static final String TIME_SCALE_PROPERTY = "runtimedetector.test.timeScale";

    private KernelTestSupport() {
    }

    /** {@code wait} scaled by {@value #TIME_SCALE_PROPERTY}. */
    public static Duration patience(Duration wait) {
        String scale = System.getProperty(TIME_SCALE_PROPERTY, "1");
        try {
            double factor = Double.parseDouble(scale);
            if (factor > 0) {
                return Duration.ofMillis((long) (wait.toMillis() * factor));
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(TIME_SCALE_PROPERTY + ": not a positive number: " + scale);
    }

    /** Call first in every kernel test (or in a {@code @BeforeAll}). */
    public static void requireKernel() {
        String why = missingPrerequisite();
        if (why == null) {
            return;
        }
        if ("true".equalsIgnoreCase(System.getenv("CI"))) {
            throw new AssertionError("kernel test cannot run on CI: " + why);
        }
        Assumptions.abort("kernel test skipped: " + why);
    }

    private static String missingPrerequisite() {
        if (!Files.isReadable(Path.of("/sys/kernel/btf/vmlinux"))) {
            return "the kernel has no BTF (/sys/kernel/btf/vmlinux)";
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    boolean sysAdmin = (caps & (1L << 21)) != 0;
                    boolean bpfAndPerfmon = (caps & (1L << 39)) != 0 && (caps & (1L << 38)) != 0;
                    return sysAdmin || bpfAndPerfmon ? null : "needs root (CAP_BPF and CAP_PERFMON, or CAP_SYS_ADMIN)";
                }
            }
            return "no CapEff line in /proc/self/status";
        } catch (IOException e) {
            return "cannot read /proc/self/status: " + e.getMessage();
        }
    }
}
