package io.runtimedetector;

/**
 * What a detector took over from the one before it (see the README, "Restarts").
 *
 * @param snapshotLoaded    processes read from the state file a graceful stop had left
 * @param resumed           processes found still running at start that were followed again: from that file or
 *                          from the kernel's tracked set (pinned mode)
 * @param exitsFromSnapshot EXITs reported with the image the state file had kept: processes that ended while
 *                          no detector ran
 * @param exitsImageUnknown EXITs reported without an image ({@code ProcessInfo.imageKnown()} false): processes
 *                          the kernel followed for a previous detector that left no state file (it crashed)
 */
public record RestartMetrics(long snapshotLoaded, long resumed, long exitsFromSnapshot, long exitsImageUnknown) {

    /** A detector that took nothing over, or has not started. */
    public static final RestartMetrics NONE = new RestartMetrics(0, 0, 0, 0);

    String summary() {
        return "restart{snapshot_loaded=" + snapshotLoaded + " resumed=" + resumed + " exits_from_snapshot="
                + exitsFromSnapshot + " exits_image_unknown=" + exitsImageUnknown + "}";
    }
}
