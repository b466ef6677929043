package io.runtimedetector.sink;

/**
 * One sink's counters at one moment.
 *
 * @param name      the sink's {@link EventSink#name()}
 * @param delivered events the sink accepted without throwing (for a Pekko sink: handed to it)
 * @param dropped   events discarded because its buffer was full (the drop-newest overflow policy)
 * @param failed    failures: exceptions from accept, or failures of a Pekko sink's stream
 * @param restarts  times it was restarted after a failure
 * @param stopped   true once it failed more than the allowed restarts and receives nothing more
 */
public record SinkCounters(String name, long delivered, long dropped, long failed, int restarts, boolean stopped) {
}
