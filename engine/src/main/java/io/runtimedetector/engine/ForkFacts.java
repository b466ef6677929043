package io.runtimedetector.engine;

import io.runtimedetector.probe.RawEvent;

/**
 * What a child's own FORK record says; the rest of its image is its parent's.
 *
 * @param trackFull the kernel could not track the child: no FILE_OPEN or EXIT will come
 */
record ForkFacts(long ktimeNs, int ppid, int uid, int nsPid, long cgroupId, long cgroupV1Id, boolean trackFull) {

    static ForkFacts of(RawEvent e) {
        return new ForkFacts(e.ktimeNs(), e.ppid(), e.uid(), e.nsPid(), e.cgroupId(), e.cgroupV1Id(),
                e.has(RawEvent.FLAG_TRACK_FULL));
    }
}
