package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.probe.ProbeCounters;
import io.runtimedetector.probe.RawEvent;
import io.runtimedetector.probe.RawEventType;
import io.runtimedetector.probe.testkit.SyntheticProbe;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The counters add up, and the engine forgets every process that ended: what it holds is
 * bounded by the processes alive now, however many came and went.
 */
class MetricsTest extends SyntheticTestBase {

    @Test
    void countsAddUpAndLiveProcessesReturnToZero() {
        SyntheticDetector d = start(options().envPrefix("MYAPP_"));
        SimProcess a = SimProcess.of(1300, 1.0);
        SimProcess b = SimProcess.of(1301, 1.0);
        SimProcess c = SimProcess.of(1302, 1.0);
        a.in(procfs).environ("MYAPP_ID=1").create();
        b.in(procfs).environ("MYAPP_ID=1").create();
        c.in(procfs).environ("PATH=/usr/bin").create();

        d.send(a.exec("/usr/bin/a", "a"), b.exec("/usr/bin/b", "b"), c.exec("/usr/bin/c", "c"));
        d.next(2);
        d.awaitMetrics("two live", m -> m.liveProcesses() == 2);
        d.send(a.exit(), b.exit(), c.exit());
        d.next(2);

        DetectorMetrics m = d.awaitMetrics("none live", x -> x.liveProcesses() == 0
                && x.filtered(FilterReason.UNKNOWN_PID) == 1);
        assertEquals(3, m.rawEvents(EventType.EXEC));
        assertEquals(3, m.rawEvents(EventType.EXIT));
        assertEquals(2, m.emitted(EventType.EXEC));
        assertEquals(2, m.emitted(EventType.EXIT));
        assertEquals(1, m.filtered(FilterReason.ENV_PREFIX));
        assertEquals(0, m.outputDropped());
        assertEquals(0, m.lostExits());
    }

    @Test
    void churnOfTwentyThousandProcessesLeavesNothingLive() {
        int processes = 20_000;
        int pids = 500; // each pid reused 40 times, as on a busy machine
        SyntheticDetector d = start(options().outputBufferSize(2 * processes + 16));
        List<RawEvent> events = new ArrayList<>(2 * processes);
        for (int i = 0; i < processes; i++) {
            // Later processes start later: a reused pid always has a newer start time.
            SimProcess p = new SimProcess(20_000 + i % pids, FakeProcfs.startNs(400.0) + i * ProcessKey.NANOS_PER_TICK);
            events.add(p.exec("/usr/bin/true", "true"));
            events.add(p.exit());
        }
        d.send(events); // backpressured: returns once the engine has taken the last event

        DetectorMetrics m = d.awaitMetrics("every process reported and forgotten",
                x -> x.emitted(EventType.EXIT) == processes && x.liveProcesses() == 0);
        assertEquals(processes, m.emitted(EventType.EXEC));
        assertEquals(0, m.lostExits());
        assertEquals(0, m.outputDropped());
        assertEquals(0, m.filtered(FilterReason.UNKNOWN_PID));
        assertEquals(2 * processes, d.next(2 * processes).size());
        d.stopAndExpectComplete();
    }

    @Test
    void outputNobodyConsumesDropsAndCountsWithoutStallingTheEngine() throws Exception {
        SyntheticProbe probe = SyntheticProbe.recording();
        Detector detector = Detector.create(options().outputBufferSize(8).procfs(procfs.root())
                .actorSystem(kit.system()).build(), probe::open);
        try {
            detector.start().toCompletableFuture().join();
            List<RawEvent> events = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                SimProcess p = new SimProcess(1310 + i, FakeProcfs.startNs(100.0) + i);
                events.add(p.exec("/usr/bin/true", "true"));
                events.add(p.exit());
            }
            probe.send(events.toArray(RawEvent[]::new));

            // Every event is either handed on or counted as dropped: none is lost silently.
            DetectorMetrics m = SyntheticDetector.awaitMetrics(detector, "all 1000 events accounted for",
                    x -> x.emitted().values().stream().mapToLong(Long::longValue).sum() + x.outputDropped() == 1000
                            && x.liveProcesses() == 0);
            assertTrue(m.outputDropped() > 0, m.summary());
            // Nobody will ever read what is still buffered: stop must not wait for a reader.
            detector.stop().toCompletableFuture().get(SyntheticDetector.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            detector.close();
        }
    }

    @Test
    void kernelCountersArePassedThrough() {
        SyntheticDetector d = start(options());
        SimProcess p = SimProcess.of(1304, 60.0);
        p.in(procfs).create();
        d.probe.refuseTracking();
        d.detector.trackProcesses(List.of(1304));
        d.awaitMetrics("the refused track", m -> m.trackOverflows() == 1);

        d.probe.counters(new ProbeCounters(5, 2, 100, 10, 3, 4, 90, 1, io.runtimedetector.probe.QueueStats.EMPTY,
                io.runtimedetector.probe.RecordSizes.NONE, 0, 7));
        DetectorMetrics m = d.metrics();
        assertEquals(5, m.kernelLost());
        assertEquals(7, m.restarts().lostWhileUnread(), "a pinned ring's loss while no detector read it");
        assertEquals(3, m.trackOverflows(), "the kernel's full-map refusals plus the engine's");
        assertEquals(1, m.decodeErrors());
    }

    @Test
    void pendingDroppedCountsFileOpensHeldPastTheBound() {
        SyntheticDetector d = start(options().minDuration(Duration.ofSeconds(30))
                .watchedFiles(List.of(Path.of("/etc/app.conf"))));
        SimProcess p = SimProcess.of(1303, 0.1);
        p.in(procfs).create();
        List<RawEvent> events = new ArrayList<>();
        events.add(p.exec("/usr/bin/loop", "loop"));
        for (int i = 0; i < 100; i++) {
            events.add(p.fileOpen("/etc/app.conf", 0));
        }
        events.add(p.exit());
        d.send(events);
        // Everything it held counts, whether over the bound or discarded at the early EXIT.
        d.awaitMetrics("100 FILE_OPENs dropped", m -> m.pendingDropped() == 100 && m.liveProcesses() == 0);
    }
}
