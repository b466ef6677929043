package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Refuses, before libbpf is even loaded, a kernel the probe cannot run on, with one
 * sentence the user can act on instead of a verifier log. The BTF file and the kernel
 * release are read from the system properties {@value #BTF_PROPERTY} and
 * {@value #RELEASE_PROPERTY} when set, so that tests can stand in for other kernels.
 */
public final class KernelSupport {

    /** Overrides where the kernel's BTF is looked for. */
    public static final String BTF_PROPERTY = "runtimedetector.kernel.btf";
    /** Overrides the kernel release (as {@code uname -r} prints it). */
    public static final String RELEASE_PROPERTY = "runtimedetector.kernel.release";

    /** The BPF ring buffer arrived in 5.8; nothing older can carry the events. */
    public static final int MIN_MAJOR = 5;
    public static final int MIN_MINOR = 8;

    static final Path BTF = Path.of("/sys/kernel/btf/vmlinux");
    private static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)");
    private static final int ENOENT = 2;
    private static final int EOPNOTSUPP = 95;

    private KernelSupport() {
    }

    /** @throws UnsupportedKernelException naming what the running kernel lacks */
    public static void check() {
        String btf = System.getProperty(BTF_PROPERTY);
        check(btf == null || btf.isBlank() ? BTF : Path.of(btf), release());
    }

    static void check(Path btf, String release) {
        // The version first: a kernel that old has no usable BTF either, and its
        // sentence tells the user more.
        Optional<int[]> version = version(release);
        if (version.isPresent() && !atLeastMinimum(version.get())) {
            throw new UnsupportedKernelException("runtime-detector needs Linux " + MIN_MAJOR + "." + MIN_MINOR
                    + " or newer (for the BPF ring buffer), but this kernel is " + release, EOPNOTSUPP);
        }
        if (!Files.isReadable(btf)) {
            String missing = btf.equals(BTF) ? "this kernel has none" : btf + " is missing";
            throw new UnsupportedKernelException("runtime-detector needs a kernel with BTF (built with "
                    + "CONFIG_DEBUG_INFO_BTF=y, which provides /sys/kernel/btf/vmlinux), and " + missing,
                    ENOENT);
        }
    }

    /** {major, minor} of a release such as "5.10.0-43-cloud-amd64"; empty when it does not parse. */
    static Optional<int[]> version(String release) {
        if (release == null) {
            return Optional.empty();
        }
        Matcher m = VERSION.matcher(release.strip());
        if (!m.find()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static boolean atLeastMinimum(int[] v) {
        return v[0] > MIN_MAJOR || (v[0] == MIN_MAJOR && v[1] >= MIN_MINOR);
    }

    /** The release to judge; an unreadable one is not refused here, the kernel will say. */
    static String release() {
        String forced = System.getProperty(RELEASE_PROPERTY);
        if (forced != null && !forced.isBlank()) {
            return forced.strip();
        }
        try {
            return Files.readString(OSRELEASE).strip();
        } catch (IOException | SecurityException e) {
            return System.getProperty("os.version", "");
        }
    }
}
