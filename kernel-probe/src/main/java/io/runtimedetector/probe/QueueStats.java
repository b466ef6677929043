package io.runtimedetector.probe;

/**
 * The reader's user-space queue at one moment.
 *
 * @param capacity  events it holds at most
 * @param depth     events waiting in it now
 * @param highWater the most events it ever held: how close the engine came to making the reader wait
 * @param fullWaits times the reader found it full and had to wait (the kernel may have dropped events then)
 */
public record QueueStats(int capacity, int depth, int highWater, long fullWaits) {

    public static final QueueStats EMPTY = new QueueStats(0, 0, 0, 0);
}
