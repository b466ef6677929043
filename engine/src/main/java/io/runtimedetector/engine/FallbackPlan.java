package io.runtimedetector.engine;

import io.runtimedetector.probe.RawEvent;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what of an EXEC the kernel's record cannot tell, so that /proc is read for that
 * and nothing else, and merges the two sources. A record the kernel completed needs no
 * read at all.
 *
 * @param reportedKeys      every environment variable whose value is reported
 * @param kernelKeys        those the kernel was asked to capture (its limits cap them)
 * @param prefixConfigured  processes are filtered on an environment prefix
 */
record FallbackPlan(Set<String> reportedKeys, Set<String> kernelKeys, boolean prefixConfigured) {

    FallbackPlan {
        reportedKeys = Set.copyOf(reportedKeys);
        kernelKeys = Set.copyOf(kernelKeys);
    }

    static FallbackPlan of(List<String> reportedKeys, List<String> kernelKeys, boolean prefixConfigured) {
        return new FallbackPlan(Set.copyOf(reportedKeys), Set.copyOf(kernelKeys), prefixConfigured);
    }

    /**
     * @param envCheck the process' prefix is not established yet (a new process the
     *                 kernel did not flag as matching)
     */
    ProcRequest needs(RawEvent e, boolean envCheck) {
        // "" is never a resolved path: an incomplete walk, or a record without the field.
        boolean exe = e.exePath().isEmpty();
        boolean cmdline = e.has(RawEvent.FLAG_ARGS_TRUNCATED);
        boolean envValues = !reportedKeys.isEmpty() && (!kernelKeys.containsAll(reportedKeys)
                || e.has(RawEvent.FLAG_ENVS_TRUNCATED)
                || (!e.has(RawEvent.FLAG_ENVS_COMPLETE) && !e.envs().keySet().containsAll(kernelKeys)));
        boolean envPrefix = envCheck && prefixConfigured && kernelPrefixVerdict(e) == null;
        return new ProcRequest(exe, envValues, envPrefix, cmdline);
    }

    /** The prefix verdict on a new process: the kernel's when it had one, else /proc's. */
    EnvMatch envMatch(RawEvent e, ProcSnapshot s) {
        EnvMatch kernel = kernelPrefixVerdict(e);
        return kernel != null ? kernel : s.envMatch();
    }

    private static EnvMatch kernelPrefixVerdict(RawEvent e) {
        if (e.has(RawEvent.FLAG_ENV_MATCH)) {
            return EnvMatch.MATCH;
        }
        // It read the whole environment and found no variable with the prefix.
        if (e.has(RawEvent.FLAG_ENVS_COMPLETE) && !e.has(RawEvent.FLAG_ENV_UNSURE)) {
            return EnvMatch.NO_MATCH;
        }
        return null;
    }

    /**
     * The kernel read the environment the exec was given, /proc may show a later one: the
     * kernel's values win, except where it cut them; /proc fills in what it lacked.
     */
    Map<String, String> envs(RawEvent e, ProcSnapshot s) {
        if (reportedKeys.isEmpty()) {
            return Map.of();
        }
        if (s.envs().isEmpty()) {
            return e.envs();
        }
        Map<String, String> merged = new HashMap<>(s.envs());
        if (!e.has(RawEvent.FLAG_ENVS_TRUNCATED)) {
            merged.putAll(e.envs());
        }
        merged.keySet().retainAll(reportedKeys);
        return merged;
    }
}
