package io.runtimedetector.engine;

import io.runtimedetector.probe.RawEvent;

/**
 * Raw events as the ring's backlog holds them after a restart: with the kernel's own
 * timestamps (CLOCK_MONOTONIC, what HotSpot's nanoTime reads), from before the detector
 * started, instead of the "now" a synthetic event's 0 stands for.
 */
final class Backlog {

    private Backlog() {
    }

    /** CLOCK_MONOTONIC {@code seconds} ago. */
    static long secondsAgo(double seconds) {
        return System.nanoTime() - (long) (seconds * 1e9);
    }

    /** The same event, as the kernel recorded it at {@code ktimeNs}. */
    static RawEvent at(RawEvent e, long ktimeNs) {
        return new RawEvent(e.type(), e.flags(), ktimeNs, e.startBootTimeNs(), e.pid(), e.tid(), e.ppid(), e.nsPid(),
                e.uid(), e.exitStatus(), e.watchId(), e.comm(), e.filename(), e.args(), e.exePath(), e.envs(),
                e.cgroupId(), e.cgroupV1Id());
    }
}
