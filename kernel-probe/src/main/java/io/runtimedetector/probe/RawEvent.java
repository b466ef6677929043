package io.runtimedetector.probe;

import java.util.List;
import java.util.Map;

/**
 * One event as the kernel reported it, before any engine rule. A process is identified
 * by {@code (pid, startBootTimeNs)}; for {@link RawEventType#FORK} that process is the
 * new child and {@code ppid} the parent that forked it.
 *
 * @param type            what happened
 * @param flags           {@code RD_F_*} bits, see the FLAG_ constants
 * @param ktimeNs         kernel time of the event, CLOCK_MONOTONIC nanoseconds
 * @param startBootTimeNs process start, nanoseconds since boot (CLOCK_BOOTTIME)
 * @param pid             thread-group id in the detector's PID namespace
 * @param tid             kernel (global) id of the thread that caused the event
 * @param ppid            parent's pid in the detector's namespace, 0 when not visible
 * @param nsPid           pid in the process' own innermost namespace (container PID)
 * @param uid             real user id
 * @param exitStatus      EXIT only: wait(2) status, {@code (code << 8) | signal}
 * @param watchId         FILE_OPEN only: index of the watched file in the probe config
 * @param comm            task command name (at most 15 bytes)
 * @param filename        EXEC: path given to exec; FILE_OPEN: path given to open; else ""
 * @param args            EXEC only: argv as captured in the kernel (may be truncated)
 * @param exePath         EXEC only: the executable as the kernel resolved it (the path of
 *                        {@code bprm->file}, what /proc/PID/exe shows); "" when the kernel
 *                        could not walk the whole path ({@link #FLAG_EXE_INCOMPLETE})
 * @param envs            EXEC only: the values of the requested environment variables the
 *                        kernel found; complete only with {@link #FLAG_ENVS_COMPLETE}
 * @param cgroupId        id of the process' default-hierarchy cgroup, 0 when unknown
 * @param cgroupV1Id      id of the process' cgroup in the v1 memory hierarchy (on a host with
 *                        v1 hierarchies; else the memory controller's v2 cgroup), 0 when unknown
 */
public record RawEvent(
        RawEventType type,
        int flags,
        long ktimeNs,
        long startBootTimeNs,
        int pid,
        int tid,
        int ppid,
        int nsPid,
        int uid,
        int exitStatus,
        int watchId,
        String comm,
        String filename,
        List<String> args,
        String exePath,
        Map<String, String> envs,
        long cgroupId,
        long cgroupV1Id) {

    public static final int FLAG_ENV_MATCH = 1;
    public static final int FLAG_ENV_UNSURE = 1 << 1;
    public static final int FLAG_WAS_TRACKED = 1 << 2;
    public static final int FLAG_EXCLUDED = 1 << 3;
    public static final int FLAG_TRACK_FULL = 1 << 4;
    public static final int FLAG_FILENAME_TRUNCATED = 1 << 5;
    public static final int FLAG_ARGS_TRUNCATED = 1 << 6;
    public static final int FLAG_WATCH_BY_INODE = 1 << 7;
    /** The kernel could not resolve the whole executable path: {@code exePath} is "". */
    public static final int FLAG_EXE_INCOMPLETE = 1 << 8;
    /** The kernel read the whole environment: a requested variable missing from {@code envs} is absent. */
    public static final int FLAG_ENVS_COMPLETE = 1 << 9;
    /** A requested variable's value was longer than the kernel captures; its value is cut. */
    public static final int FLAG_ENVS_TRUNCATED = 1 << 10;
    /** The executable was unlinked after it was started; {@code exePath} ends in " (deleted)" as in /proc. */
    public static final int FLAG_EXE_DELETED = 1 << 11;

    /** An event without a v1 cgroup id: synthetic events, hosts without v1 hierarchies. */
    public RawEvent(RawEventType type, int flags, long ktimeNs, long startBootTimeNs, int pid, int tid, int ppid,
            int nsPid, int uid, int exitStatus, int watchId, String comm, String filename, List<String> args,
            String exePath, Map<String, String> envs, long cgroupId) {
        this(type, flags, ktimeNs, startBootTimeNs, pid, tid, ppid, nsPid, uid, exitStatus, watchId, comm, filename,
                args, exePath, envs, cgroupId, 0);
    }

    public RawEvent {
        args = List.copyOf(args);
        exePath = exePath == null ? "" : exePath;
        envs = envs == null ? Map.of() : Map.copyOf(envs);
    }

    /** The same event with the kernel's view of the new image, for synthetic events. */
    public RawEvent withImage(String resolvedExePath, Map<String, String> envValues, int extraFlags) {
        return new RawEvent(type, flags | extraFlags, ktimeNs, startBootTimeNs, pid, tid, ppid, nsPid, uid,
                exitStatus, watchId, comm, filename, args, resolvedExePath, envValues, cgroupId, cgroupV1Id);
    }

    public boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** Exit code when the process exited normally, else -1. */
    public int exitCode() {
        return (exitStatus & 0x7f) == 0 ? (exitStatus >> 8) & 0xff : -1;
    }

    /** Terminating signal when the process was killed by one, else 0. */
    public int exitSignal() {
        return exitStatus & 0x7f;
    }

    /** Shorthand for synthetic events in tests and tools. */
    public static RawEvent exec(int pid, long startBootTimeNs, String filename, List<String> args, int flags) {
        return new RawEvent(RawEventType.EXEC, flags, 0, startBootTimeNs, pid, pid, 0, pid, 0, 0, 0,
                baseName(filename), filename, args, "", Map.of(), 0);
    }

    public static RawEvent fork(int childPid, long childStartBootTimeNs, int parentPid) {
        return new RawEvent(RawEventType.FORK, 0, 0, childStartBootTimeNs, childPid, parentPid, parentPid,
                childPid, 0, 0, 0, "", "", List.of(), "", Map.of(), 0);
    }

    public static RawEvent exit(int pid, long startBootTimeNs, int exitStatus) {
        return new RawEvent(RawEventType.EXIT, 0, 0, startBootTimeNs, pid, pid, 0, pid, 0, exitStatus, 0,
                "", "", List.of(), "", Map.of(), 0);
    }

    public static RawEvent fileOpen(int pid, long startBootTimeNs, String path, int watchId) {
        return new RawEvent(RawEventType.FILE_OPEN, 0, 0, startBootTimeNs, pid, pid, 0, pid, 0, 0, watchId,
                "", path, List.of(), "", Map.of(), 0);
    }

    private static String baseName(String path) {
        int slash = path.lastIndexOf('/');
        String name = slash >= 0 ? path.substring(slash + 1) : path;
        return name.length() > 15 ? name.substring(0, 15) : name;
    }
}
