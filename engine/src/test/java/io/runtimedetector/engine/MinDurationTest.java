package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The minimum duration: nothing of a process is reported before it has lived that long,
 * a process that ends earlier is never reported at all, and what it did meanwhile comes
 * out afterwards in the order it happened.
 */
class MinDurationTest extends SyntheticTestBase {

    private static final Duration MIN = Duration.ofMillis(300);
    /** Well inside MIN: an EXEC arriving in this window came too early. */
    private static final Duration EARLY = Duration.ofMillis(150);
    /** Past MIN with room to spare: anything due has arrived by then. */
    private static final Duration PAST_MIN = Duration.ofMillis(700);

    private static DetectorOptions.Builder withMin() {
        return options().minDuration(MIN);
    }

    @Test
    void execIsReportedOnlyOnceTheProcessHasLivedTheMinimumDuration() {
        SyntheticDetector d = start(withMin());
        SimProcess p = SimProcess.of(100, 0.1);
        p.in(procfs).exe("/usr/bin/sleep").cmdline("sleep", "60").create();

        long sent = System.nanoTime();
        d.send(p.exec("/usr/bin/sleep", "sleep", "60"));
        d.expectNothing(EARLY);
        ProcessEvent exec = d.next(EventType.EXEC, 100);
        Duration waited = Duration.ofNanos(System.nanoTime() - sent);

        // A lower bound only: the engine can be late on a slow machine, never early.
        assertTrue(waited.compareTo(MIN.minusMillis(20)) >= 0, "EXEC came after " + waited.toMillis() + " ms");
        assertEquals(List.of("sleep", "60"), exec.process().cmdLine());
        d.send(p.exit());
        d.next(EventType.EXIT, 100);
    }

    @Test
    void processEndingBeforeTheMinimumDurationIsNeverReported() {
        SyntheticDetector d = start(withMin());
        SimProcess p = SimProcess.of(101, 0.1);
        p.in(procfs).create();

        d.send(p.exec("/usr/bin/true", "true"), p.exit());
        d.expectNothing(PAST_MIN);

        DetectorMetrics m = d.awaitMetrics("the early exit", x -> x.liveProcesses() == 0
                && x.filtered(FilterReason.MIN_DURATION) == 1);
        assertEquals(0, m.emitted(EventType.EXEC));
        assertEquals(0, m.emitted(EventType.EXIT));
    }

    @Test
    void fileOpenBeforeTheMinimumDurationComesAfterTheExecAndBeforeTheExit() {
        SyntheticDetector d = start(withMin().watchedFiles(List.of(Path.of("/etc/app.conf"))));
        SimProcess p = SimProcess.of(102, 0.1);
        p.in(procfs).exe("/usr/bin/cat").cmdline("cat", "/etc/app.conf").create();

        d.send(p.exec("/usr/bin/cat", "cat", "/etc/app.conf"), p.fileOpen("/etc/app.conf", 0));
        d.expectNothing(EARLY);
        d.next(EventType.EXEC, 102);
        assertEquals("/etc/app.conf", d.next(EventType.FILE_OPEN, 102).filePath());
        d.send(p.exit());
        d.next(EventType.EXIT, 102);
    }

    @Test
    void fileOpensOfAProcessEndingEarlyAreDiscardedAndCounted() {
        SyntheticDetector d = start(withMin().watchedFiles(List.of(Path.of("/etc/app.conf"))));
        SimProcess p = SimProcess.of(103, 0.1);
        p.in(procfs).create();

        d.send(p.exec("/usr/bin/cat", "cat"), p.fileOpen("/etc/app.conf", 0), p.fileOpen("/etc/app.conf", 0),
                p.exit());
        d.expectNothing(PAST_MIN);
        d.awaitMetrics("two discarded FILE_OPENs", m -> m.pendingDropped() == 2 && m.liveProcesses() == 0);
    }

    @Test
    void childForkedAndEndedWithinTheMinimumDurationIsNeverReported() {
        SyntheticDetector d = start(withMin());
        SimProcess parent = SimProcess.of(104, 5);
        SimProcess child = SimProcess.of(105, 0.1);
        parent.in(procfs).exe("/bin/bash").cmdline("bash", "run.sh").create();
        child.in(procfs).ppid(104).exe("/bin/bash").cmdline("bash", "run.sh").create();

        d.send(parent.exec("/bin/bash", "bash", "run.sh"));
        d.next(EventType.EXEC, 104);
        d.send(child.forkedBy(parent), child.exit());
        d.expectNothing(PAST_MIN);
        d.send(parent.exit());
        d.next(EventType.EXIT, 104);
    }

    @Test
    void stopWhileProcessesArePendingReleasesNone() {
        SyntheticDetector d = start(options().minDuration(Duration.ofSeconds(30)));
        SimProcess a = SimProcess.of(106, 0.1);
        SimProcess b = SimProcess.of(107, 0.1);
        a.in(procfs).create();
        b.in(procfs).create();
        d.send(a.exec("/usr/bin/true", "true"), b.exec("/usr/bin/true", "true"));
        d.awaitMetrics("both pending", m -> m.liveProcesses() == 2);

        d.stopAndExpectComplete();
        assertEquals(0, d.metrics().emitted(EventType.EXEC));
    }
}
