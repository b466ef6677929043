package io.runtimedetector.sinks;

import java.util.ArrayList;
import java.util.List;

/**
 * The bounded queue between a stream and one sink's own thread. Neither side wakes the
 * other unless it waits: the stream's side notifies only a taker that sleeps on an empty
 * queue, and the taker calls back only a giver that found the queue full. In a storm the
 * sink's thread finds events waiting each time it comes back, and the stream's thread is
 * never woken for room it did not ask for.
 */
final class HandOff<T> {

    private final int capacity;
    private final List<T> items;
    private boolean closed;
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
        if (takerWaiting) {
            takerWaiting = false;
            notify();
        }
        return true;
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
     * Moves every queued item into {@code into}, waiting while there is none.
     *
     * @return false once the queue is closed and empty: the end
     */
    boolean takeAll(List<T> into) throws InterruptedException {
        Runnable wake;
        synchronized (this) {
            while (items.isEmpty() && !closed) {
                takerWaiting = true;
                wait();
            }
            if (items.isEmpty()) {
                return false;
            }
            into.addAll(items);
            items.clear();
            wake = onRoom;
            onRoom = null;
        }
        if (wake != null) {
            wake.run();
        }
        return true;
    }
}
