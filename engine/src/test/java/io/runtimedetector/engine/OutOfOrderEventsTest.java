package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.probe.RawEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Raw events that contradict what the engine knows (duplicates, events of processes it
 * never saw or already forgot) are counted and dropped; the engine carries on.
 */
class OutOfOrderEventsTest extends SyntheticTestBase {

    private static final Duration QUIET = Duration.ofMillis(200);

    @Test
    void exitOfAnUnknownPidIsCounted() {
        SyntheticDetector d = start(options());
        d.send(SimProcess.of(400, 1.0).exit());
        d.awaitMetrics("an unknown pid", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1);
        d.expectNothing(QUIET);
        assertStillWorking(d, 499);
    }

    @Test
    void fileOpenBeforeAnyExecIsCountedAndNotReported() {
        SyntheticDetector d = start(options().watchedFiles(List.of(Path.of("/etc/app.conf"))));
        SimProcess p = SimProcess.of(401, 1.0);
        p.in(procfs).create();

        d.send(p.fileOpen("/etc/app.conf", 0), p.exec("/usr/bin/cat", "cat"), p.exit());
        d.next(EventType.EXEC, 401);
        d.next(EventType.EXIT, 401);
        d.expectNothing(QUIET);
        d.awaitMetrics("the early FILE_OPEN", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1);
    }

    @Test
    void secondExitIsCounted() {
        SyntheticDetector d = start(options());
        SimProcess p = SimProcess.of(402, 1.0);
        p.in(procfs).create();

        d.send(p.exec("/usr/bin/true", "true"), p.exit(), p.exit());
        d.next(EventType.EXEC, 402);
        d.next(EventType.EXIT, 402);
        d.expectNothing(QUIET);
        d.awaitMetrics("the second EXIT", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1 && m.liveProcesses() == 0);
        assertStillWorking(d, 499);
    }

    @Test
    void fileOpenAfterTheExitIsCounted() {
        SyntheticDetector d = start(options().watchedFiles(List.of(Path.of("/etc/app.conf"))));
        SimProcess p = SimProcess.of(403, 1.0);
        p.in(procfs).create();

        d.send(p.exec("/usr/bin/true", "true"), p.exit(), p.fileOpen("/etc/app.conf", 0));
        d.next(EventType.EXEC, 403);
        d.next(EventType.EXIT, 403);
        d.expectNothing(QUIET);
        d.awaitMetrics("the late FILE_OPEN", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1);
    }

    @Test
    void lateEventsRoutedToAnEndingProcessAreEachCounted() {
        // Routed before the supervisor learns that the process ended: they reach its actor,
        // which counts them, rather than dead letters.
        SyntheticDetector d = start(options().watchedFiles(List.of(Path.of("/etc/app.conf"))));
        SimProcess p = SimProcess.of(410, 1.0);
        p.in(procfs).create();
        RawEvent[] events = new RawEvent[52];
        events[0] = p.exec("/usr/bin/true", "true");
        events[1] = p.exit();
        for (int i = 2; i < events.length; i++) {
            events[i] = p.fileOpen("/etc/app.conf", 0);
        }
        d.send(events);
        d.send(p.fileOpen("/etc/app.conf", 0), p.exit());
        d.next(EventType.EXEC, 410);
        d.next(EventType.EXIT, 410);
        d.awaitMetrics("every late event", m -> m.filtered(FilterReason.UNKNOWN_PID) == 52 && m.liveProcesses() == 0);
        d.expectNothing(QUIET);
    }

    @Test
    void forkByAnUnknownParentIsCountedAndTheChildUntracked() {
        SyntheticDetector d = start(options());
        SimProcess stranger = SimProcess.of(404, 5.0);
        SimProcess child = SimProcess.of(405, 1.0);

        d.send(child.forkedBy(stranger), child.exit());
        d.expectNothing(QUIET);
        d.awaitMetrics("FORK and EXIT of nobody", m -> m.filtered(FilterReason.UNKNOWN_PID) == 2);
        assertTrue(d.probe.untracked().contains(405), "the kernel should stop following the child");
    }

    @Test
    void secondForkOfTheSameChildIsCountedAndReportedOnce() {
        SyntheticDetector d = start(options());
        SimProcess parent = SimProcess.of(406, 5.0);
        SimProcess child = SimProcess.of(407, 1.0);
        parent.in(procfs).create();
        child.in(procfs).ppid(406).create();

        d.send(parent.exec("/usr/bin/true", "true"));
        d.next(EventType.EXEC, 406);
        d.send(child.forkedBy(parent), child.forkedBy(parent), child.exit());
        d.next(EventType.FORK, 407);
        d.next(EventType.EXIT, 407);
        d.expectNothing(QUIET);
        d.awaitMetrics("the duplicate FORK", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1);
    }

    @Test
    void floodOfContradictingEventsNeverStopsTheEngine() {
        SyntheticDetector d = start(options().watchedFiles(List.of(Path.of("/etc/app.conf"))));
        SimProcess ghost = SimProcess.of(408, 1.0);
        RawEvent[] garbage = new RawEvent[300];
        for (int i = 0; i < garbage.length; i += 3) {
            garbage[i] = ghost.exit(i);
            garbage[i + 1] = ghost.fileOpen("/etc/app.conf", 0);
            garbage[i + 2] = SimProcess.of(409, 1.0).forkedBy(ghost);
        }
        d.send(garbage);
        d.awaitMetrics("every contradiction", m -> m.filtered(FilterReason.UNKNOWN_PID) == 300);
        assertStillWorking(d, 499);
    }

    /** A whole process lifecycle still comes through: the engine neither crashed nor stalled. */
    private void assertStillWorking(SyntheticDetector d, int pid) {
        SimProcess p = SimProcess.of(pid, 0.5);
        p.in(procfs).create();
        d.send(p.exec("/usr/bin/true", "true"), p.exit());
        d.next(EventType.EXEC, pid);
        d.next(EventType.EXIT, pid);
        assertEquals(0, d.awaitMetrics("nothing live", m -> m.liveProcesses() == 0).liveProcesses());
    }
}
