package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.RawEvent;
import io.runtimedetector.sink.EventSink;
import io.runtimedetector.sinks.OverflowPolicy;
import io.runtimedetector.sinks.SinkSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CompletableFuture;
import io.runtimedetector.sinks.EventSinks;
import org.apache.pekko.Done;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.Test;

/**
 * {@code EventProbe.release}: a batch goes back to the probe, in order, once every sink has
 * finished with what it made come out (written it: its accept returned), never while an
 * event of it waits in a sink's accept or buffer; an event dropped on the way holds
 * nothing back once the events before it are finished.
 */
class ReleaseTest extends SyntheticTestBase {

    /** A sink whose accept waits until the test opens it. */
    private static final class GatedSink implements EventSink {
        final CountDownLatch gate = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);

        @Override
        public String name() {
            return "gated";
        }

        @Override
        public void accept(ProcessEvent event) throws Exception {
            entered.countDown();
            if (!gate.await(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the test never opened the gate");
            }
        }

        void open() {
            gate.countDown();
        }
    }

    /** Each batch one EXEC that is reported at once, on the supervisor's thread. */
    private static List<RawEvent> execBatch(int pid) {
        SimProcess p = SimProcess.of(pid, 10.0);
        return List.of(p.execComplete("/usr/bin/x", "/usr/bin/x", Map.of(), "x"));
    }

    /** A batch that makes nothing come out: the EXIT of a process nobody follows. */
    private static List<RawEvent> nothingBatch(int pid) {
        return List.of(SimProcess.of(pid, 10.0).exit());
    }

    private static DetectorOptions.Builder withSink(EventSink sink, OverflowPolicy overflow) {
        // One event in the sink's buffer; containers off, so that nothing waits on a /proc read.
        return options().attributeContainers(false).addSink(sink).sinkSettings(new SinkSettings(1, overflow, 0));
    }

    @Test
    void aBatchThatEmitsNothingIsReleased() {
        SyntheticDetector d = start(options());
        List<RawEvent> batch = nothingBatch(900);
        d.send(batch);
        SyntheticDetector.await("the release", () -> d.probe.releasedCount() == 1);
        assertSame(batch, d.probe.released().get(0));
    }

    @Test
    void batchesAreReleasedInTheOrderTheyCame() {
        SyntheticDetector d = start(options().attributeContainers(false));
        List<List<RawEvent>> sent = new ArrayList<>();
        for (int pid = 1000; pid < 1020; pid++) {
            List<RawEvent> batch = pid % 3 == 0 ? nothingBatch(pid) : execBatch(pid);
            sent.add(batch);
            d.send(batch);
        }
        SyntheticDetector.await("every release", () -> d.probe.releasedCount() == sent.size());
        assertSameBatches(sent, d.probe.released());
    }

    @Test
    void aBlockedSinkHoldsBackTheBatchesWhoseEventsItHasNotWritten() {
        GatedSink sink = new GatedSink();
        SyntheticDetector d = start(withSink(sink, OverflowPolicy.BACKPRESSURE));
        try {
            List<RawEvent> b1 = execBatch(1100);
            List<RawEvent> b2 = execBatch(1101);
            List<RawEvent> b3 = execBatch(1102);
            List<RawEvent> b4 = nothingBatch(1103);
            d.send(b1);
            d.send(b2);
            d.send(b3);
            d.send(b4);
            // The sink holds the first event in accept and the second in its buffer of one, the
            // third waits before it: none is written, so no batch goes, not even the fourth behind them.
            d.awaitMetrics("the fourth batch handled", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1);
            SyntheticDetector.await("the sink holding its first event", () -> sink.entered.getCount() == 0);
            assertEquals(0, d.probe.releasedCount());

            sink.open();
            SyntheticDetector.await("the rest released", () -> d.probe.releasedCount() == 4);
            assertSameBatches(List.of(b1, b2, b3, b4), d.probe.released());
        } finally {
            sink.open();
        }
    }

    @Test
    void aPekkoSinkWithoutDemandHoldsBackTheReleasesUntilItAsks() throws Exception {
        CompletableFuture<TestSubscriber.Probe<ProcessEvent>> subscriber = new CompletableFuture<>();
        Sink<ProcessEvent, TestSubscriber.Probe<ProcessEvent>> slow = TestSink.<ProcessEvent>create(kit.system())
                .mapMaterializedValue(probe -> {
                    subscriber.complete(probe);
                    return probe;
                });
        SyntheticDetector d = start(withSink(EventSinks.fromPekko("slow", slow), OverflowPolicy.BACKPRESSURE));
        TestSubscriber.Probe<ProcessEvent> downstream = subscriber.get(5, TimeUnit.SECONDS);
        List<List<RawEvent>> sent = new ArrayList<>();
        for (int pid = 1400; pid < 1440; pid++) {
            sent.add(execBatch(pid));
        }
        sent.forEach(d::send);
        d.awaitMetrics("every batch handled", m -> m.emitted(io.runtimedetector.event.EventType.EXEC) == sent.size());

        // Nothing asked for: the sink's buffers fill up, and the batches behind them stay unreleased.
        assertTrue(d.probe.releasedCount() < sent.size(), "released " + d.probe.releasedCount());
        downstream.request(sent.size());
        downstream.expectNextN(sent.size());
        SyntheticDetector.await("every release", () -> d.probe.releasedCount() == sent.size());
        assertSameBatches(sent, d.probe.released());
    }

    @Test
    void eventsASinkDropsGoWithTheEventsBeforeThemAndHoldNothingBack() {
        GatedSink sink = new GatedSink();
        SyntheticDetector d = start(withSink(sink, OverflowPolicy.DROP_NEWEST));
        try {
            List<List<RawEvent>> sent = List.of(execBatch(1200), execBatch(1201), execBatch(1202), execBatch(1203),
                    nothingBatch(1204));
            sent.forEach(d::send);
            // Blocked on the first, the second in its buffer: what did not fit was dropped, but the
            // drops come after events not yet written, so nothing is released yet.
            d.awaitMetrics("the last batch handled", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1);
            SyntheticDetector.await("drops", () -> d.detector.sinkStats().sinks().get(0).dropped() > 0);
            assertEquals(0, d.probe.releasedCount());

            sink.open();
            SyntheticDetector.await("every release", () -> d.probe.releasedCount() == sent.size());
            assertSameBatches(sent, d.probe.released());
        } finally {
            sink.open();
        }
    }

    @Test
    void stopReleasesEveryBatchDelivered() {
        GatedSink sink = new GatedSink();
        SyntheticDetector d = start(withSink(sink, OverflowPolicy.BACKPRESSURE));
        List<List<RawEvent>> sent = List.of(execBatch(1300), execBatch(1301), execBatch(1302), nothingBatch(1303));
        try {
            sent.forEach(d::send);
            d.awaitMetrics("every batch handled", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1);
            assertEquals(0, d.probe.releasedCount(), "the sink has written nothing yet");
        } finally {
            CompletionStage<Done> stopped = d.detector.stop();
            sink.open();
            stopped.toCompletableFuture().join();
        }
        assertSameBatches(sent, d.probe.released());
    }

    private static void assertSameBatches(List<List<RawEvent>> expected, List<List<RawEvent>> actual) {
        assertEquals(expected.size(), actual.size(), "batches released: " + actual);
        for (int i = 0; i < expected.size(); i++) {
            assertSame(expected.get(i), actual.get(i), "batch " + i);
        }
    }
}
