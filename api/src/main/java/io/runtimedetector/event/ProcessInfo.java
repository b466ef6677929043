package io.runtimedetector.event;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What is known about a process image. Fields that could not be read (the process was
 * already gone, /proc denied it) are empty strings, empty collections or 0, never null;
 * only {@code container} is null, for a process outside any container.
 *
 * @param ppid         parent pid in the detector's PID namespace, 0 when unknown
 * @param uid          real user id, -1 when unknown
 * @param containerPid pid in the process' innermost PID namespace (equals pid on the host)
 * @param cgroupId     id of the process' cgroup (v2: the cgroup directory's inode), 0 when
 *                     unknown; what maps a process to its container and pod
 * @param exePath      resolved executable, as /proc/PID/exe shows it
 * @param exeLink      path given to exec (what the link was asked for), e.g. /usr/bin/python3
 * @param cmdLine      argv
 * @param envs         the requested environment variables present in the process, and only those
 * @param startTime    wall-clock start of the process
 * @param container    the container the process runs in; null for a process that is not in one
 *                     (or whose cgroup could not be attributed)
 * @param imageKnown   false only on the EXIT of a process whose image the detector never had: one a
 *                     previous detector followed and that ended while no detector ran, when that one
 *                     left no state behind (it crashed). Then only the identity (pid, start), the exit
 *                     status and the lifetime are known; every other field is empty or 0. See
 *                     {@link #unknownImage}
 */
public record ProcessInfo(
        int ppid,
        int uid,
        int containerPid,
        long cgroupId,
        String exePath,
        String exeLink,
        List<String> cmdLine,
        Map<String, String> envs,
        Instant startTime,
        ContainerInfo container,
        boolean imageKnown) {

    /** A known image of a process outside any container, or not attributed. */
    public ProcessInfo(int ppid, int uid, int containerPid, long cgroupId, String exePath, String exeLink,
            List<String> cmdLine, Map<String, String> envs, Instant startTime) {
        this(ppid, uid, containerPid, cgroupId, exePath, exeLink, cmdLine, envs, startTime, null);
    }

    /** A known image. */
    public ProcessInfo(int ppid, int uid, int containerPid, long cgroupId, String exePath, String exeLink,
            List<String> cmdLine, Map<String, String> envs, Instant startTime, ContainerInfo container) {
        this(ppid, uid, containerPid, cgroupId, exePath, exeLink, cmdLine, envs, startTime, container, true);
    }

    /**
     * What an EXIT carries when the detector never had the process' image: its start only.
     * ppid 0, uid -1 and empty paths, as for any field that could not be read.
     */
    public static ProcessInfo unknownImage(Instant startTime) {
        return new ProcessInfo(0, -1, 0, 0, "", "", List.of(), Map.of(), startTime, null, false);
    }

    public ProcessInfo {
        exePath = exePath == null ? "" : exePath;
        exeLink = exeLink == null ? "" : exeLink;
        cmdLine = cmdLine == null ? List.of() : List.copyOf(cmdLine);
        envs = envs == null ? Map.of() : Map.copyOf(envs);
        startTime = startTime == null ? Instant.EPOCH : startTime;
    }

    /** The same image in another container (or none); used to add the runtime's names. */
    public ProcessInfo withContainer(ContainerInfo newContainer) {
        return new ProcessInfo(ppid, uid, containerPid, cgroupId, exePath, exeLink, cmdLine, envs, startTime,
                newContainer, imageKnown);
    }
}
