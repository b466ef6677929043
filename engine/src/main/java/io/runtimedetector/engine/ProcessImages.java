package io.runtimedetector.engine;

import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;
import io.runtimedetector.probe.RawEventType;
import java.io.IOException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Builds the {@link ProcessInfo} of an image from /proc, falling back field by field to
 * what the kernel captured when /proc could not tell.
 */
public final class ProcessImages {

    /** Bounds the cache of resolved exec paths; past it the cache starts over. */
    private static final int RESOLVED_CACHE_LIMIT = 4096;

    private final EngineClock clock;
    private final boolean resolveLocally;
    /** The same few binaries (think /bin/true in a loop) are exec'd over and over; a stale entry
     *  after a link is retargeted only affects processes gone before /proc could be read. */
    private final Map<String, String> resolvedCache = new ConcurrentHashMap<>();

    /** Never resolves a path itself: /proc/PID/exe is the only source of the executable. */
    public ProcessImages(EngineClock clock) {
        this(clock, false);
    }

    /**
     * @param resolveLocally the detector reads its own /proc, so a process in its PID
     *                       namespace most likely shares its file system: when a process
     *                       is gone before /proc/PID/exe could be read, the exec'd path is
     *                       resolved here instead
     */
    public ProcessImages(EngineClock clock, boolean resolveLocally) {
        this.clock = clock;
        this.resolveLocally = resolveLocally;
    }

    /**
     * @param exeLink path given to exec of this image, "" when the exec was not seen
     * @param raw     the kernel's event for this image, null for a process found in /proc
     */
    public ProcessInfo describe(ProcessKey key, ProcSnapshot s, String exeLink, RawEvent raw) {
        int ppid = s.ppid() != ProcSnapshot.UNKNOWN ? s.ppid() : raw != null ? raw.ppid() : 0;
        int uid = s.uid() != ProcSnapshot.UNKNOWN ? s.uid() : raw != null ? raw.uid() : -1;
        int containerPid = s.nsPid() != ProcSnapshot.UNKNOWN ? s.nsPid() : raw != null ? raw.nsPid() : 0;
        // The kernel's argv is the one exec'd; /proc's can be cut short by an exiting process.
        boolean kernelArgv = raw != null && raw.type() == RawEventType.EXEC && !raw.has(RawEvent.FLAG_ARGS_TRUNCATED);
        var cmdLine = kernelArgv || (s.cmdLine().isEmpty() && raw != null) ? raw.args() : s.cmdLine();
        String exePath = s.exePath().isEmpty() && raw != null && raw.nsPid() == raw.pid()
                ? resolved(exeLink) : s.exePath();
        return new ProcessInfo(ppid, uid, containerPid, raw != null ? raw.cgroupId() : 0, exePath, exeLink, cmdLine, s.envs(),
                clock.startTime(key.startBootTimeNs()));
    }

    /** A short-lived process (think /bin/true) is often gone before the engine reads its exe link. */
    private String resolved(String exeLink) {
        if (!resolveLocally || !exeLink.startsWith("/")) {
            return "";
        }
        String cached = resolvedCache.get(exeLink);
        if (cached != null) {
            return cached;
        }
        try {
            String real = Path.of(exeLink).toRealPath().toString();
            if (resolvedCache.size() >= RESOLVED_CACHE_LIMIT) {
                resolvedCache.clear();
            }
            resolvedCache.put(exeLink, real);
            return real;
        } catch (IOException | InvalidPathException | SecurityException e) {
            return "";
        }
    }
}
