package io.runtimedetector.engine;

import io.runtimedetector.probe.EventProbe;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;

/**
 * What every process actor shares: settings and the services it calls. All of them are
 * thread-safe, since many actors use them at once.
 *
 * @param minDuration    how long a process must live before it is reported
 * @param watchedFiles   the configured watched paths, indexed by the kernel's watch id
 * @param pendingLimit   events held per process while it waits for the minimum duration
 */
public record EngineContext(
        Duration minDuration,
        List<String> watchedFiles,
        int pendingLimit,
        ExecFilter filter,
        ProcReader proc,
        ProcessImages images,
        EngineClock clock,
        EventProbe probe,
        EventOutput output,
        EngineCounters counters) {

    public EngineContext {
        watchedFiles = List.copyOf(watchedFiles);
        if (pendingLimit < 1) {
            throw new IllegalArgumentException("pendingLimit must be positive, was " + pendingLimit);
        }
    }

    /** The configured path of a watched file, or what the process passed when the id is unknown. */
    public String watchedPath(int watchId, String openedPath) {
        return watchId >= 0 && watchId < watchedFiles.size() ? watchedFiles.get(watchId) : openedPath;
    }

    /**
     * Tells the kernel to stop following {@code key}. Skipped when its pid already
     * belongs to a newer process, which must not lose its tracking. A pid no process
     * holds is untracked all the same: that clears an entry left by a track() that
     * raced with the process' end.
     */
    public void untrack(ProcessKey key) {
        OptionalLong now = proc.startBootTimeNs(key.pid());
        if (now.isEmpty() || key.sameProcess(key.pid(), now.getAsLong())) {
            probe.untrack(key.pid());
        }
    }
}
