package io.runtimedetector.sink.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.sinks.SinkRunner;
import io.runtimedetector.sinks.SinkSettings;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.IntStream;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.Test;

/**
 * The Kafka sink tells the sink runner it has finished with an event only once the real
 * broker acknowledged it: what a detector in pinned mode waits for before the kernel may
 * forget the event. Events sent while the broker is down stay unfinished until it is back.
 */
class KafkaSinkAcknowledgementTest {

    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Instant START = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void anEventIsFinishedOnlyOnceTheBrokerAcknowledgedIt() throws Exception {
        ActorSystem system = ActorSystem.create("kafka-ack-test");
        try (KafkaBroker broker = KafkaBroker.start()) {
            String topic = "ack-" + UUID.randomUUID();
            broker.createTopic(topic, 1);
            KafkaSink kafka = new KafkaSink(KafkaSinkSettings.of(broker.bootstrap(), topic, "node-a"));
            Pair<BoundedSourceQueue<ProcessEvent>, Source<ProcessEvent, NotUsed>> queue =
                    Source.<ProcessEvent>queue(64).preMaterialize(system);
            SinkRunner runner = SinkRunner.start(queue.second(), List.of(kafka), SinkSettings.defaults(),
                    Materializer.matFromSystem(system));

            events(1, 10).forEach(queue.first()::offer);
            await(() -> runner.progress().settledByAll(), 10);
            assertEquals(10, kafka.stats().acknowledged());

            broker.kill();
            events(11, 15).forEach(queue.first()::offer);
            await(() -> kafka.stats().sent(), 15);
            // Sent to a producer that cannot reach the broker: waiting, so not finished.
            Thread.sleep(1000);
            assertEquals(10, runner.progress().settledByAll(), kafka.stats().toString());

            broker.restart();
            await(() -> runner.progress().settledByAll(), 15);
            assertEquals(15, kafka.stats().acknowledged());
            assertEquals(15, broker.read(topic, 15, WAIT).size());
            queue.first().complete();
            runner.done().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } finally {
            system.terminate();
        }
    }

    private static List<ProcessEvent> events(int fromPid, int toPid) {
        ProcessInfo info = new ProcessInfo(1, 0, 0, 0, "/bin/true", "/bin/true", List.of("true"), Map.of(), START);
        return IntStream.rangeClosed(fromPid, toPid)
                .mapToObj(pid -> new ProcessEvent(EventType.EXEC, pid, 1_000L * pid, START, info, null, null))
                .toList();
    }

    private static void await(LongSupplier value, long expected) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (value.getAsLong() < expected && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(expected, value.getAsLong());
    }
}
