package io.runtimedetector.engine;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a detector takes over from the one before it, decided once at start from the
 * kernel's tracked set (pinned mode: the processes the kernel kept following) and the
 * state file a graceful stop left, before the first raw event is handled:
 * <ul>
 * <li>still running, its EXEC reported before: followed again, no second EXEC
 *     ({@link Restored#running()});
 * <li>still running, its EXEC not reported (no state file: the previous detector crashed,
 *     or it had not lived the minimum duration): adopted as the scan adopts, so its EXEC
 *     comes (again, after a crash: at least once);
 * <li>ended: its EXIT is due from the ring's backlog (pinned mode; the kernel forgets a
 *     process at its exit, so it is mostly not in the tracked set any more), and is
 *     reported with the image the file kept, or as of an unknown image. Without a pinned
 *     ring it never comes: the supervisor forgets it once the backlog is shown read, and
 *     counts it as a lost exit.
 * </ul>
 * An EXIT in the backlog of a process in neither (the previous detector crashed) is the
 * supervisor's to report, as of an unknown image.
 *
 * @param restored processes the supervisor routes before anything else
 * @param adopted  processes to adopt as the scan does
 */
record Takeover(List<Restored> restored, List<SupervisorCommand.Adopt> adopted) {

    /** Reads /proc for each process: a blocking call, made once at start. */
    static Takeover plan(Map<Integer, Long> tracked, List<SavedProcess> saved, ProcReader proc, Instant now) {
        Map<Integer, SavedProcess> byPid = new LinkedHashMap<>();
        for (SavedProcess p : saved) {
            Long kernelStart = tracked.get(p.key().pid());
            // A pid the kernel follows for another process is the kernel's; the file's is older.
            if (kernelStart == null || p.key().sameProcess(p.key().pid(), kernelStart)) {
                byPid.put(p.key().pid(), p);
            }
        }
        List<Restored> restored = new ArrayList<>();
        List<SupervisorCommand.Adopt> adopted = new ArrayList<>();
        for (Map.Entry<Integer, Long> t : tracked.entrySet()) {
            ProcessKey key = new ProcessKey(t.getKey(), t.getValue());
            decide(key, byPid.remove(t.getKey()), true, proc, now, restored, adopted);
        }
        for (SavedProcess s : byPid.values()) {
            decide(s.key(), s, false, proc, now, restored, adopted);
        }
        return new Takeover(List.copyOf(restored), List.copyOf(adopted));
    }

    private static void decide(ProcessKey key, SavedProcess s, boolean kernelFollows, ProcReader proc, Instant now,
            List<Restored> restored, List<SupervisorCommand.Adopt> adopted) {
        boolean requested = s != null && s.requested();
        if (!proc.isAlive(key)) {
            restored.add(new Restored(key, s == null ? null : s.image(), s != null && s.execReported(), requested,
                    false, false));
        } else if (s != null && s.execReported()) {
            restored.add(new Restored(key, s.image(), true, requested, true, !kernelFollows));
        } else {
            adopted.add(new SupervisorCommand.Adopt(key, proc.read(key), now, requested));
        }
    }

    int resumed() {
        return (int) restored.stream().filter(Restored::running).count() + adopted.size();
    }
}
