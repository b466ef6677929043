package io.runtimedetector.engine;

import io.runtimedetector.probe.EventProbe;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Every /proc access the engine makes after the start-up scan, run on a dedicated
 * blocking executor so that neither the routing nor a process actor ever waits on the
 * file system. Results come back as completion stages for the actor to pipe to itself.
 */
final class ProcIo {

    private static final int RESOLVED_CACHE_LIMIT = 4096;

    private final ProcReader proc;
    private final EventProbe probe;
    private final Executor executor;
    private final EngineCounters counters;
    private final boolean resolveLocally;
    /** The same few binaries are exec'd over and over; a stale entry after a link is retargeted
     *  only affects processes that were gone before /proc could be read. */
    private final Map<String, String> resolvedCache = new ConcurrentHashMap<>();

    /**
     * @param resolveLocally the detector reads its own /proc, so a process in its PID
     *                       namespace most likely shares its file system: when /proc/PID/exe
     *                       is gone too, the exec'd path is resolved here instead
     */
    ProcIo(ProcReader proc, EventProbe probe, Executor executor, EngineCounters counters, boolean resolveLocally) {
        this.proc = proc;
        this.probe = probe;
        this.executor = executor;
        this.counters = counters;
        this.resolveLocally = resolveLocally;
    }

    /**
     * A fallback read for what the kernel's record lacks; counted per reason.
     *
     * @param execPath the path given to exec, to resolve here when /proc/PID/exe is gone;
     *                 "" when that is not sound (another mount namespace)
     */
    CompletionStage<ProcSnapshot> read(ProcessKey key, ProcRequest request, String execPath) {
        counters.procFallback(request);
        return CompletableFuture.supplyAsync(() -> {
            ProcSnapshot s = proc.read(key, request);
            if (request.exe() && s.exePath().isEmpty() && !execPath.isEmpty()) {
                String resolved = resolved(execPath);
                if (!resolved.isEmpty()) {
                    return new ProcSnapshot(resolved, s.cmdLine(), s.envs(), s.envMatch(), s.ppid(), s.uid(),
                            s.nsPid(), s.alive(), s.cgroups());
                }
            }
            return s;
        }, executor);
    }

    /** Processes of {@code keys} whose pid no longer belongs to them. */
    CompletionStage<List<ProcessKey>> gone(Collection<ProcessKey> keys) {
        List<ProcessKey> toCheck = List.copyOf(keys);
        return CompletableFuture.supplyAsync(
                () -> toCheck.stream().filter(key -> !proc.isAlive(key)).toList(), executor);
    }

    /**
     * Tells the kernel to stop following {@code key}, later. Skipped when its pid already
     * belongs to a newer process, which must not lose its tracking. A pid no process
     * holds is untracked all the same: that clears an entry left by a track() that
     * raced with the process' end.
     */
    void untrack(ProcessKey key) {
        executor.execute(() -> {
            OptionalLong now = proc.startBootTimeNs(key.pid());
            if (now.isEmpty() || key.sameProcess(key.pid(), now.getAsLong())) {
                probe.untrack(key.pid());
            }
        });
    }

    private String resolved(String execPath) {
        if (!resolveLocally || !execPath.startsWith("/")) {
            return "";
        }
        String cached = resolvedCache.get(execPath);
        if (cached != null) {
            return cached;
        }
        try {
            String real = Path.of(execPath).toRealPath().toString();
            if (resolvedCache.size() >= RESOLVED_CACHE_LIMIT) {
                resolvedCache.clear();
            }
            resolvedCache.put(execPath, real);
            return real;
        } catch (IOException | InvalidPathException | SecurityException e) {
            return "";
        }
    }
}
