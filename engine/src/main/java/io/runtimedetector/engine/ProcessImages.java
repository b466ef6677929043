package io.runtimedetector.engine;

import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;

/**
 * Builds the {@link ProcessInfo} of an image from /proc, falling back field by field to
 * what the kernel captured when /proc could not tell.
 */
public final class ProcessImages {

    private final EngineClock clock;

    public ProcessImages(EngineClock clock) {
        this.clock = clock;
    }

    /**
     * @param exeLink path given to exec of this image, "" when the exec was not seen
     * @param raw     the kernel's event for this image, null for a process found in /proc
     */
    public ProcessInfo describe(ProcessKey key, ProcSnapshot s, String exeLink, RawEvent raw) {
        int ppid = s.ppid() != ProcSnapshot.UNKNOWN ? s.ppid() : raw != null ? raw.ppid() : 0;
        int uid = s.uid() != ProcSnapshot.UNKNOWN ? s.uid() : raw != null ? raw.uid() : -1;
        int containerPid = s.nsPid() != ProcSnapshot.UNKNOWN ? s.nsPid() : raw != null ? raw.nsPid() : 0;
        var cmdLine = !s.cmdLine().isEmpty() || raw == null ? s.cmdLine() : raw.args();
        return new ProcessInfo(ppid, uid, containerPid, s.exePath(), exeLink, cmdLine, s.envs(),
                clock.startTime(key.startBootTimeNs()));
    }
}
