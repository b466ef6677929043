package io.runtimedetector.engine;

import java.util.List;
import java.util.Map;

/**
 * What /proc showed about one process at one moment. Whatever could not be read, or
 * was not asked for, is empty, or {@link #UNKNOWN} for numbers.
 *
 * @param exePath  target of /proc/PID/exe
 * @param cmdLine  /proc/PID/cmdline split at NUL
 * @param envs     the requested variables only
 * @param envMatch whether the environment carries the configured prefix
 * @param ppid     PPid from /proc/PID/status
 * @param uid      real uid from /proc/PID/status
 * @param nsPid    last NSpid field of /proc/PID/status: the pid in the innermost namespace
 * @param alive    the pid still belonged to the process after the read
 * @param cgroups  lines of /proc/PID/cgroup: read by the start-up scan only, whose processes
 *                 the kernel never reported with their cgroup ids
 */
record ProcSnapshot(
        String exePath,
        List<String> cmdLine,
        Map<String, String> envs,
        EnvMatch envMatch,
        int ppid,
        int uid,
        int nsPid,
        boolean alive,
        List<String> cgroups) {

    static final int UNKNOWN = -1;
    private static final ProcSnapshot GONE =
            new ProcSnapshot("", List.of(), Map.of(), EnvMatch.UNREADABLE, UNKNOWN, UNKNOWN, UNKNOWN, false);

    /** A snapshot without the cgroup lines: fallback reads after an EXEC, which came with the ids. */
    ProcSnapshot(String exePath, List<String> cmdLine, Map<String, String> envs, EnvMatch envMatch, int ppid,
            int uid, int nsPid, boolean alive) {
        this(exePath, cmdLine, envs, envMatch, ppid, uid, nsPid, alive, List.of());
    }

    ProcSnapshot {
        cgroups = List.copyOf(cgroups);
        cmdLine = List.copyOf(cmdLine);
        envs = Map.copyOf(envs);
    }

    /** Nothing could be read: the process had already ended, or its pid now belongs to another. */
    static ProcSnapshot gone() {
        return GONE;
    }

    /** A kernel thread has neither an executable nor a command line. */
    boolean looksLikeKernelThread() {
        return exePath.isEmpty() && cmdLine.isEmpty();
    }
}
