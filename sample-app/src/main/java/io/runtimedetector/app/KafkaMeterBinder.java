package io.runtimedetector.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.runtimedetector.sink.kafka.KafkaSink;

/**
 * The Kafka sink's own delivery counters. The sink runner counts an event for the Kafka
 * sink when it hands it over; only these say what the broker acknowledged. Here rather
 * than in sink-kafka, which stays free of Micrometer.
 */
final class KafkaMeterBinder implements MeterBinder {

    private final KafkaSink sink;

    KafkaMeterBinder(KafkaSink sink) {
        this.sink = sink;
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        String name = sink.name();
        FunctionCounter.builder("runtime.detector.kafka.acknowledged", sink, s -> s.stats().acknowledged())
                .description("Events the Kafka broker acknowledged").tag("sink", name).register(registry);
        FunctionCounter.builder("runtime.detector.kafka.failed", sink, s -> s.stats().failed())
                .description("Events given up on after the producer failed").tag("sink", name).register(registry);
        FunctionCounter.builder("runtime.detector.kafka.outages", sink, s -> s.stats().outages())
                .description("Times the Kafka broker stopped acknowledging for longer than the outage threshold")
                .tag("sink", name).register(registry);
        Gauge.builder("runtime.detector.kafka.waiting", sink, s -> s.stats().waiting())
                .description("Events handed to the Kafka producer and not yet acknowledged").tag("sink", name)
                .register(registry);
        // Held strongly (Micrometer's default is weak), so that the sink outlives any caller's reference.
        Gauge.builder("runtime.detector.kafka.in.outage", sink, s -> s.stats().inOutage() ? 1 : 0)
                .description("1 while the Kafka broker is unreachable").tag("sink", name).strongReference(true)
                .register(registry);
    }
}
