package io.runtimedetector.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class HandOffTest {

    @Test
    void aFullQueueRefusesAndCallsTheGiverBackOnceTheTakerMadeRoom() throws Exception {
        HandOff<Integer> handOff = new HandOff<>(2);
        assertTrue(handOff.offer(1));
        assertTrue(handOff.offer(2));
        assertFalse(handOff.offer(3), "full");
        AtomicInteger calls = new AtomicInteger();
        handOff.awaitRoom(calls::incrementAndGet);
        assertEquals(0, calls.get(), "no room yet");

        List<Integer> taken = new ArrayList<>();
        assertEquals(2, handOff.takeAll(taken));
        assertEquals(List.of(1, 2), taken);
        assertEquals(1, calls.get(), "called back once the taker took");
        assertTrue(handOff.offer(3));
    }

    @Test
    void awaitingRoomWhenThereIsSomeRunsAtOnce() {
        HandOff<Integer> handOff = new HandOff<>(2);
        AtomicInteger calls = new AtomicInteger();
        handOff.awaitRoom(calls::incrementAndGet);
        assertEquals(1, calls.get());
    }

    @Test
    void aWaitingTakerIsWokenByAnOfferAndEndsAfterCloseOnceEmpty() throws Exception {
        HandOff<Integer> handOff = new HandOff<>(8);
        CountDownLatch tookFirst = new CountDownLatch(1);
        List<Integer> all = new ArrayList<>();
        CompletableFuture<Void> taker = CompletableFuture.runAsync(() -> {
            List<Integer> batch = new ArrayList<>();
            try {
                while (handOff.takeAll(batch) >= 0) {
                    all.addAll(batch);
                    batch.clear();
                    tookFirst.countDown();
                }
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(50); // the taker waits on the empty queue by now
        assertTrue(handOff.offer(1));
        assertTrue(tookFirst.await(10, TimeUnit.SECONDS), "the offer woke the taker");
        assertTrue(handOff.offer(2));
        handOff.close();
        taker.get(10, TimeUnit.SECONDS);
        assertEquals(List.of(1, 2), all, "what was queued before the close is taken");
        assertFalse(handOff.offer(3), "closed");
    }

    @Test
    void aBatchReachesPastTheSkipsBeforeItsLastItemButNeverPastAQueuedOne() throws Exception {
        HandOff<Integer> handOff = new HandOff<>(2);
        assertTrue(handOff.offer(1));
        assertTrue(handOff.offer(2));
        handOff.skipped();  // position 3, dropped while 1 and 2 wait
        List<Integer> taken = new ArrayList<>();
        assertEquals(3, handOff.takeAll(taken), "finishing 1 and 2 settles the drop after them");
        assertEquals(List.of(1, 2), taken);

        taken.clear();
        assertTrue(handOff.offer(4));
        assertEquals(4, handOff.takeAll(taken));
        assertEquals(List.of(4), taken);

        // A drop that finds the queue emptied in the meantime still wakes the taker, with nothing to take.
        handOff.skipped();
        taken.clear();
        assertEquals(5, handOff.takeAll(taken));
        assertEquals(List.of(), taken);
        handOff.close();
        assertEquals(-1, handOff.takeAll(taken), "closed and nothing more came");
    }
}
