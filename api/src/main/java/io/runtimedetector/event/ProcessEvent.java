package io.runtimedetector.event;

import java.time.Instant;
import java.util.Objects;

/**
 * One event delivered to sinks and to {@code Detector.events()}.
 *
 * @param type      what happened
 * @param pid       pid in the detector's PID namespace (what its /proc shows)
 * @param startBootTimeNs process start in ns since boot; with pid, the process identity
 * @param time      wall-clock time the kernel saw the event (the scan time for processes found at start)
 * @param process   the process image: for EXIT, the one that was reported by its EXEC or FORK (also
 *                  by a previous detector, across a restart); on an EXIT whose image the detector never
 *                  had, {@link ProcessInfo#imageKnown()} is false and only its start is filled in.
 *                  Events are delivered at least once across a detector restart; a repeated one has the
 *                  same (pid, startBootTimeNs, type)
 * @param filePath  FILE_OPEN only: the watched path that was opened, else null
 * @param exit      EXIT only, else null
 */
public record ProcessEvent(
        EventType type,
        int pid,
        long startBootTimeNs,
        Instant time,
        ProcessInfo process,
        String filePath,
        ExitInfo exit) {

    public ProcessEvent {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(process, "process");
        if ((type == EventType.FILE_OPEN) != (filePath != null)) {
            throw new IllegalArgumentException("filePath is set exactly on FILE_OPEN events");
        }
        if ((type == EventType.EXIT) != (exit != null)) {
            throw new IllegalArgumentException("exit is set exactly on EXIT events");
        }
    }
}
