package io.runtimedetector.probe;

import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pinned mode's record of delivered batches not yet released, oldest first, each with
 * the ring it came from and that ring's read position after it. Releasing the oldest
 * commits that position, so that the kernel may reuse the space; a batch released out
 * of order is refused, because committing its end would also commit the older batches
 * that have not reached the sinks.
 */
final class BatchLedger {

    /** Moves a ring's consumer position. */
    interface Committer {
        void commit(int ring, long position);
    }

    private static final class Entry {
        final List<RawEvent> batch;
        final int ring;
        final long end;
        boolean released;

        Entry(List<RawEvent> batch, int ring, long end, boolean released) {
            this.batch = batch;
            this.ring = ring;
            this.end = end;
            this.released = released;
        }
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final Committer committer;

    BatchLedger(Committer committer) {
        this.committer = committer;
    }

    /** The reader is about to hand {@code batch} on; it ends at {@code end} in {@code ring}. */
    synchronized void delivered(List<RawEvent> batch, int ring, long end) {
        entries.addLast(new Entry(batch, ring, end, false));
    }

    /** Records that no consumer will see (none decoded): released as soon as those before them are. */
    synchronized void skipped(int ring, long end) {
        entries.addLast(new Entry(List.of(), ring, end, true));
        commitReleased();
    }

    /** @throws IllegalArgumentException when {@code batch} is not the oldest unreleased batch */
    synchronized void release(List<RawEvent> batch) {
        int older = 0;
        Entry found = null;
        for (Entry e : entries) {
            if (e.released) {
                continue;
            }
            if (e.batch == batch) {
                found = e;
                break;
            }
            older++;
        }
        if (found == null) {
            throw new IllegalArgumentException("release: this list is not a batch of this probe's events() awaiting"
                    + " release (a copy, or released already)");
        }
        if (older > 0) {
            throw new IllegalArgumentException("release: batches must be released in the order events() delivered"
                    + " them, and " + older + " older batch(es) are still unreleased");
        }
        found.released = true;
        commitReleased();
    }

    /** Batches of {@code ring} delivered and not yet committed. */
    synchronized int outstanding(int ring) {
        int n = 0;
        for (Entry e : entries) {
            if (e.ring == ring) {
                n++;
            }
        }
        return n;
    }

    synchronized int size() {
        return entries.size();
    }

    /** Drops the released batches at the head, committing the last end reached in each ring. */
    private void commitReleased() {
        Map<Integer, Long> ends = new LinkedHashMap<>();
        for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (!e.released) {
                break;
            }
            ends.put(e.ring, e.end);
            it.remove();
        }
        ends.forEach(committer::commit);
    }
}
