package io.runtimedetector.sinks;

import java.util.ArrayList;
import java.util.List;

/**
 * The bounded queue between a stream and one sink's own thread. Neither side wakes the
 * other unless it waits: the stream's side notifies only a taker that sleeps on an empty
 * queue, and the taker calls back only a giver that found the queue full. In a storm the
 * sink's thread finds events waiting each time it comes back, and the stream's thread is
 * never woken for room it did not ask for.
 *
 * <p>It also tells the taker how far a batch reaches among everything the giver had:
 * items it took and items it {@link #skipped() skipped} (dropped while the queue was
 * full) share one count, in order, so that finishing a batch settles every position up
 * to it, dropped ones included, and never one still queued.
 */
final class HandOff<T> {

    private final int capacity;
    private final List<T> items;
    private boolean closed;
    /** Items offered and taken, plus items skipped: the positions given so far. */
    private long given;
    /** What the last {@link #takeAll} reached. */
    private long taken;
    private boolean takerWaiting;
    /** The giver found the queue full and waits for this to be run. */
    private Runnable onRoom;

    HandOff(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.capacity = capacity;
        this.items = new ArrayList<>(Math.min(capacity, 1024));
    }

    /** @return false when full (or closed): the item was not taken */
    synchronized boolean offer(T item) {
        if (closed || items.size() >= capacity) {
            return false;
        }
        items.add(item);
        given++;
        if (takerWaiting) {
            takerWaiting = false;
            notify();
        }
        return true;
    }

    /**
     * The giver dropped an item instead of offering it (the queue was full): it takes a
     * position, settled once the taker has finished with the items before it.
     */
    synchronized void skipped() {
        given++;
        if (takerWaiting) {
            takerWaiting = false;
            notify();
        }
    }

    /** Runs {@code whenRoom} once the taker has made room: now, if there is room already. */
    void awaitRoom(Runnable whenRoom) {
        synchronized (this) {
            if (items.size() >= capacity && !closed) {
                onRoom = whenRoom;
                return;
            }
        }
        whenRoom.run();
    }

    /** No more items will come; the taker gets what is queued, then the end. */
    synchronized void close() {
        closed = true;
        notify();
    }

    /**
     * Moves every queued item into {@code into} (possibly none, when only skips came),
     * waiting while nothing came.
     *
     * @return the number of positions given up to the last of them, skipped ones included:
     *         once the taker has finished with these items, all of those are settled; -1
     *         once the queue is closed and nothing more came: the end
     */
    long takeAll(List<T> into) throws InterruptedException {
        Runnable wake;
        long reached;
        synchronized (this) {
            while (given == taken && !closed) {
                takerWaiting = true;
                wait();
            }
            if (given == taken) {
                return -1;
            }
            into.addAll(items);
            items.clear();
            taken = given;
            reached = given;
            wake = onRoom;
            onRoom = null;
        }
        if (wake != null) {
            wake.run();
        }
        return reached;
    }
}
