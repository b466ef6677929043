package io.runtimedetector.sinks;

/**
 * The events a Pekko branch has taken and not yet finished with, oldest first, for
 * {@link SinkProgress}: they enter at its buffer, may be dropped there (always the newest,
 * the buffer being full), and are finished in order, by the sink's acknowledgement or the
 * end of the run they were given to. A drop is settled together with the event before it,
 * so that the count never passes an event still in flight.
 *
 * <p>Per event in flight it keeps one int (the drops that followed it) in a ring that
 * grows as needed. Entering and dropping happen on the buffer's thread, finishing on the
 * sink's, hence the lock.
 */
final class SettleQueue {

    private final SinkProgress.Branch progress;
    /** Drops that followed each event in flight, oldest at head. */
    private int[] dropsAfter = new int[64];
    private int head;
    private int size;
    /** Everything before the oldest event in flight: finished, or dropped with none in flight before it. */
    private long settled;

    SettleQueue(SinkProgress.Branch progress) {
        this.progress = progress;
    }

    synchronized void entered() {
        if (size == dropsAfter.length) {
            int[] bigger = new int[size * 2];
            for (int i = 0; i < size; i++) {
                bigger[i] = dropsAfter[(head + i) % size];
            }
            dropsAfter = bigger;
            head = 0;
        }
        dropsAfter[(head + size) % dropsAfter.length] = 0;
        size++;
    }

    /** The event that entered last was dropped. */
    void droppedNewest() {
        long through;
        synchronized (this) {
            if (size == 0) {
                throw new IllegalStateException("a drop with no event entered");
            }
            size--;
            if (size > 0) {
                dropsAfter[(head + size - 1) % dropsAfter.length]++;
                return;
            }
            through = ++settled;
        }
        progress.settledThrough(through);
    }

    /** The {@code n} oldest events in flight are finished (delivered, acknowledged, or given up). */
    void finishedOldest(long n) {
        long through;
        synchronized (this) {
            if (n > size) {
                throw new IllegalStateException(n + " events finished, but only " + size + " in flight");
            }
            for (long i = 0; i < n; i++) {
                settled += 1 + dropsAfter[head];
                head = (head + 1) % dropsAfter.length;
                size--;
            }
            through = settled;
        }
        if (n > 0) {
            progress.settledThrough(through);
        }
    }
}
