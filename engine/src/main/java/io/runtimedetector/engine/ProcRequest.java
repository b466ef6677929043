package io.runtimedetector.engine;

/**
 * What a fallback read of /proc must fetch, because the kernel's record could not tell.
 * Liveness (the pid still belongs to the process) is always checked: whatever was read
 * for another process is discarded.
 *
 * @param exe        /proc/PID/exe: the kernel could not walk the whole executable path
 * @param envValues  /proc/PID/environ for values: a key beyond the kernel's limit, a value it
 *                   cut, or an environment it could not read in full
 * @param envPrefix  /proc/PID/environ for the prefix: the kernel was unsure or did not say
 * @param cmdline    /proc/PID/cmdline: the kernel's argv was cut
 * @param cgroup     /proc/PID/cgroup: the kernel's cgroup ids are not in the cache yet (a cgroup
 *                   created a moment before the exec, whose inotify event is still on its way)
 */
record ProcRequest(boolean exe, boolean envValues, boolean envPrefix, boolean cmdline, boolean cgroup) {

    /** Only whether the process still runs. */
    static final ProcRequest ALIVE = new ProcRequest(false, false, false, false, false);

    ProcRequest(boolean exe, boolean envValues, boolean envPrefix, boolean cmdline) {
        this(exe, envValues, envPrefix, cmdline, false);
    }

    ProcRequest withCgroup() {
        return new ProcRequest(exe, envValues, envPrefix, cmdline, true);
    }

    boolean readsAnything() {
        return exe || envValues || envPrefix || cmdline || cgroup;
    }

    boolean readsEnviron() {
        return envValues || envPrefix;
    }
}
