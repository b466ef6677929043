package io.runtimedetector.engine;

import io.runtimedetector.container.ContainerAttribution;
import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;

/**
 * Builds the {@link ProcessInfo} of an image: from the kernel's record, with what a
 * fallback read of /proc filled in; from the start-up scan; or, for a FORK, from the
 * parent's image, each with its container from the cgroup ids ({@link ContainerAttribution}).
 * Strings and lists are shared between processes through an
 * {@link Interner}, which keeps the heap per followed process small.
 */
final class ProcessImages {

    /** Slots of the shared-value cache: 128 KiB of references. */
    private static final int INTERNED_SLOTS = 32_768;

    private final EngineClock clock;
    private final FallbackPlan plan;
    private final Interner interner = new Interner(INTERNED_SLOTS);
    private final ContainerAttribution containers;

    ProcessImages(EngineClock clock, FallbackPlan plan, ContainerAttribution containers) {
        this.clock = clock;
        this.plan = plan;
        this.containers = containers;
    }

    EngineClock clock() {
        return clock;
    }

    /** The image an EXEC starts. @param s the fallback read, {@link ProcSnapshot#gone()} when none was needed */
    ProcessInfo exec(long startBootTimeNs, RawEvent e, ProcSnapshot s) {
        String exePath = exePath(e, s);
        var cmdLine = e.has(RawEvent.FLAG_ARGS_TRUNCATED) && !s.cmdLine().isEmpty() ? s.cmdLine() : e.args();
        return new ProcessInfo(e.ppid(), e.uid(), e.nsPid(), e.cgroupId(), exePath, interner.string(e.filename()),
                interner.list(cmdLine), interner.map(plan.envs(e, s)), clock.startTime(startBootTimeNs),
                container(e, s));
    }

    /** Whether the cgroup cache holds the record's cgroups; if not, /proc/PID/cgroup is read with the fallback. */
    boolean knowsCgroups(RawEvent e) {
        return containers.knows(e.cgroupId(), e.cgroupV1Id());
    }

    /** From the cache; from /proc/PID/cgroup when the cache was behind at the exec and still is. */
    private ContainerInfo container(RawEvent e, ProcSnapshot s) {
        if (!s.cgroups().isEmpty() && !containers.knows(e.cgroupId(), e.cgroupV1Id())) {
            return containers.resolveProcCgroup(s.cgroups());
        }
        return containers.resolve(e.cgroupId(), e.cgroupV1Id());
    }

    /** The resolved executable: the kernel's, else what the fallback read found. */
    String exePath(RawEvent e, ProcSnapshot s) {
        if (!e.exePath().isEmpty()) {
            return interner.string(e.exePath());
        }
        if (!s.exePath().isEmpty()) {
            return interner.string(s.exePath());
        }
        return "";
    }

    /** A process found in /proc: everything comes from there; its exec was not seen. */
    ProcessInfo scanned(long startBootTimeNs, ProcSnapshot s) {
        return new ProcessInfo(Math.max(s.ppid(), 0), s.uid(), Math.max(s.nsPid(), 0), 0,
                interner.string(s.exePath()), "", interner.list(s.cmdLine()), interner.map(s.envs()),
                clock.startTime(startBootTimeNs), containers.resolveProcCgroup(s.cgroups()));
    }

    /** A child as it was at the fork: its parent's image, its own identity. */
    ProcessInfo fork(long startBootTimeNs, ForkFacts f, ProcessInfo parent) {
        // A fork record always carries the child's ids; without them it is in its parent's container.
        ContainerInfo container = f.cgroupId() != 0 || f.cgroupV1Id() != 0
                ? containers.resolve(f.cgroupId(), f.cgroupV1Id()) : parent.container();
        return new ProcessInfo(f.ppid(), f.uid(), f.nsPid(), f.cgroupId() != 0 ? f.cgroupId() : parent.cgroupId(),
                parent.exePath(), parent.exeLink(), parent.cmdLine(), parent.envs(), clock.startTime(startBootTimeNs),
                container);
    }
}
