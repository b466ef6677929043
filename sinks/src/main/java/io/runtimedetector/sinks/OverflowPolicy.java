package io.runtimedetector.sinks;

/** What a sink's bounded buffer does when the sink falls behind. */
public enum OverflowPolicy {
    /**
     * Once the buffer is full, stop pulling: every sink (and then the engine, and then the
     * kernel ring buffer, which counts its own drops) waits for the slow one. Nothing is
     * lost between the engine and the sinks.
     */
    BACKPRESSURE,
    /**
     * Once the buffer is full, discard arriving events for this sink only, counting them
     * and logging at a limited rate. A slow sink never holds up the others.
     */
    DROP_NEWEST
}
