package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Gate for tests that load eBPF programs. Off CI a machine without root skips them;
 * with {@code CI=true} a skip would hide a broken kernel path, so it fails instead.
 */
public final class KernelTestSupport {

    private KernelTestSupport() {
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

    /**
     * Where the cgroup v2 hierarchy is mounted (/sys/fs/cgroup, or .../unified on a hybrid
     * system); mounted on a directory of its own when nothing mounts it, as in a bare VM.
     */
    public static synchronized Path cgroup2Root() throws IOException, InterruptedException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            if (halves.length == 2 && halves[1].startsWith("cgroup2 ")) {
                return Path.of(halves[0].split(" ")[4]);
            }
        }
        Path dir = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"), "rd-cgroup2"));
        Process mount = new ProcessBuilder("mount", "-t", "cgroup2", "none", dir.toString()).inheritIO().start();
        if (mount.waitFor() != 0) {
            throw new IOException("no cgroup v2 hierarchy is mounted and mounting one on " + dir + " failed");
        }
        return dir;
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
