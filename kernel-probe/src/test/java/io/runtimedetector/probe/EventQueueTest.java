package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class EventQueueTest {

    private static List<RawEvent> batch(int events) {
        List<RawEvent> b = new ArrayList<>();
        for (int i = 0; i < events; i++) {
            b.add(RawEvent.exit(100 + i, i, 0));
        }
        return b;
    }

    @Test
    void boundedByEventsNotBatches() throws Exception {
        EventQueue q = new EventQueue(10);
        assertTrue(q.offer(batch(4), 0, TimeUnit.MILLISECONDS));
        assertTrue(q.offer(batch(6), 0, TimeUnit.MILLISECONDS));
        assertFalse(q.offer(batch(1), 10, TimeUnit.MILLISECONDS), "ten events fill it");
        QueueStats s = q.stats();
        assertEquals(new QueueStats(10, 10, 10, 1), s);
    }

    @Test
    void aBatchLargerThanTheWholeQueueStillGoesThroughWhenItIsEmpty() throws Exception {
        EventQueue q = new EventQueue(10);
        List<RawEvent> big = batch(25);
        assertTrue(q.offer(big, 0, TimeUnit.MILLISECONDS));
        assertSame(big, q.poll());
        assertNull(q.poll());
        assertEquals(25, q.stats().highWater());
        assertEquals(0, q.stats().depth());
    }

    @Test
    void aWaitingReaderGoesOnOnceTheConsumerTakesABatch() throws Exception {
        EventQueue q = new EventQueue(5);
        q.offer(batch(5), 0, TimeUnit.MILLISECONDS);
        CompletableFuture<Boolean> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return q.offer(batch(3), 10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50);
        assertFalse(waiting.isDone(), "no room yet");
        assertEquals(5, q.poll().size());
        assertTrue(waiting.get(5, TimeUnit.SECONDS));
        assertEquals(3, q.poll().size());
        assertTrue(q.isEmpty());
        assertEquals(1, q.stats().fullWaits());
    }
}
