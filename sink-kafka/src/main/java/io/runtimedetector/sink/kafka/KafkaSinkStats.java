package io.runtimedetector.sink.kafka;

/**
 * The Kafka sink's delivery counters at one moment.
 *
 * @param sent         records handed to the producer
 * @param acknowledged records the broker acknowledged: only these count as delivered
 * @param failed       records given up on (the producer's stream failed before their acknowledgement)
 * @param outages      times the broker stopped acknowledging for longer than the outage threshold
 * @param inOutage     whether such an outage is going on now
 */
public record KafkaSinkStats(long sent, long acknowledged, long failed, long outages, boolean inOutage) {

    /** Handed to the producer and neither acknowledged nor given up on yet. */
    public long waiting() {
        return sent - acknowledged - failed;
    }
}
