package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import java.util.Optional;
import java.util.Set;

/**
 * The engine's last word on whether a process image is reported: the kernel filters
 * first but cannot resolve /proc/PID/exe, and passes on processes whose environment it
 * could not read in full.
 */
final class ExecFilter {

    private static final String DELETED_SUFFIX = " (deleted)";

    private final Set<String> excluded;
    private final boolean envPrefixConfigured;
    private final EngineCounters counters;

    ExecFilter(Set<String> excluded, boolean envPrefixConfigured, EngineCounters counters) {
        this.excluded = Set.copyOf(excluded);
        this.envPrefixConfigured = envPrefixConfigured;
        this.counters = counters;
    }

    boolean envPrefixConfigured() {
        return envPrefixConfigured;
    }

    /**
     * Whether either path names an excluded executable. The resolved one catches a
     * script run by an excluded interpreter and an excluded binary reached through a link.
     */
    boolean excluded(String execPath, String exePath) {
        if (excluded.contains(execPath) || excluded.contains(exePath)) {
            return true;
        }
        // A binary replaced while it runs resolves to "path (deleted)"; it is still that path.
        return exePath.endsWith(DELETED_SUFFIX)
                && excluded.contains(exePath.substring(0, exePath.length() - DELETED_SUFFIX.length()));
    }

    /**
     * The verdict on a new image.
     *
     * @param execPath       path given to exec, "" when not known
     * @param exePath        the resolved executable, "" when not known
     * @param envMatch       what the environment said about the prefix
     * @param kernelExcluded the kernel flagged the exec as excluded
     * @param envCheck       the environment prefix has not been established for this process yet
     */
    Optional<FilterReason> judge(String execPath, String exePath, EnvMatch envMatch, boolean kernelExcluded,
            boolean envCheck) {
        if (kernelExcluded || excluded(execPath, exePath)) {
            return Optional.of(FilterReason.EXCLUDED_EXE);
        }
        if (envCheck && envPrefixConfigured) {
            if (envMatch == EnvMatch.NO_MATCH) {
                return Optional.of(FilterReason.ENV_PREFIX);
            }
            if (envMatch == EnvMatch.UNREADABLE) {
                // Dropping what might match would lose a wanted process; passing it on is counted.
                counters.envUnreadable();
            }
        }
        return Optional.empty();
    }

    /** The verdict on a process found in /proc. */
    Optional<FilterReason> judge(ProcSnapshot snapshot) {
        return judge("", snapshot.exePath(), snapshot.envMatch(), false, true);
    }
}
