package io.runtimedetector;

/**
 * The queue between the kernel probe's ring-buffer reader and the engine, in events.
 *
 * @param capacity  events it holds at most
 * @param depth     events waiting in it now
 * @param highWater the most events it ever held
 * @param fullWaits times the reader found it full and stopped draining the ring buffer
 */
public record ReaderQueueMetrics(int capacity, int depth, int highWater, long fullWaits) {

    public static final ReaderQueueMetrics NONE = new ReaderQueueMetrics(0, 0, 0, 0);

    String summary() {
        return "reader_queue{capacity=" + capacity + " depth=" + depth + " high_water=" + highWater
                + " full_waits=" + fullWaits + "}";
    }
}
