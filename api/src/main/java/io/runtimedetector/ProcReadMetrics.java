package io.runtimedetector;

/**
 * The /proc reads the engine made after its start-up scan: each stands for something the
 * kernel's record could not tell, so together they say how much the kernel side leaves
 * to user space.
 *
 * @param incompleteExecs EXECs whose kernel record was incomplete, so that /proc was read for them
 *                        (their share of the EXECs is what the kernel could not tell)
 * @param exe             /proc/PID/exe reads: the kernel could not resolve the executable path
 * @param envValues       /proc/PID/environ reads for values: keys beyond the kernel's limit, cut or unread values
 * @param envPrefix       /proc/PID/environ reads for the prefix: the kernel was unsure
 * @param cmdline         /proc/PID/cmdline reads: the kernel's argv was cut
 * @param alive           /proc reads of liveness only (scanned processes, untrackable ones)
 */
public record ProcReadMetrics(long incompleteExecs, long exe, long envValues, long envPrefix, long cmdline,
        long alive) {

    public static final ProcReadMetrics NONE = new ProcReadMetrics(0, 0, 0, 0, 0, 0);

    /** Every file read, whatever for. */
    public long files() {
        return exe + envValues + envPrefix + cmdline + alive;
    }

    String summary() {
        return "exec_proc_reads=" + incompleteExecs + " proc_reads{exe=" + exe + " env_values=" + envValues
                + " env_prefix=" + envPrefix + " cmdline=" + cmdline + " alive=" + alive + "}";
    }
}
