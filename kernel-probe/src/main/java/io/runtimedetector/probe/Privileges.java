package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Checks, before any native call, what loading eBPF programs needs. */
final class Privileges {

    static final int CAP_SYS_ADMIN = 21;
    static final int CAP_PERFMON = 38;
    static final int CAP_BPF = 39;

    private Privileges() {
    }

    /** @throws InsufficientPrivilegesException naming the capabilities the JVM lacks */
    static void check() {
        long caps = effectiveCapabilities();
        if (!sufficient(caps)) {
            throw new InsufficientPrivilegesException();
        }
    }

    static boolean sufficient(long caps) {
        return has(caps, CAP_SYS_ADMIN) || (has(caps, CAP_BPF) && has(caps, CAP_PERFMON));
    }

    private static boolean has(long caps, int cap) {
        return (caps & (1L << cap)) != 0;
    }

    /** CapEff of this process; when it cannot be read, assume enough and let the kernel decide. */
    private static long effectiveCapabilities() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return Long.parseUnsignedLong(line.substring("CapEff:".length()).trim(), 16);
                }
            }
        } catch (IOException | NumberFormatException e) {
            // fall through
        }
        return -1L;
    }
}
