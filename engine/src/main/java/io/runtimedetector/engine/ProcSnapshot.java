package io.runtimedetector.engine;

import java.util.List;
import java.util.Map;

/**
 * What /proc showed about one process at one moment. Whatever could not be read is
 * empty, or {@link #UNKNOWN} for numbers, so callers fall back to what the kernel sent.
 *
 * @param exePath  target of /proc/PID/exe
 * @param cmdLine  /proc/PID/cmdline split at NUL
 * @param envs     the requested variables only
 * @param envMatch whether the environment carries the configured prefix
 * @param ppid     PPid from /proc/PID/status
 * @param uid      real uid from /proc/PID/status
 * @param nsPid    last NSpid field of /proc/PID/status: the pid in the innermost namespace
 */
public record ProcSnapshot(
        String exePath,
        List<String> cmdLine,
        Map<String, String> envs,
        EnvMatch envMatch,
        int ppid,
        int uid,
        int nsPid) {

    public static final int UNKNOWN = -1;

    public ProcSnapshot {
        cmdLine = List.copyOf(cmdLine);
        envs = Map.copyOf(envs);
    }

    /** Nothing could be read: the process had already ended, or its pid now belongs to another. */
    public static ProcSnapshot gone() {
        return new ProcSnapshot("", List.of(), Map.of(), EnvMatch.UNREADABLE, UNKNOWN, UNKNOWN, UNKNOWN);
    }

    /** A kernel thread has neither an executable nor a command line. */
    public boolean looksLikeKernelThread() {
        return exePath.isEmpty() && cmdLine.isEmpty();
    }
}
