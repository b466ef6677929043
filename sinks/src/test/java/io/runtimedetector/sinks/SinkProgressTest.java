package io.runtimedetector.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.ProcessEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the sink runner reports as finished ({@link SinkProgress}): what a detector in pinned
 * mode lets the kernel forget. Never an event that only waits in a sink's buffer.
 */
class SinkProgressTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ActorSystem system;
    private static Materializer mat;

    @BeforeAll
    static void startPekko() {
        system = ActorSystem.create("sink-progress-test");
        mat = Materializer.matFromSystem(system);
    }

    @AfterAll
    static void stopPekko() {
        system.terminate();
    }

    private static Pair<BoundedSourceQueue<ProcessEvent>, Source<ProcessEvent, NotUsed>> queue() {
        return Source.<ProcessEvent>queue(64).preMaterialize(mat);
    }

    private static void offer(BoundedSourceQueue<ProcessEvent> queue, List<ProcessEvent> events) {
        events.forEach(e -> assertEquals(QueueOfferResult.enqueued(), queue.offer(e)));
    }

    @Test
    void aPlainSinkHasFinishedAnEventOnlyOnceItsAcceptReturned() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        GatedSink stuck = new GatedSink("stuck", gate);
        InMemorySink fast = new InMemorySink("fast");
        var q = queue();
        SinkRunner runner = SinkRunner.start(q.second(), List.of(stuck, fast), SinkSettings.defaults(), mat);
        CountDownLatch told = new CountDownLatch(1);
        runner.progress().listen(told::countDown);
        try {
            offer(q.first(), TestEvents.numbered(5));
            assertTrue(fast.awaitCount(5, WAIT));
            assertTrue(stuck.entered.await(WAIT.toSeconds(), TimeUnit.SECONDS));
            // Everything is in the stuck sink's buffer or its accept by now, and none of it is safe.
            assertEquals(0, runner.progress().settledByAll());

            runner.progress().want(5);
            gate.countDown();
            assertTrue(told.await(WAIT.toSeconds(), TimeUnit.SECONDS), "told once both sinks reached 5");
            awaitSettled(() -> runner.progress().settledByAll(), 5);
        } finally {
            gate.countDown();
            q.first().complete();
            runner.done().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
        assertEquals(Long.MAX_VALUE, runner.progress().settledByAll(), "ended sinks hold nobody back");
    }

    @Test
    void aDroppedEventIsFinishedNoEarlierThanTheEventsQueuedBeforeIt() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        GatedSink stuck = new GatedSink("stuck", gate);
        var q = queue();
        SinkRunner runner = SinkRunner.start(q.second(), List.of(stuck),
                new SinkSettings(2, OverflowPolicy.DROP_NEWEST, 0), mat);
        try {
            offer(q.first(), TestEvents.numbered(10));
            // The first in its accept (with the second, if the sink's thread took both at once), two queued.
            awaitSettled(() -> Math.min(6, runner.stats().sink(stuck.name()).orElseThrow().dropped()), 6);
            assertEquals(0, runner.progress().settledByAll(), "the drops come after events still held");

            gate.countDown();
            awaitSettled(() -> runner.progress().settledByAll(), 10);
            assertEquals(10, stuck.received().size() + runner.stats().sink(stuck.name()).orElseThrow().dropped());
        } finally {
            gate.countDown();
            q.first().complete();
            runner.done().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void anAcknowledgingSinkHasFinishedAnEventOnceItsAcknowledgementCame() throws Exception {
        CompletableFuture<Done> broker = new CompletableFuture<>();
        List<Integer> sent = Collections.synchronizedList(new ArrayList<>());
        AcknowledgingEventSink sink = () -> Flow.<ProcessEvent>create()
                .map(e -> {
                    sent.add(e.pid());
                    return e;
                })
                .mapAsync(4, e -> broker.thenApply(ok -> e))
                .watchTermination(Keep.right());
        var q = queue();
        SinkRunner runner = SinkRunner.start(q.second(), List.of(sink), SinkSettings.defaults(), mat);
        try {
            offer(q.first(), TestEvents.numbered(3));
            awaitSettled(() -> sent.size(), 3);
            assertEquals(0, runner.progress().settledByAll(), "sent, not acknowledged");
            broker.complete(Done.getInstance());
            awaitSettled(() -> runner.progress().settledByAll(), 3);
        } finally {
            broker.complete(Done.getInstance());
            q.first().complete();
            runner.done().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void theEventsOfAFailedRunAreFinishedWhenItEndsAndTheNextRunGoesOn() throws Exception {
        AtomicBoolean failedOnce = new AtomicBoolean();
        List<Integer> acknowledged = Collections.synchronizedList(new ArrayList<>());
        AcknowledgingEventSink sink = () -> Flow.<ProcessEvent>create()
                .map(e -> {
                    if (e.pid() == 3 && failedOnce.compareAndSet(false, true)) {
                        throw new IllegalStateException("the connection broke");
                    }
                    acknowledged.add(e.pid());
                    return e;
                })
                .watchTermination(Keep.right());
        var q = queue();
        SinkRunner runner = SinkRunner.start(q.second(), List.of(sink), SinkSettings.defaults().withMaxRestarts(2), mat);
        try {
            offer(q.first(), TestEvents.numbered(2));
            awaitSettled(() -> runner.progress().settledByAll(), 2);
            offer(q.first(), TestEvents.numbered(5).subList(2, 5));
            // Event 3 was given up with its run; 4 and 5 went to the next.
            awaitSettled(() -> runner.progress().settledByAll(), 5);
            assertEquals(List.of(1, 2, 4, 5), acknowledged);
            assertEquals(1, runner.stats().sink(sink.name()).orElseThrow().restarts());
        } finally {
            q.first().complete();
            runner.done().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
        }
    }

    @Test
    void aSettleQueueCountsADropWithTheEventBeforeIt() {
        SinkProgress progress = new SinkProgress();
        SettleQueue queue = new SettleQueue(progress.newBranch());
        for (int i = 0; i < 100; i++) {
            queue.entered();  // past its first ring's size
        }
        queue.entered();
        queue.droppedNewest();  // position 101
        queue.entered();        // 102
        queue.finishedOldest(99);
        assertEquals(99, progress.settledByAll());
        queue.finishedOldest(1);
        assertEquals(101, progress.settledByAll(), "the 100th and the drop after it");
        queue.finishedOldest(1);
        assertEquals(102, progress.settledByAll());
        queue.entered();
        queue.droppedNewest();
        assertEquals(103, progress.settledByAll(), "a drop with nothing in flight before it is finished at once");
    }

    private static void awaitSettled(LongSupplier value, long atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (value.getAsLong() < atLeast && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(atLeast, value.getAsLong());
    }
}
