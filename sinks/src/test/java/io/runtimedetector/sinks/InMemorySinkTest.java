package io.runtimedetector.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class InMemorySinkTest {

    @Test
    void awaitCountGivesUpAfterTheTimeout() throws Exception {
        InMemorySink sink = new InMemorySink();
        sink.accept(TestEvents.exec(1));
        assertFalse(sink.awaitCount(2, Duration.ofMillis(50)));
        assertTrue(sink.awaitCount(1, Duration.ZERO));
    }

    @Test
    void awaitCountWakesUpWhenAnotherThreadDelivers() throws Exception {
        InMemorySink sink = new InMemorySink();
        Thread producer = new Thread(() -> TestEvents.numbered(3).forEach(sink::accept));
        producer.start();
        assertTrue(sink.awaitCount(3, Duration.ofSeconds(10)));
        producer.join();
        assertEquals(List.of(1, 2, 3), TestEvents.pids(sink.events()));
    }

    @Test
    void eventsIsASnapshot() {
        InMemorySink sink = new InMemorySink();
        sink.accept(TestEvents.exec(1));
        List<?> before = sink.events();
        sink.accept(TestEvents.exec(2));
        assertEquals(1, before.size());
        assertEquals(2, sink.count());
    }

    @Test
    void awaitFindsAnEventAlreadyThereOrOneThatArrivesAndGivesUpAfterTheTimeout() throws Exception {
        InMemorySink sink = new InMemorySink();
        sink.accept(TestEvents.exec(1));
        assertEquals(1, sink.await(e -> e.pid() == 1, Duration.ZERO).orElseThrow().pid());
        Thread later = new Thread(() -> sink.accept(TestEvents.exec(2)));
        later.start();
        assertEquals(2, sink.await(e -> e.pid() == 2, Duration.ofSeconds(10)).orElseThrow().pid());
        later.join();
        assertTrue(sink.await(e -> e.pid() == 3, Duration.ofMillis(50)).isEmpty());
    }
}
