package io.runtimedetector.micrometer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.runtimedetector.ContainerMetrics;
import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.ProcReadMetrics;
import io.runtimedetector.ReaderQueueMetrics;
import io.runtimedetector.RestartMetrics;
import io.runtimedetector.event.EventType;
import io.runtimedetector.sink.SinkCounters;
import io.runtimedetector.sink.SinkStats;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class DetectorMeterBinderTest {

    private static DetectorMetrics metrics(long execs) {
        return new DetectorMetrics(Map.of(EventType.EXEC, execs + 5), Map.of(EventType.EXEC, execs, EventType.EXIT, 2L),
                Map.of(FilterReason.ENV_PREFIX, 7L), 3, 4, 5, 6, 8, 9, 10, 11, 12, 13,
                new ProcReadMetrics(14, 15, 16, 17, 18, 19), 20, new ReaderQueueMetrics(65536, 21, 22, 23),
                "bounded-loop", 120.5, 84, ContainerMetrics.NONE, RestartMetrics.NONE);
    }

    @Test
    void everyCounterIsReadFromTheLatestSnapshotAtEachScrape() {
        AtomicReference<DetectorMetrics> now = new AtomicReference<>(metrics(1));
        SinkStats sinks = new SinkStats(List.of(new SinkCounters("stdout", 40, 1, 2, 1, false),
                new SinkCounters("kafka:events", 30, 0, 4, 3, true)));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new DetectorMeterBinder(now::get, () -> sinks).bindTo(registry);

        assertEquals(1, registry.get("runtime.detector.events").tag("type", "exec").functionCounter().count());
        now.set(metrics(100));
        assertEquals(100, registry.get("runtime.detector.events").tag("type", "exec").functionCounter().count());
        assertEquals(2, registry.get("runtime.detector.events").tag("type", "exit").functionCounter().count());
        assertEquals(0, registry.get("runtime.detector.events").tag("type", "file_open").functionCounter().count());
        assertEquals(105, registry.get("runtime.detector.raw.events").tag("type", "exec").functionCounter().count());
        assertEquals(7, registry.get("runtime.detector.filtered").tag("reason", "env_prefix").functionCounter().count());
        assertEquals(3, registry.get("runtime.detector.kernel.lost").functionCounter().count());
        assertEquals(6, registry.get("runtime.detector.proc.read.errors").functionCounter().count());
        assertEquals(12, registry.get("runtime.detector.lost.exits").functionCounter().count());
        assertEquals(13, registry.get("runtime.detector.processes.followed").gauge().value());
        assertEquals(14, registry.get("runtime.detector.exec.proc.reads").functionCounter().count());
        assertEquals(16, registry.get("runtime.detector.proc.reads").tag("what", "env_values").functionCounter().count());
        assertEquals(21, registry.get("runtime.detector.reader.queue.depth").gauge().value());
        assertEquals(22, registry.get("runtime.detector.reader.queue.high.water").gauge().value());
        assertEquals(23, registry.get("runtime.detector.reader.queue.full.waits").functionCounter().count());
        assertEquals(120.5, registry.get("runtime.detector.record.bytes").tag("type", "exec").gauge().value());
        assertEquals(1, registry.get("runtime.detector.program").tag("variant", "bounded-loop").gauge().value());
        assertEquals(0, registry.get("runtime.detector.program").tag("variant", "bpf-loop").gauge().value());
        assertEquals(40, registry.get("runtime.detector.sink.delivered").tag("sink", "stdout").functionCounter().count());
        assertEquals(1, registry.get("runtime.detector.sink.dropped").tag("sink", "stdout").functionCounter().count());
        assertEquals(4, registry.get("runtime.detector.sink.failed").tag("sink", "kafka:events").functionCounter().count());
        assertEquals(1, registry.get("runtime.detector.sink.stopped").tag("sink", "kafka:events").gauge().value());
        assertEquals(0, registry.get("runtime.detector.sink.stopped").tag("sink", "stdout").gauge().value());
    }

    @Test
    void whatWasTakenOverFromThePreviousDetectorIsCounted() {
        DetectorMetrics base = metrics(1);
        DetectorMetrics m = new DetectorMetrics(base.rawEvents(), base.emitted(), base.filtered(), 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, ProcReadMetrics.NONE, 0, ReaderQueueMetrics.NONE, "", 0, 0, ContainerMetrics.NONE,
                new RestartMetrics(31, 32, 33, 34, 35));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        new DetectorMeterBinder(() -> m, () -> new SinkStats(List.of())).bindTo(registry);

        assertEquals(31, registry.get("runtime.detector.restart.snapshot.loaded").functionCounter().count());
        assertEquals(32, registry.get("runtime.detector.restart.resumed").functionCounter().count());
        assertEquals(33, registry.get("runtime.detector.restart.exits").tag("image", "snapshot").functionCounter().count());
        assertEquals(34, registry.get("runtime.detector.restart.exits").tag("image", "unknown").functionCounter().count());
        assertEquals(35, registry.get("runtime.detector.restart.lost").functionCounter().count());
        assertTrue(m.summary().endsWith("restart{snapshot_loaded=31 resumed=32 exits_from_snapshot=33"
                + " exits_image_unknown=34 lost_while_unread=35}"), m.summary());
    }

    @Test
    void theCountersKeepReadingWhenNobodyKeepsTheBinder() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        long[] execs = {7};
        new DetectorMeterBinder(() -> metrics(execs[0]), () -> new SinkStats(List.of())).bindTo(registry);
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(20);
        }
        execs[0] = 8;
        assertEquals(8, registry.get("runtime.detector.events").tag("type", "exec").functionCounter().count());
    }
}
