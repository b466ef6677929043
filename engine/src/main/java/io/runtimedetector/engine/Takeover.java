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
 * <li>ended, and the kernel followed it: its EXIT is in the ring's backlog, and is
 *     reported with the image the file kept, or as of an unknown image;
 * <li>ended, and the kernel did not follow it (no pinned mode): its EXIT is lost, counted.
 * </ul>
 *
 * @param restored processes the supervisor routes before anything else
 * @param adopted  processes to adopt as the scan does
 * @param lost     ended processes whose EXIT no kernel kept
 */
record Takeover(List<Restored> restored, List<SupervisorCommand.Adopt> adopted, int lost) {

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
        int lost = 0;
        for (Map.Entry<Integer, Long> t : tracked.entrySet()) {
            ProcessKey key = new ProcessKey(t.getKey(), t.getValue());
            SavedProcess s = byPid.remove(t.getKey());
            lost += decide(key, s, true, proc, now, restored, adopted);
        }
        for (SavedProcess s : byPid.values()) {
            lost += decide(s.key(), s, false, proc, now, restored, adopted);
        }
        return new Takeover(List.copyOf(restored), List.copyOf(adopted), lost);
    }

    /** @return 1 when the process' EXIT is lost, else 0 */
    private static int decide(ProcessKey key, SavedProcess s, boolean kernelFollows, ProcReader proc, Instant now,
            List<Restored> restored, List<SupervisorCommand.Adopt> adopted) {
        boolean requested = s != null && s.requested();
        if (proc.isAlive(key)) {
            if (s != null && s.execReported()) {
                restored.add(new Restored(key, s.image(), true, requested, true, !kernelFollows));
            } else {
                adopted.add(new SupervisorCommand.Adopt(key, proc.read(key), now, requested));
            }
            return 0;
        }
        if (kernelFollows) {
            restored.add(new Restored(key, s == null ? null : s.image(), s != null && s.execReported(), requested,
                    false, false));
            return 0;
        }
        return 1;
    }

    int resumed() {
        return (int) restored.stream().filter(Restored::running).count() + adopted.size();
    }
}
