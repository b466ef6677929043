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
 */
record ProcRequest(boolean exe, boolean envValues, boolean envPrefix, boolean cmdline) {

    /** Only whether the process still runs. */
    static final ProcRequest ALIVE = new ProcRequest(false, false, false, false);

    boolean readsAnything() {
        return exe || envValues || envPrefix || cmdline;
    }

    boolean readsEnviron() {
        return envValues || envPrefix;
    }
}
