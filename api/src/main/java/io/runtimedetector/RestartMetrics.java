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
 * @param lostWhileUnread   pinned mode: events the kernel dropped because its ring was full while no detector
 *                          read it (more happened in the gap than the ring holds)
 */
public record RestartMetrics(long snapshotLoaded, long resumed, long exitsFromSnapshot, long exitsImageUnknown,
        long lostWhileUnread) {

    /** A detector that took nothing over, or has not started. */
    public static final RestartMetrics NONE = new RestartMetrics(0, 0, 0, 0, 0);

    /** What the engine took over; nothing lost while unread (no pinned ring, or none overflowed). */
    public RestartMetrics(long snapshotLoaded, long resumed, long exitsFromSnapshot, long exitsImageUnknown) {
        this(snapshotLoaded, resumed, exitsFromSnapshot, exitsImageUnknown, 0);
    }

    /** The same, with what the kernel probe found lost while no detector read its ring. */
    public RestartMetrics withLostWhileUnread(long lost) {
        return new RestartMetrics(snapshotLoaded, resumed, exitsFromSnapshot, exitsImageUnknown, lost);
    }

    String summary() {
        return "restart{snapshot_loaded=" + snapshotLoaded + " resumed=" + resumed + " exits_from_snapshot="
                + exitsFromSnapshot + " exits_image_unknown=" + exitsImageUnknown + " lost_while_unread="
                + lostWhileUnread + "}";
    }
}
