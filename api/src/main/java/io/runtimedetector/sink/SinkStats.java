package io.runtimedetector.sink;

import java.util.List;
import java.util.Optional;

/** Counters of every sink of a sink runner, in the order the sinks were given. */
public record SinkStats(List<SinkCounters> sinks) {

    public SinkStats {
        sinks = List.copyOf(sinks);
    }

    /** The first sink with this name. */
    public Optional<SinkCounters> sink(String name) {
        return sinks.stream().filter(c -> c.name().equals(name)).findFirst();
    }

    public long totalDropped() {
        return sinks.stream().mapToLong(SinkCounters::dropped).sum();
    }

    public long totalFailed() {
        return sinks.stream().mapToLong(SinkCounters::failed).sum();
    }
}
