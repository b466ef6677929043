package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.RawEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Processes followed on request, before or after start: whatever the filters say, their
 * FORKs and EXIT are reported, and they get no EXEC of their own.
 */
class TrackProcessesTest extends SyntheticTestBase {

    private static final Duration QUIET = Duration.ofMillis(300);

    /** A prefix the requested processes lack, and a minimum duration they need not wait for. */
    private static DetectorOptions.Builder filtering() {
        return options().envPrefix("MYAPP_").minDuration(Duration.ofSeconds(30))
                .watchedFiles(List.of(Path.of("/etc/app.conf")));
    }

    @Test
    void requestedBeforeStartGivesExitWithoutExec() {
        SimProcess p = SimProcess.of(900, 60.0);
        p.in(procfs).cmdline("postgres", "-D", "/data").create();
        SyntheticDetector d = created(filtering());
        d.detector.trackProcesses(List.of(900));
        d.detector.start().toCompletableFuture().join();

        d.awaitTracked(900);
        d.expectNothing(QUIET);
        d.send(p.fileOpen("/etc/app.conf", 0));
        assertEquals("/etc/app.conf", d.next(EventType.FILE_OPEN, 900).filePath());
        d.send(p.exit(15));
        ProcessEvent exit = d.next(EventType.EXIT, 900);
        assertEquals(List.of("postgres", "-D", "/data"), exit.process().cmdLine());
        assertEquals(15, exit.exit().signal());
        // The scan judged it on its own, apart from the request.
        assertEquals(1, d.metrics().filtered(FilterReason.ENV_PREFIX));
    }

    @Test
    void requestedThroughTheOptionsGivesExitWithoutExec() {
        SimProcess p = SimProcess.of(901, 60.0);
        p.in(procfs).create();
        SyntheticDetector d = start(filtering().trackedPids(List.of(901)));

        d.awaitTracked(901);
        d.send(p.exit());
        d.next(EventType.EXIT, 901);
    }

    @Test
    void requestedAfterStartReportsItsForksAndExit() {
        SyntheticDetector d = start(filtering());
        SimProcess p = SimProcess.of(902, 60.0);
        SimProcess child = SimProcess.of(903, 1.0);
        p.in(procfs).exe("/usr/sbin/nginx").create(); // appears after the scan
        d.detector.trackProcesses(List.of(902));
        d.awaitTracked(902);

        child.in(procfs).ppid(902).exe("/usr/sbin/nginx").create();
        d.send(child.forkedBy(p));
        ProcessEvent fork = d.next(EventType.FORK, 903);
        assertEquals(902, fork.process().ppid());
        // One at a time: two processes' actors run concurrently, so their events may interleave.
        d.send(child.exit());
        d.next(EventType.EXIT, 903);
        d.send(p.exit());
        d.next(EventType.EXIT, 902);
        d.expectNothing(QUIET);
    }

    @Test
    void shortLivedChildrenAndGrandchildrenOfARequestedProcessAreReported() {
        // A requested shell: every command it runs is reported, however briefly it ran.
        SimProcess shell = SimProcess.of(906, 60.0);
        SimProcess child = SimProcess.of(907, 0.1);
        SimProcess grandchild = SimProcess.of(908, 0.1);
        shell.in(procfs).exe("/usr/bin/bash").create();
        SyntheticDetector d = start(filtering().trackedPids(List.of(906)));
        d.awaitTracked(906);

        child.in(procfs).ppid(906).exe("/usr/bin/bash").create();
        grandchild.in(procfs).ppid(907).exe("/usr/bin/bash").create();
        d.send(child.forkedBy(shell));
        d.next(EventType.FORK, 907);
        d.send(grandchild.forkedBy(child));
        d.next(EventType.FORK, 908);
        grandchild.in(procfs).ppid(907).exe("/usr/bin/ls").cmdline("ls").create();
        d.send(grandchild.exec("/usr/bin/ls", "ls"), grandchild.exit());
        assertEquals(List.of("ls"), d.next(EventType.EXEC, 908).process().cmdLine());
        d.next(EventType.EXIT, 908);
        d.send(child.exit());
        d.next(EventType.EXIT, 907);
    }

    @Test
    void requestForAnAlreadyReportedProcessKeepsItsOneExec() {
        SyntheticDetector d = start(options());
        SimProcess p = SimProcess.of(904, 1.0);
        p.in(procfs).create();
        d.send(p.exec("/usr/bin/app", "app"));
        d.next(EventType.EXEC, 904);

        d.detector.trackProcesses(List.of(904));
        d.send(p.exit());
        d.next(EventType.EXIT, 904);
        d.expectNothing(QUIET);
    }

    @Test
    void requestForAPidWithNoProcessIsSkipped() {
        SyntheticDetector d = start(options());
        d.detector.trackProcesses(List.of(4242));
        d.expectNothing(QUIET);
        assertEquals(0, d.metrics().liveProcesses());
        assertEquals(List.of(), List.copyOf(d.probe.tracked().keySet()));
    }

    @Test
    void requestTheKernelCannotHonourIsCounted() {
        SyntheticDetector d = start(options());
        SimProcess p = SimProcess.of(905, 60.0);
        p.in(procfs).create();
        d.probe.refuseTracking();

        d.detector.trackProcesses(List.of(905));
        d.awaitMetrics("the refused track", m -> m.trackOverflows() == 1 && m.liveProcesses() == 0);
        d.send(p.exit());
        d.expectNothing(QUIET);
    }

    @Test
    void processTheKernelCouldNotTrackIsReportedButExpectsNoExit() {
        SyntheticDetector d = start(options());
        SimProcess p = SimProcess.of(909, 1.0);
        p.in(procfs).create();

        d.send(p.exec(RawEvent.FLAG_TRACK_FULL, "/usr/bin/app", "app"));
        d.next(EventType.EXEC, 909);
        // Without tracking no EXIT can come: the engine must not hold the process forever,
        // and takes any later event of it for one it does not follow.
        d.send(p.exit());
        d.awaitMetrics("nothing held", m -> m.liveProcesses() == 0 && m.filtered(FilterReason.UNKNOWN_PID) == 1);
        d.expectNothing(QUIET);
    }

    @Test
    void invalidPidsAreRejected() {
        SyntheticDetector d = start(options());
        assertThrows(IllegalArgumentException.class, () -> d.detector.trackProcesses(List.of(0)));
        d.stopAndExpectComplete();
        assertThrows(IllegalStateException.class, () -> d.detector.trackProcesses(List.of(1)));
    }
}
