package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.ProbeException;
import io.runtimedetector.probe.testkit.SyntheticProbe;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.Done;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.Test;

/** Start, stop and failure of the detector as a whole, and a /proc that has nothing to tell. */
class DetectorLifecycleTest extends SyntheticTestBase {

    @Test
    void stopCompletesEventsClosesTheProbeAndRefusesASecondStart() {
        SyntheticDetector d = start(options());
        d.stopAndExpectComplete();

        assertTrue(d.probe.closeCount() >= 1);
        assertThrows(IllegalStateException.class, () -> d.detector.start());
        assertTrue(d.detector.whenTerminated().toCompletableFuture().isDone());
    }

    @Test
    void stopBeforeStartCompletesEverything() {
        SyntheticDetector d = created(options());
        d.detector.stop().toCompletableFuture().join();
        d.out.expectComplete();
        assertEquals(null, d.probe.config(), "no probe was opened");
    }

    @Test
    void probeThatCannotOpenFailsStartAndEndsTheOutput() {
        DetectorOptions options = options().procfs(procfs.root()).actorSystem(kit.system()).build();
        Detector detector = Detector.create(options, config -> {
            throw new ProbeException("cannot attach", 13);
        });
        TestSubscriber.Probe<ProcessEvent> out = detector.events().runWith(TestSink.create(kit.system()), kit.system());
        out.request(1);

        assertThrows(ProbeException.class, detector::start);
        out.expectComplete();
        detector.whenTerminated().toCompletableFuture().join();
    }

    @Test
    void probeFailureFailsEventsAndWhenTerminatedWithThatError() {
        SyntheticDetector d = start(options());
        SimProcess p = SimProcess.of(1100, 1.0);
        p.in(procfs).create();
        d.send(p.exec("/usr/bin/app", "app"));
        d.next(EventType.EXEC, 1100);

        IllegalStateException boom = new IllegalStateException("ring buffer gone");
        d.probe.fail(boom);
        assertSame(boom, d.out.expectError());
        assertSame(boom, causeOf(d.detector.whenTerminated()));
        assertSame(boom, causeOf(d.detector.stop()), "stop() reports how the detector ended");
    }

    @Test
    void probeFailureWithAnActorSystemOfItsOwn() {
        // The detector terminates a system it created, and only then reports the failure.
        SyntheticProbe probe = SyntheticProbe.recording();
        Detector detector = Detector.create(DetectorOptions.builder().minDuration(Duration.ZERO)
                .procfs(procfs.root()).build(), probe::open);
        try {
            TestSubscriber.Probe<ProcessEvent> out = detector.events()
                    .runWith(TestSink.create(kit.system()), kit.system());
            out.request(10);
            detector.start().toCompletableFuture().join();

            IllegalStateException boom = new IllegalStateException("ring buffer gone");
            probe.fail(boom);
            assertSame(boom, causeOf(detector.whenTerminated()));
            assertSame(boom, out.expectError());
        } finally {
            detector.close();
        }
    }

    @Test
    void stopCompletesWithNoConsumerAndAnActorSystemOfItsOwn() throws Exception {
        // Nobody ran events() and there is no sink: the events buffered, more than the hub
        // holds, can never be read.
        SyntheticProbe probe = SyntheticProbe.recording();
        Detector detector = Detector.create(DetectorOptions.builder().minDuration(Duration.ZERO)
                .procfs(procfs.root()).build(), probe::open);
        try {
            detector.start().toCompletableFuture().join();
            for (int pid = 1102; pid < 1302; pid++) {
                SimProcess p = SimProcess.of(pid, 1.0);
                probe.send(p.exec("/usr/bin/app", "app"), p.exit());
            }
            SyntheticDetector.awaitMetrics(detector, "all 400 events out", m -> m.emitted(EventType.EXIT) == 200);

            detector.stop().toCompletableFuture().get(SyntheticDetector.WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } finally {
            detector.close();
        }
    }

    @Test
    void vanishedProcEntryStillGivesExecWithTheKernelsFieldsAndLaterExit() {
        SyntheticDetector d = start(options().minDuration(Duration.ofMillis(200)));
        SimProcess p = SimProcess.of(1101, 0.5); // no /proc entry at all: gone, or never visible

        d.send(p.exec("/usr/bin/curl", "curl", "-s", "http://example"));
        ProcessEvent exec = d.next(EventType.EXEC, 1101);
        ProcessInfo info = exec.process();
        assertEquals(List.of("curl", "-s", "http://example"), info.cmdLine());
        assertEquals("/usr/bin/curl", info.exeLink());
        assertEquals("", info.exePath());
        assertEquals(1101, info.containerPid());

        d.send(p.exit(1 << 8));
        ProcessEvent exit = d.next(EventType.EXIT, 1101);
        assertEquals(info, exit.process());
        assertEquals(1, exit.exit().exitCode());
        d.awaitMetrics("nothing live", m -> m.liveProcesses() == 0);
    }

    private static Throwable causeOf(CompletionStage<Done> stage) {
        ExecutionException e = assertThrows(ExecutionException.class,
                () -> stage.toCompletableFuture().get(SyntheticDetector.WAIT.toMillis(), TimeUnit.MILLISECONDS));
        return e.getCause();
    }
}
