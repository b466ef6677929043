package io.runtimedetector.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import io.runtimedetector.sink.SinkCounters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SinkRunnerTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    private static ActorSystem system;
    private static Materializer mat;

    @BeforeAll
    static void startPekko() {
        system = ActorSystem.create("sink-runner-test");
        mat = Materializer.matFromSystem(system);
    }

    @AfterAll
    static void stopPekko() {
        system.terminate();
    }

    @Test
    void everySinkGetsEveryEventInOrderThenIsFlushedAndClosed() throws Exception {
        InMemorySink first = new InMemorySink("first");
        InMemorySink second = new InMemorySink("second");
        SinkRunner runner = SinkRunner.start(Source.from(TestEvents.numbered(2000)), List.of(first, second),
                SinkSettings.defaults().withBufferSize(16), mat);

        awaitDone(runner);

        List<Integer> expected = IntStream.rangeClosed(1, 2000).boxed().toList();
        for (InMemorySink sink : List.of(first, second)) {
            assertEquals(expected, TestEvents.pids(sink.events()));
            assertEquals(1, sink.flushCount());
            assertEquals(1, sink.closeCount());
        }
        assertEquals(new SinkCounters("first", 2000, 0, 0, 0, false), runner.stats().sink("first").orElseThrow());
    }

    @Test
    void aFailingSinkIsRestartedAndTheHealthyOneGetsEverything() throws Exception {
        InMemorySink healthy = new InMemorySink("healthy");
        FlakySink flaky = new FlakySink("flaky", Set.of(10, 20, 30));
        SinkRunner runner = SinkRunner.start(Source.from(TestEvents.numbered(100)), List.of(flaky, healthy),
                SinkSettings.defaults().withMaxRestarts(5), mat);

        awaitDone(runner);

        assertEquals(100, healthy.count());
        List<Integer> expectedByFlaky = IntStream.rangeClosed(1, 100).filter(p -> p % 10 != 0 || p > 30).boxed().toList();
        assertEquals(expectedByFlaky, flaky.received());
        assertEquals(new SinkCounters("flaky", 97, 0, 3, 3, false), runner.stats().sink("flaky").orElseThrow());
        // One close per restart, one at the end.
        assertEquals(4, flaky.closes.get());
    }

    @Test
    void aSinkThatKeepsFailingIsStoppedAndTheOthersGoOn() throws Exception {
        InMemorySink healthy = new InMemorySink("healthy");
        FlakySink broken = new FlakySink("broken", null);
        SinkRunner runner = SinkRunner.start(Source.from(TestEvents.numbered(500)), List.of(broken, healthy),
                SinkSettings.defaults().withMaxRestarts(2), mat);

        awaitDone(runner);

        assertEquals(500, healthy.count());
        assertEquals(new SinkCounters("broken", 0, 0, 3, 2, true), runner.stats().sink("broken").orElseThrow());
        assertEquals(3, broken.attempts.get());
        assertEquals(3, broken.closes.get());
    }

    @Test
    void whenEverySinkIsStoppedTheSourceIsStillDrainedNotCancelled() throws Exception {
        AtomicInteger pulled = new AtomicInteger();
        Source<ProcessEvent, ?> source = Source.from(TestEvents.numbered(300)).map(event -> {
            pulled.incrementAndGet();
            return event;
        });
        SinkRunner runner = SinkRunner.start(source, List.of(new FlakySink("broken", null)),
                SinkSettings.defaults().withMaxRestarts(0), mat);

        awaitDone(runner);

        assertEquals(300, pulled.get());
        assertTrue(runner.stats().sink("broken").orElseThrow().stopped());
    }

    @Test
    void withBackpressureASlowSinkLosesNothing() throws Exception {
        InMemorySink fast = new InMemorySink("fast");
        SlowSink slow = new SlowSink("slow", 1);
        SinkRunner runner = SinkRunner.start(Source.from(TestEvents.numbered(300)), List.of(slow, fast),
                new SinkSettings(4, OverflowPolicy.BACKPRESSURE, 0), mat);

        awaitDone(runner);

        assertEquals(IntStream.rangeClosed(1, 300).boxed().toList(), slow.received());
        assertEquals(300, fast.count());
        assertEquals(0, runner.stats().totalDropped());
    }

    @Test
    void withDropNewestAStuckSinkDropsAndTheFastOneIsNotHeldUp() throws Exception {
        InMemorySink fast = new InMemorySink("fast");
        CountDownLatch gate = new CountDownLatch(1);
        GatedSink stuck = new GatedSink("stuck", gate);
        Pair<BoundedSourceQueue<ProcessEvent>, Source<ProcessEvent, NotUsed>> queue =
                Source.<ProcessEvent>queue(4).preMaterialize(mat);
        SinkRunner runner = SinkRunner.start(queue.second(), List.of(stuck, fast),
                new SinkSettings(8, OverflowPolicy.DROP_NEWEST, 0), mat);

        // One event at a time, each waited for by the fast sink: the fast sink never has a
        // backlog, while the stuck one has not returned from its first accept.
        for (ProcessEvent event : TestEvents.numbered(200)) {
            assertEquals(QueueOfferResult.enqueued(), queue.first().offer(event));
            assertTrue(fast.awaitCount(event.pid(), WAIT), "fast sink held up at pid " + event.pid());
        }
        queue.first().complete();
        gate.countDown();
        awaitDone(runner);

        SinkCounters stuckCounters = runner.stats().sink("stuck").orElseThrow();
        assertTrue(stuckCounters.dropped() > 0, stuckCounters.toString());
        assertEquals(200, stuckCounters.delivered() + stuckCounters.dropped());
        assertEquals(new SinkCounters("fast", 200, 0, 0, 0, false), runner.stats().sink("fast").orElseThrow());
        // What it did get is in order and starts with the oldest events: the newest were
        // dropped. (An event still on its way from the hub when the gate opens may find room
        // again, and the sink's thread may start only once its buffer is full, so only the
        // first buffer's worth is sure to be contiguous.)
        List<Integer> got = stuck.received();
        int sure = Math.min(got.size(), 8);
        assertEquals(IntStream.rangeClosed(1, sure).boxed().toList(), got.subList(0, sure));
        for (int i = 1; i < got.size(); i++) {
            assertTrue(got.get(i) > got.get(i - 1), "out of order: " + got);
        }
    }

    @Test
    void aFailedSourceFailsDoneOnlyAfterTheSinksAreClosed() throws Exception {
        InMemorySink sink = new InMemorySink();
        IllegalStateException boom = new IllegalStateException("probe died");
        Source<ProcessEvent, ?> failing = Source.from(TestEvents.numbered(5)).concat(Source.failed(boom));
        SinkRunner runner = SinkRunner.start(failing, List.of(sink), SinkSettings.defaults(), mat);

        ExecutionException failure = assertThrows(ExecutionException.class,
                () -> runner.done().toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS));

        assertSame(boom, failure.getCause());
        assertEquals(1, sink.flushCount());
        assertEquals(1, sink.closeCount());
    }

    @Test
    void closeCancelsAnEndlessSourceAndClosesTheSinks() throws Exception {
        InMemorySink sink = new InMemorySink();
        CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
        Source<ProcessEvent, ?> endless = Source.repeat(TestEvents.exec(1))
                .watchTermination((notUsed, ended) -> ended.whenComplete((done, failure) -> cancelled.complete(true)));
        SinkRunner runner = SinkRunner.start(endless, List.of(sink), SinkSettings.defaults(), mat);
        assertTrue(sink.awaitCount(10, WAIT));

        runner.close();

        assertTrue(runner.done().toCompletableFuture().isDone());
        assertFalse(runner.done().toCompletableFuture().isCompletedExceptionally());
        // The cancellation reaches the source's own stage just after the runner's.
        assertTrue(cancelled.get(WAIT.toSeconds(), TimeUnit.SECONDS));
        assertEquals(1, sink.closeCount());
    }

    @Test
    void aPekkoSinkReceivesEverythingAndIsAwaited() throws Exception {
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        PekkoEventSink pekko = EventSinks.fromPekko("pekko", Sink.foreach(event -> seen.add(event.pid())));
        InMemorySink plain = new InMemorySink();
        SinkRunner runner = SinkRunner.start(Source.from(TestEvents.numbered(500)), List.of(pekko, plain),
                SinkSettings.defaults(), mat);

        awaitDone(runner);

        // done() waited for Sink.foreach's own completion, so the list is complete now.
        assertEquals(IntStream.rangeClosed(1, 500).boxed().toList(), List.copyOf(seen));
        assertEquals(new SinkCounters("pekko", 500, 0, 0, 0, false), runner.stats().sink("pekko").orElseThrow());
        assertThrows(UnsupportedOperationException.class, () -> pekko.accept(TestEvents.exec(1)));
    }

    @Test
    void aBlockingPekkoSinkDoesNotHoldUpTheRunnersOwnThread() throws Exception {
        // The detector runs the runner on its engine's one thread; a Pekko sink that blocks
        // its thread (a client library's send) must not take that thread with it.
        ActorSystem oneThread = ActorSystem.create("one-thread-runner", ConfigFactory.parseString("""
                one-thread { type = Dispatcher, executor = "thread-pool-executor",
                             thread-pool-executor.fixed-pool-size = 1 }""").withFallback(ConfigFactory.load()));
        CountDownLatch blocked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try {
            Materializer oneThreadMat = Materializer.matFromSystem(oneThread);
            Attributes onOneThread = ActorAttributes.dispatcher("one-thread");
            Pair<BoundedSourceQueue<ProcessEvent>, Source<ProcessEvent, NotUsed>> hub = Source.<ProcessEvent>queue(1000)
                    .toMat(BroadcastHub.of(ProcessEvent.class, 2, 256), Keep.both())
                    .addAttributes(onOneThread)
                    .run(oneThreadMat);
            PekkoEventSink blocking = EventSinks.fromPekko("blocking", Sink.<ProcessEvent>foreach(event -> {
                blocked.countDown();
                release.await();
            }));
            InMemorySink plain = new InMemorySink("plain");
            SinkRunner runner = SinkRunner.attach(hub.second(), List.of(blocking, plain), SinkSettings.defaults(),
                    oneThreadMat, onOneThread);
            List<ProcessEvent> events = TestEvents.numbered(100);
            hub.first().offer(events.get(0));
            assertTrue(blocked.await(WAIT.toSeconds(), TimeUnit.SECONDS), "the Pekko sink got its first event");
            events.subList(1, events.size()).forEach(hub.first()::offer);

            assertTrue(plain.await(event -> event.pid() == 100, WAIT).isPresent(),
                    "the plain sink got every event while the Pekko sink was blocked");
            release.countDown();
            hub.first().complete();
            awaitDone(runner);
            assertEquals(100, runner.stats().sink("blocking").orElseThrow().delivered());
        } finally {
            release.countDown();
            oneThread.terminate();
        }
    }

    @Test
    void aFailingPekkoSinkIsRestartedAndDoesNotDisturbTheOthers() throws Exception {
        AtomicBoolean failedOnce = new AtomicBoolean();
        List<Integer> seen = Collections.synchronizedList(new ArrayList<>());
        PekkoEventSink pekko = EventSinks.fromPekko("pekko", Sink.<ProcessEvent>foreach(event -> {
            if (event.pid() == 50 && failedOnce.compareAndSet(false, true)) {
                throw new IllegalStateException("downstream unavailable");
            }
            seen.add(event.pid());
        }));
        InMemorySink plain = new InMemorySink();
        SinkRunner runner = SinkRunner.start(Source.from(TestEvents.numbered(200)), List.of(pekko, plain),
                SinkSettings.defaults().withMaxRestarts(3), mat);

        awaitDone(runner);

        assertEquals(200, plain.count());
        SinkCounters counters = runner.stats().sink("pekko").orElseThrow();
        assertEquals(1, counters.failed());
        assertEquals(1, counters.restarts());
        assertFalse(counters.stopped());
        // A restart may lose what was in flight, but the events after it arrive.
        assertEquals(200, seen.get(seen.size() - 1));
        assertFalse(seen.contains(50));
    }

    @Test
    void withNoSinksTheSourceIsStillConsumed() throws Exception {
        SinkRunner runner = SinkRunner.start(Source.from(TestEvents.numbered(10)), List.of(), SinkSettings.defaults(), mat);
        awaitDone(runner);
        assertEquals(List.of(), runner.stats().sinks());
    }

    @Test
    void settingsRefuseNonsense() {
        assertThrows(IllegalArgumentException.class, () -> new SinkSettings(0, OverflowPolicy.BACKPRESSURE, 1));
        assertThrows(IllegalArgumentException.class, () -> new SinkSettings(1, OverflowPolicy.BACKPRESSURE, -1));
        assertThrows(NullPointerException.class, () -> new SinkSettings(1, null, 1));
    }

    private static void awaitDone(SinkRunner runner) throws Exception {
        CompletionStage<Done> done = runner.done();
        assertInstanceOf(Done.class, done.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS));
    }

    /** Throws on the given pids (on every event when null); records the rest. */
    private static final class FlakySink implements EventSink {
        private final String name;
        private final Set<Integer> failOn;
        private final List<Integer> received = Collections.synchronizedList(new ArrayList<>());
        final AtomicInteger attempts = new AtomicInteger();
        final AtomicInteger closes = new AtomicInteger();

        FlakySink(String name, Set<Integer> failOn) {
            this.name = name;
            this.failOn = failOn;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void accept(ProcessEvent event) {
            attempts.incrementAndGet();
            if (failOn == null || failOn.contains(event.pid())) {
                throw new IllegalStateException("cannot take pid " + event.pid());
            }
            received.add(event.pid());
        }

        @Override
        public void close() {
            closes.incrementAndGet();
        }

        List<Integer> received() {
            return List.copyOf(received);
        }
    }

    /** Sleeps in every accept, like a sink writing to a slow disk. */
    private static final class SlowSink implements EventSink {
        private final String name;
        private final long millis;
        private final List<Integer> received = Collections.synchronizedList(new ArrayList<>());

        SlowSink(String name, long millis) {
            this.name = name;
            this.millis = millis;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void accept(ProcessEvent event) throws InterruptedException {
            Thread.sleep(millis);
            received.add(event.pid());
        }

        List<Integer> received() {
            return List.copyOf(received);
        }
    }
}
