package io.runtimedetector;

/**
 * How events were attributed to containers, and what the runtime's names cost.
 *
 * @param byUnifiedCgroup  process images attributed from the kernel's unified (cgroup2) id
 * @param byV1Cgroup       ... from the kernel's v1 memory-hierarchy id (hybrid hosts whose runtime
 *                         leaves the unified tree alone)
 * @param byProcRead       ... from a read of /proc/PID/cgroup (processes found by the start-up scan)
 * @param notInContainer   process images whose cgroups name no container
 * @param unknownCgroup    process images whose cgroup ids were not in the cache (created and gone
 *                         between two looks, or a hierarchy that could not be read)
 * @param cgroupsKnown     cgroups in the id → path cache now, recently removed ones included
 * @param cgroupRewalks    times the cgroup watch overflowed and the hierarchy was walked again
 * @param nameHits         events that got the runtime's names (pod, namespace, container)
 * @param nameMisses       events of a container emitted without them (no answer in time, unknown)
 * @param nameLookups      lookups sent to the container runtime
 * @param nameErrors       lookups that failed (socket missing or silent, an error status)
 */
public record ContainerMetrics(
        long byUnifiedCgroup,
        long byV1Cgroup,
        long byProcRead,
        long notInContainer,
        long unknownCgroup,
        int cgroupsKnown,
        long cgroupRewalks,
        long nameHits,
        long nameMisses,
        long nameLookups,
        long nameErrors) {

    /** Attribution off, or a detector that has not started. */
    public static final ContainerMetrics NONE = new ContainerMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

    /** Process images attributed without a /proc read. */
    public long withoutProcRead() {
        return byUnifiedCgroup + byV1Cgroup;
    }

    String summary() {
        return "containers{unified=" + byUnifiedCgroup + " v1=" + byV1Cgroup + " proc=" + byProcRead
                + " none=" + notInContainer + " unknown=" + unknownCgroup + " cgroups=" + cgroupsKnown
                + " rewalks=" + cgroupRewalks + " names{hits=" + nameHits + " misses=" + nameMisses
                + " lookups=" + nameLookups + " errors=" + nameErrors + "}}";
    }
}
