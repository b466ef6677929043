package io.runtimedetector.probe;

import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The hand-off between the ring-buffer thread and the stream: batches, bounded by the
 * number of events they hold rather than by the number of batches, so that its size
 * says how long an engine stall it absorbs whatever the batching. Only a full queue
 * makes the reader wait; the kernel then counts what the ring cannot keep.
 *
 * <p>A batch larger than the whole capacity is still taken when the queue is empty, so
 * the reader can never wait for space that cannot appear.
 */
final class EventQueue {

    private final int capacity;
    private final ArrayDeque<List<RawEvent>> batches = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition space = lock.newCondition();
    private int events;
    private int highWater;
    private long fullWaits;

    EventQueue(int capacityEvents) {
        if (capacityEvents < 1) {
            throw new IllegalArgumentException("queue capacity must be positive, was " + capacityEvents);
        }
        this.capacity = capacityEvents;
    }

    /** Waits up to {@code timeout} for room; false when there was none. */
    boolean offer(List<RawEvent> batch, long timeout, TimeUnit unit) throws InterruptedException {
        long nanos = unit.toNanos(timeout);
        lock.lock();
        try {
            boolean counted = false;
            while (events > 0 && events + batch.size() > capacity) {
                if (!counted) {
                    fullWaits++;
                    counted = true;
                }
                if (nanos <= 0) {
                    return false;
                }
                nanos = space.awaitNanos(nanos);
            }
            batches.addLast(batch);
            events += batch.size();
            highWater = Math.max(highWater, events);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The oldest batch, or null. */
    List<RawEvent> poll() {
        lock.lock();
        try {
            List<RawEvent> batch = batches.pollFirst();
            if (batch != null) {
                events -= batch.size();
                space.signalAll();
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    boolean isEmpty() {
        lock.lock();
        try {
            return batches.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    QueueStats stats() {
        lock.lock();
        try {
            return new QueueStats(capacity, events, highWater, fullWaits);
        } finally {
            lock.unlock();
        }
    }
}
