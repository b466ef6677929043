package io.runtimedetector.probe;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last resort when no process of a procfs shows its PID namespace (e.g. /proc/1/ns
 * closed to the detector by a sandbox, or a procfs mounted with hidepid): report pids as
 * the host's initial namespace numbers them, which is right for a host procfs, and say so
 * once rather than refuse to start.
 */
final class HostPidNamespace {

    /** PROC_PID_INIT_INO: the inode of the initial PID namespace, fixed by the kernel since 3.8. */
    static final long INODE = 0xEFFFFFFCL;

    private static final Logger LOG = LoggerFactory.getLogger(KernelProbe.class);

    private HostPidNamespace() {
    }

    static long fallbackFor(Path procPath) {
        LOG.warn("cannot read the PID namespace of {} (no process there has a readable ns/pid): reporting pids "
                + "in the host's PID namespace", procPath);
        return INODE;
    }
}
