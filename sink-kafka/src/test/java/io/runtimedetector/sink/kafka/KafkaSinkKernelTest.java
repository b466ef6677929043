package io.runtimedetector.sink.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.runtimedetector.engine.Detector;
import io.runtimedetector.engine.DetectorOptions;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.KernelTestSupport;
import io.runtimedetector.probe.TestProcesses;
import io.runtimedetector.sink.SinkCounters;
import io.runtimedetector.sinks.InMemorySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The Kafka sink behind a real detector on the real kernel, sending to a real broker.
 * Every test runs real processes tagged with its own value of the prefix variable and
 * compares what reached Kafka with what an in-memory sink beside it received.
 */
class KafkaSinkKernelTest {

    private static final String PREFIX = "RDKAFKA_";
    private static final String TAG = "RDKAFKA_ID";
    private static final String NODE = "node-a";
    private static final Duration WAIT = Duration.ofSeconds(60);

    private static KafkaBroker broker;
    private final ListAppender<ILoggingEvent> log = new ListAppender<>();

    @BeforeAll
    static void startBroker() throws Exception {
        KernelTestSupport.requireKernel();
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @BeforeEach
    void captureLog() {
        log.start();
        ((Logger) LoggerFactory.getLogger(KafkaSink.class)).addAppender(log);
    }

    @AfterEach
    void releaseLog() {
        ((Logger) LoggerFactory.getLogger(KafkaSink.class)).detachAppender(log);
    }

    /** A detector with the Kafka sink and an in-memory sink side by side. */
    private static final class Running implements AutoCloseable {
        final String tag = UUID.randomUUID().toString();
        final InMemorySink memory = new InMemorySink();
        final KafkaSink kafka;
        final Detector detector;

        Running(KafkaSinkSettings settings) {
            kafka = new KafkaSink(settings);
            detector = Detector.create(DetectorOptions.builder()
                    .envPrefix(PREFIX).reportedEnvKeys(List.of(TAG)).minDuration(Duration.ZERO)
                    .addSink(memory).addSink(kafka).build());
            detector.start().toCompletableFuture().join();
        }

        /** Runs a shell that forks and execs a child, and waits for it. */
        void runProcess() {
            Process p = TestProcesses.start(Map.of(TAG, tag, "PATH", "/usr/bin:/bin"), "/bin/sh", "-c", "/bin/true; exit 0");
            assertEquals(0, TestProcesses.waitFor(p));
        }

        /** This detector's events of the processes the test ran (the prefix is this class' own). */
        List<ProcessEvent> ours() {
            return memory.events().stream().filter(e -> e.process().envs().containsKey(TAG)
                    || e.type() == EventType.EXIT || e.type() == EventType.FORK).toList();
        }

        /** Waits until the in-memory sink has the EXIT of every process this test ran. */
        void awaitExits(int shells) throws InterruptedException {
            await(() -> ours().stream().filter(e -> e.type() == EventType.EXIT).count() >= 2L * shells,
                    "EXIT events of " + shells + " shells and their children; got "
                            + memory.events().stream().map(e -> e.type() + ":" + e.pid() + ":" + e.process().exePath()).toList()
                            + " " + detector.metrics().summary() + " " + kafka.stats() + " " + detector.sinkStats());
        }

        @Override
        public void close() {
            detector.close();
        }
    }

    @Test
    void everyEventReachesKafkaAndEachProcessKeepsItsOrder() throws Exception {
        String topic = "events-" + UUID.randomUUID();
        broker.createTopic(topic, 3);
        int shells = 20;
        Running run = new Running(KafkaSinkSettings.of(broker.bootstrap(), topic, NODE));
        List<ProcessEvent> sent;
        try (run) {
            for (int i = 0; i < shells; i++) {
                run.runProcess();
            }
            run.awaitExits(shells);
        }
        // Stopped: the sink has flushed, so the broker has acknowledged everything.
        sent = run.memory.events();
        KafkaRecords records = new KafkaRecords(NODE);
        List<ConsumerRecord<String, String>> received = broker.read(topic, sent.size(), WAIT);

        assertEquals(sent.size(), received.size(), "records in Kafka for " + sent.size() + " events");
        assertEquals(sent.size(), run.kafka.stats().acknowledged());
        assertEquals(0, run.kafka.stats().waiting());
        // Per process (key), Kafka holds exactly the detector's events in the detector's order.
        assertEquals(byKey(sent, records), byKeyReceived(received));
        for (ConsumerRecord<String, String> r : received) {
            assertTrue(r.value().startsWith("{\"node\":\"" + NODE + "\",\"type\":\""), r.value());
            assertTrue(r.key().startsWith(NODE + "/"), r.key());
        }
    }

    @Test
    void eventsDuringABrokerOutageArriveAfterItAndTheOutageIsCountedAndLoggedOnce() throws Exception {
        String topic = "outage-" + UUID.randomUUID();
        broker.createTopic(topic, 3);
        Running run = new Running(KafkaSinkSettings.of(broker.bootstrap(), topic, NODE)
                .withOutageAfter(Duration.ofSeconds(2)));
        List<ProcessEvent> sent;
        try (run) {
            int shells = 0;
            for (; shells < 3; shells++) {
                run.runProcess();
            }
            run.awaitExits(shells);
            await(() -> run.kafka.stats().acknowledged() == run.memory.count(), "acknowledgements before the outage");

            broker.kill();
            long outageEnd = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (System.nanoTime() < outageEnd) {
                run.runProcess();
                shells++;
                Thread.sleep(250);
            }
            run.awaitExits(shells);
            assertTrue(run.kafka.stats().inOutage(), "an outage after 10 s without acknowledgements: " + run.kafka.stats());
            broker.restart();

            for (int i = 0; i < 3; i++) {
                run.runProcess();
                shells++;
            }
            run.awaitExits(shells);
            await(() -> !run.kafka.stats().inOutage() && run.kafka.stats().waiting() == 0
                    && run.kafka.stats().acknowledged() >= run.memory.count(), "every event acknowledged after the outage");
        }
        sent = run.memory.events();
        KafkaSinkStats stats = run.kafka.stats();
        assertEquals(1, stats.outages(), stats.toString());
        assertEquals(0, stats.failed(), stats.toString());

        KafkaRecords records = new KafkaRecords(NODE);
        List<ConsumerRecord<String, String>> received = broker.read(topic, sent.size(), WAIT);
        Set<String> inKafka = new HashSet<>();
        received.forEach(r -> inKafka.add(r.key() + " " + r.value()));
        List<String> missing = sent.stream().map(e -> records.key(e) + " " + records.value(e))
                .filter(line -> !inKafka.contains(line)).toList();
        assertEquals(List.of(), missing, "events missing from Kafka after the outage");

        assertEquals(1, lines(Level.WARN, "treating it as unreachable"), "one warning per outage");
        assertEquals(1, lines(Level.INFO, "acknowledges again"), "one line on recovery");
    }

    @Test
    void aStopWhileTheBrokerIsDownWaitsOnlyTheFlushBoundAndCountsWhatItGaveUp() throws Exception {
        String topic = "stop-" + UUID.randomUUID();
        broker.createTopic(topic, 3);
        Duration bound = Duration.ofSeconds(2);
        Running run = new Running(KafkaSinkSettings.of(broker.bootstrap(), topic, NODE).withCloseTimeout(bound));
        long stopMs;
        try {
            run.runProcess();
            run.awaitExits(1);
            await(() -> run.kafka.stats().acknowledged() == run.memory.count(), "acknowledgements before the outage");
            broker.kill();
            for (int i = 0; i < 3; i++) {
                run.runProcess();
            }
            run.awaitExits(4);
            long started = System.nanoTime();
            run.close();
            stopMs = (System.nanoTime() - started) / 1_000_000;
        } finally {
            broker.restart();
        }
        KafkaSinkStats stats = run.kafka.stats();
        // The flush bound, then the producer's close bound, and some slack for the engine's own stop.
        assertTrue(stopMs < 2 * bound.toMillis() + 3_000, "stopped in " + stopMs + " ms");
        assertTrue(stats.failed() > 0, stats.toString());
        assertEquals(stats.sent(), stats.acknowledged() + stats.failed(), stats.toString());
        assertEquals(1, lines(Level.ERROR, stats.failed() + " unacknowledged events given up"), messages().toString());
    }

    @Test
    void anUnknownBootstrapHostIsReportedOnceAndNeitherStopsTheDetectorNorLoops() throws Exception {
        Running run = new Running(KafkaSinkSettings.of("no-such-broker.invalid:9092", "events", NODE));
        long stopStarted;
        try (run) {
            for (int i = 0; i < 3; i++) {
                run.runProcess();
            }
            await(() -> run.memory.events().stream().filter(e -> e.type() == EventType.EXIT).count() >= 6,
                    "the other sink to get the processes' events: " + run.memory.events());
            Thread.sleep(2_000);
            SinkCounters kafka = run.detector.sinkStats().sink(run.kafka.name()).orElseThrow();
            // No failure, no restart: the sink waits for the name instead of failing over and over.
            assertEquals(0, kafka.failed(), kafka.toString());
            assertEquals(0, kafka.restarts(), kafka.toString());
            assertEquals(0, run.kafka.stats().acknowledged());
            assertTrue(!run.detector.whenTerminated().toCompletableFuture().isDone(), "the detector runs on");
            stopStarted = System.nanoTime();
        }
        long stopMs = (System.nanoTime() - stopStarted) / 1_000_000;
        assertTrue(stopMs < KafkaSinkSettings.DEFAULT_CLOSE_TIMEOUT.toMillis() + 3_000, "stopped in " + stopMs + " ms");
        // The close above is the detector's stop: the sink gave up at once instead of holding it up.
        assertTrue(run.detector.whenTerminated().toCompletableFuture().isDone());
        assertEquals(1, lines(Level.ERROR, "no bootstrap host can be resolved (no-such-broker.invalid)"),
                "one clear error naming the host: " + messages());
    }

    private static Map<String, List<String>> byKey(List<ProcessEvent> events, KafkaRecords records) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        events.forEach(e -> out.computeIfAbsent(records.key(e), k -> new ArrayList<>()).add(records.value(e)));
        return out;
    }

    private static Map<String, List<String>> byKeyReceived(List<ConsumerRecord<String, String>> received) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        received.forEach(r -> out.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value()));
        return out;
    }

    private long lines(Level level, String text) {
        return log.list.stream().filter(e -> e.getLevel() == level && e.getFormattedMessage().contains(text)).count();
    }

    private List<String> messages() {
        return log.list.stream().map(e -> e.getLevel() + " " + e.getFormattedMessage()).toList();
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what + "\nbroker log:\n" + broker.logTail());
            }
            Thread.sleep(50);
        }
    }
}
