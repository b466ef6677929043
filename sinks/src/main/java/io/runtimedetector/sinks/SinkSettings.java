package io.runtimedetector.sinks;

import java.util.Objects;

/**
 * How {@link SinkRunner} isolates each sink.
 *
 * @param bufferSize  events held per sink between the fan-out and the sink, at least 1
 * @param overflow    what happens when that buffer is full
 * @param maxRestarts how many failures a sink survives; the next one stops it for good
 */
public record SinkSettings(int bufferSize, OverflowPolicy overflow, int maxRestarts) {

    public SinkSettings {
        if (bufferSize < 1) {
            throw new IllegalArgumentException("bufferSize must be at least 1, was " + bufferSize);
        }
        Objects.requireNonNull(overflow, "overflow");
        if (maxRestarts < 0) {
            throw new IllegalArgumentException("maxRestarts must not be negative, was " + maxRestarts);
        }
    }

    /** 1024 events per sink, backpressure, 3 restarts. */
    public static SinkSettings defaults() {
        return new SinkSettings(1024, OverflowPolicy.BACKPRESSURE, 3);
    }

    public SinkSettings withBufferSize(int size) {
        return new SinkSettings(size, overflow, maxRestarts);
    }

    public SinkSettings withOverflow(OverflowPolicy policy) {
        return new SinkSettings(bufferSize, policy, maxRestarts);
    }

    public SinkSettings withMaxRestarts(int restarts) {
        return new SinkSettings(bufferSize, overflow, restarts);
    }
}
