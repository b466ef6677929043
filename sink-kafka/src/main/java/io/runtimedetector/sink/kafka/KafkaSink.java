package io.runtimedetector.sink.kafka;

import com.typesafe.config.ConfigFactory;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sinks.AcknowledgingEventSink;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.kafka.ProducerMessage;
import org.apache.pekko.kafka.ProducerSettings;
import org.apache.pekko.kafka.javadsl.Producer;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends every event to a Kafka topic, at least once: an idempotent producer with
 * {@code acks=all}, and an event counts as delivered ({@link #stats()}) only once the
 * broker acknowledged it. When the broker is unreachable the producer retries; events
 * beyond its in-flight bound wait in the sink's buffer, handled by the runner's
 * {@code SinkSettings} (backpressure, or drop-newest and count). On stop, what is
 * in flight gets {@link KafkaSinkSettings#closeTimeout()} to be acknowledged; what is
 * not by then is counted as failed, and the producer gets as long again to close.
 * Each acknowledgement is also the sink runner's signal that the event is safe
 * ({@link AcknowledgingEventSink}): a detector in pinned mode frees the kernel's record
 * of an event only then.
 *
 * <p>List it among the detector's sinks like any other; the detector and the core sinks
 * know nothing of Kafka.
 */
public final class KafkaSink implements AcknowledgingEventSink {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaSink.class);
    private static final long WATCHDOG_PERIOD_MS = 500;
    private static final java.time.Duration RESOLVE_RETRY = java.time.Duration.ofSeconds(10);

    private final KafkaSinkSettings settings;
    private final KafkaRecords records;
    private final ProducerSettings<String, String> producer;
    private final DeliveryMonitor monitor;
    private final ScheduledExecutorService watchdog;
    private final BootstrapResolver resolver;
    /** The producer of the current run, if it has one yet. */
    private final java.util.concurrent.atomic.AtomicReference<org.apache.kafka.clients.producer.Producer<String, String>> current =
            new java.util.concurrent.atomic.AtomicReference<>();

    public KafkaSink(KafkaSinkSettings settings) {
        this.settings = settings;
        this.records = new KafkaRecords(settings.nodeName());
        this.producer = producerSettings(settings);
        this.monitor = new DeliveryMonitor(name(), settings.bootstrapServers(), settings.outageAfter(), System::nanoTime, LOG);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread t = new Thread(runnable, "rd-kafka-watchdog");
            t.setDaemon(true);
            return t;
        });
        this.resolver = new BootstrapResolver(name(), settings.bootstrapServers(), RESOLVE_RETRY, watchdog, LOG);
        watchdog.scheduleAtFixedRate(monitor::check, WATCHDOG_PERIOD_MS, WATCHDOG_PERIOD_MS, TimeUnit.MILLISECONDS);
    }

    private static ProducerSettings<String, String> producerSettings(KafkaSinkSettings settings) {
        ProducerSettings<String, String> base = ProducerSettings.create(
                        ConfigFactory.load().getConfig("pekko.kafka.producer"), new StringSerializer(), new StringSerializer())
                .withBootstrapServers(settings.bootstrapServers())
                .withParallelism(settings.maxInFlight())
                .withCloseTimeout(settings.closeTimeout())
                .withProperty(ProducerConfig.CLIENT_ID_CONFIG, "runtime-detector-" + settings.nodeName());
        // The user's properties first, so that the delivery guarantees below always win.
        for (var property : settings.producerProperties().entrySet()) {
            base = base.withProperty(property.getKey(), property.getValue());
        }
        return base
                .withProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
                .withProperty(ProducerConfig.ACKS_CONFIG, "all");
    }

    @Override
    public String name() {
        return "kafka:" + settings.topic();
    }

    public KafkaSinkSettings settings() {
        return settings;
    }

    /** Delivery counters: what the broker acknowledged, what waits, outages. */
    public KafkaSinkStats stats() {
        return monitor.stats();
    }

    /** Emits each event once the broker has acknowledged it, in order (the producer flow keeps it). */
    @Override
    public Flow<ProcessEvent, ProcessEvent, CompletionStage<Done>> acknowledgingFlow() {
        return Flow.<ProcessEvent>create()
                // Sees the end of the events at once: the buffer behind it takes in what is left.
                .watchTermination((notUsed, inputEnded) -> inputEnded)
                .buffer(settings.maxInFlight(), OverflowStrategy.backpressure())
                .map(event -> {
                    monitor.sent();
                    return ProducerMessage.single(
                            new ProducerRecord<>(settings.topic(), records.key(event), records.value(event)), event);
                })
                // The producer is created only once a bootstrap host resolves (see BootstrapResolver).
                .via(Flow.lazyCompletionStageFlow(() -> resolver.resolved().thenApply(ok -> producerFlow())))
                .map(result -> {
                    monitor.acknowledged();
                    return result.passThrough();
                })
                // Behind the producer: a completed or failed upstream would still wait for every
                // acknowledgement; cancelled, it closes the producer (within closeTimeout) and lets go.
                .viaMat(KillSwitches.single(), Keep.both())
                .watchTermination(Keep.both())
                .mapMaterializedValue(running -> {
                    CompletionStage<Done> inputEnded = running.first().first();
                    UniqueKillSwitch flush = running.first().second();
                    inputEnded.whenComplete((ok, failure) -> boundTheFlush(flush));
                    return running.second().whenComplete((ok, failure) -> {
                        if (failure != null) {
                            monitor.runFailed(failure);
                        }
                        closeProducer(settings.closeTimeout());
                    });
                });
    }

    /**
     * The connector would flush the producer on stop without a bound (a broker that is down
     * holds that up for the whole delivery timeout), so the sink owns the producer and
     * closes it itself, within a bound.
     */
    private Flow<ProducerMessage.Envelope<String, String, ProcessEvent>, ProducerMessage.Results<String, String, ProcessEvent>, NotUsed> producerFlow() {
        org.apache.kafka.clients.producer.Producer<String, String> kafka = producer.createKafkaProducer();
        current.set(kafka);
        return Producer.flexiFlow(producer.withProducer(kafka).withCloseProducerOnStop(false));
    }

    private void closeProducer(java.time.Duration within) {
        org.apache.kafka.clients.producer.Producer<String, String> kafka = current.getAndSet(null);
        if (kafka != null) {
            kafka.close(within);
        }
    }

    /**
     * No more events will come: what is in flight gets {@link KafkaSinkSettings#closeTimeout()}
     * to be acknowledged, and is then given up (and counted), so that a broker that is down
     * cannot hold up the detector's stop. A name that never resolved will not now.
     */
    private void boundTheFlush(UniqueKillSwitch flush) {
        resolver.giveUp();
        try {
            watchdog.schedule(() -> {
                // Ended normally, not failed: a failed run would be restarted by the sink runner.
                monitor.gaveUp("the broker at " + settings.bootstrapServers() + " did not acknowledge them within the"
                        + " flush bound of " + settings.closeTimeout().toMillis() + " ms");
                flush.shutdown();
                // What the producer still holds is dropped now rather than retried for its delivery timeout.
                closeProducer(java.time.Duration.ZERO);
            }, settings.closeTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closed) {
            // Closed already: the stream has ended, nothing left to bound.
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
        KafkaSinkStats end = monitor.stats();
        if (end.waiting() > 0) {
            LOG.warn("kafka sink {}: closed with {} events never acknowledged by the broker at {}",
                    name(), end.waiting(), settings.bootstrapServers());
        }
    }
}
