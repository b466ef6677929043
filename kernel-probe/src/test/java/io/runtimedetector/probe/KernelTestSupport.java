package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    /**
     * The tag of the tests that push thousands of processes through the ring buffer: the
     * arm64 guests of {@code make test-kernels}, too slow under TCG for them, leave them out.
     */
    public static final String VOLUME = "volume";

    private KernelTestSupport() {
    }

    /**
     * How many processes a volume test starts: {@code n} on the host, fewer in a slow
     * guest ({@value #TIME_SCALE_PROPERTY} above 1), where each costs as much more time.
     */
    public static int volume(int n) {
        double factor = patience(Duration.ofMillis(1000)).toMillis() / 1000.0;
        return Math.max(100, (int) (n / factor));
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

    /** Where the v1 memory controller is mounted, or null on a host without v1 hierarchies. */
    public static Path memoryV1Root() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String[] halves = line.split(" - ", 2);
            if (halves.length == 2 && halves[1].startsWith("cgroup ")
                    && List.of(halves[1].split(" ")[2].split(",")).contains("memory")) {
                return Path.of(halves[0].split(" ")[4]);
            }
        }
        return null;
    }

    /** This process' own cgroup in the v1 hierarchy mounted at {@code mount} (memory here). */
    public static Path ownMemoryCgroup(Path mount) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] fields = line.split(":", 3);
            if (fields.length == 3 && List.of(fields[1].split(",")).contains("memory")) {
                return mount.resolve(fields[2].substring(1));
            }
        }
        throw new IOException("/proc/self/cgroup has no memory line");
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
