package io.runtimedetector.engine;

import static io.runtimedetector.engine.Backlog.at;
import static io.runtimedetector.engine.Backlog.secondsAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A detector that follows on from another one (issue 17): with the kernel's pinned tracked
 * set and ring backlog, and after a graceful stop with the state file it left, every EXEC
 * and EXIT is delivered once; after a crash, at least once, and the EXIT of a process
 * nobody kept an image of says so.
 */
class RestartTest extends SyntheticTestBase {

    /** Long enough for an event that is not due to show up wrongly; only bounds what a failure looks like. */
    private static final Duration QUIET = Duration.ofMillis(300);

    @TempDir
    Path state;

    // Followed by the first detector: a, b exec'd while it ran, c found by its scan.
    private final SimProcess a = SimProcess.of(200, 100.0);
    private final SimProcess b = SimProcess.of(201, 90.0);
    private final SimProcess c = SimProcess.of(202, 80.0);
    /** Started and ended while no detector ran: only the ring saw it. */
    private final SimProcess gap = SimProcess.of(300, 30.0);

    @Test
    void aGracefulRestartDeliversEachExecAndExitOnce() {
        c.in(procfs).exe("/usr/bin/c").cmdline("c", "--serve").create();
        SyntheticDetector first = start(options().stateDir(state));
        first.next(EventType.EXEC, 202);
        a.in(procfs).create();
        b.in(procfs).create();
        first.send(a.execComplete("/usr/bin/a", "/usr/bin/a", Map.of(), "a", "--once"));
        first.send(b.execComplete("/usr/bin/b", "/usr/bin/b", Map.of(), "b", "--loop"));
        first.next(EventType.EXEC, 200);
        first.next(EventType.EXEC, 201);
        first.stopAndExpectComplete();
        assertTrue(Files.exists(state.resolve(StateFile.NAME)), "the graceful stop left its processes");

        procfs.remove(200); // a ends while no detector runs
        SyntheticDetector second = created(options().stateDir(state));
        // The kernel forgot a at its exit: it follows b and c only.
        second.probe.trackingAtOpen(Map.of(201, b.startBootTimeNs(), 202, c.startBootTimeNs()));
        second.detector.start().toCompletableFuture().join();
        assertFalse(Files.exists(state.resolve(StateFile.NAME)), "read once: a crash after this start must not reuse it");

        second.send(List.of(
                at(gap.execComplete("/usr/bin/gap", "/usr/bin/gap", Map.of(), "gap"), secondsAgo(30)),
                at(gap.exit(), secondsAgo(28)),
                at(a.exit(3 << 8), secondsAgo(5))));
        assertEquals(List.of("gap"), second.next(EventType.EXEC, 300).process().cmdLine());
        second.next(EventType.EXIT, 300);
        ProcessEvent exitA = second.next(EventType.EXIT, 200);
        assertEquals(List.of("a", "--once"), exitA.process().cmdLine(), "the image the first detector reported");
        assertTrue(exitA.process().imageKnown());
        assertEquals(3, exitA.exit().exitCode());
        second.expectNothing(QUIET); // b and c still run: their EXECs went out before the restart

        second.send(b.exit());
        assertEquals(List.of("b", "--loop"), second.next(EventType.EXIT, 201).process().cmdLine());
        DetectorMetrics m = second.metrics();
        assertEquals(3, m.restarts().snapshotLoaded());
        assertEquals(2, m.restarts().resumed());
        assertEquals(1, m.restarts().exitsFromSnapshot());
        assertEquals(0, m.restarts().exitsImageUnknown());
    }

    @Test
    void afterACrashExitsCarryTheIdentityAndSayTheImageIsUnknownAndRunningOnesAreReportedAgain() {
        b.in(procfs).exe("/usr/bin/b").cmdline("b", "--loop").create();
        c.in(procfs).exe("/usr/bin/c").cmdline("c", "--serve").create();
        // No state file: the first detector crashed. The kernel kept following its processes.
        SyntheticDetector second = created(options().stateDir(state));
        // The kernel forgot a at its exit: it follows b and c only.
        second.probe.trackingAtOpen(Map.of(201, b.startBootTimeNs(), 202, c.startBootTimeNs()));
        second.detector.start().toCompletableFuture().join();

        second.send(List.of(
                at(gap.execComplete("/usr/bin/gap", "/usr/bin/gap", Map.of(), "gap"), secondsAgo(30)),
                at(gap.exit(), secondsAgo(28)),
                at(a.exit(9), secondsAgo(5))));
        List<ProcessEvent> events = second.next(5);
        assertEquals(Set.of("EXEC:201", "EXEC:202", "EXEC:300", "EXIT:300", "EXIT:200"),
                events.stream().map(e -> e.type() + ":" + e.pid()).collect(Collectors.toSet()));
        ProcessEvent exitA = events.stream().filter(e -> e.pid() == 200).findFirst().orElseThrow();
        assertFalse(exitA.process().imageKnown(), "nobody kept its image");
        assertEquals(a.startBootTimeNs(), exitA.startBootTimeNs());
        assertEquals(9, exitA.exit().signal());
        // Started 100 s before the fake "now", ended 5 s before the real one.
        Duration lifetime = exitA.exit().lifetime();
        assertTrue(lifetime.compareTo(Duration.ofSeconds(94)) > 0 && lifetime.compareTo(Duration.ofSeconds(96)) < 0,
                "lifetime " + lifetime);
        assertEquals("", exitA.process().exePath());
        second.expectNothing(QUIET); // b and c reported again once, not twice (tracked set and scan)

        DetectorMetrics m = second.metrics();
        assertEquals(0, m.restarts().snapshotLoaded());
        assertEquals(2, m.restarts().resumed());
        assertEquals(1, m.restarts().exitsImageUnknown());
        assertEquals(0, m.restarts().exitsFromSnapshot());
    }

    @Test
    void aProcessStillWaitingForTheMinimumDurationAtTheStopIsReportedAtItsExitIfItLivedLongEnough() throws Exception {
        DetectorOptions.Builder tenSeconds = options().minDuration(Duration.ofSeconds(10)).stateDir(state);
        // Never in the fake /proc: the scan does not find it, and at the second start it has ended.
        SimProcess p = SimProcess.of(600, 20.0);
        SyntheticDetector first = created(tenSeconds);
        first.detector.start().toCompletableFuture().join();
        // Exec'd 20 s into its life (ktime 0 is "now"): its EXEC waits 10 s more.
        first.send(p.execComplete("/usr/bin/job", "/usr/bin/job", Map.of(), "job", "--long"));
        first.awaitMetrics("its EXEC waiting", m -> m.liveProcesses() == 1);
        first.stopAndExpectComplete();
        assertTrue(Files.readString(state.resolve(StateFile.NAME)).contains("\"execReported\":false"));

        SyntheticDetector second = start(tenSeconds);
        second.send(at(p.exit(), secondsAgo(0.5)));
        assertEquals(List.of("job", "--long"), second.next(EventType.EXEC, 600).process().cmdLine());
        second.next(EventType.EXIT, 600);
    }

    @Test
    void aProcessWhoseImageNobodyKnewIsNotWrittenToTheStateFile() throws Exception {
        SyntheticDetector d = created(options().stateDir(state));
        d.probe.trackingAtOpen(Map.of(200, a.startBootTimeNs()));
        d.detector.start().toCompletableFuture().join();
        d.awaitMetrics("a waiting for its EXIT", m -> m.liveProcesses() == 1);
        d.stopAndExpectComplete();

        assertEquals(1, Files.readAllLines(state.resolve(StateFile.NAME)).size(), "the header alone");
    }

    @Test
    void anExitFromTheBacklogOfAProcessNobodyKnewIsReportedOnlyIfItLivedTheMinimumDuration() {
        SyntheticDetector d = start(options().minDuration(Duration.ofSeconds(1)));
        SimProcess brief = SimProcess.of(500, 10.5);
        SimProcess longer = SimProcess.of(501, 12.0);
        d.send(List.of(at(brief.exit(), secondsAgo(10)), at(longer.exit(), secondsAgo(10))));

        ProcessEvent exit = d.next(EventType.EXIT, 501);
        assertFalse(exit.process().imageKnown());
        DetectorMetrics m = d.awaitMetrics("the brief one dropped", x -> x.filtered(FilterReason.MIN_DURATION) == 1);
        assertEquals(1, m.restarts().exitsImageUnknown());
        d.expectNothing(QUIET);
    }

    @Test
    void withoutAMinimumDurationEveryExitFromTheBacklogIsReportedEvenOneThatSeemsToEndBeforeItStarted() {
        SyntheticDetector d = start(options().minDuration(Duration.ZERO));
        // Its start and its exit come through two clocks' offsets: a brief process can come out negative.
        SimProcess brief = SimProcess.of(503, 9.5);
        d.send(at(brief.exit(), secondsAgo(10)));

        ProcessEvent exit = d.next(EventType.EXIT, 503);
        assertFalse(exit.process().imageKnown());
        assertEquals(Duration.ZERO, exit.exit().lifetime());
        assertEquals(0, d.metrics().filtered(FilterReason.MIN_DURATION));
        assertEquals(1, d.metrics().restarts().exitsImageUnknown());
    }

    @Test
    void anExitRecordedAfterTheDetectorOpenedItsProbeIsNoBacklog() {
        SyntheticDetector d = start(options());
        SimProcess unknown = SimProcess.of(502, 10.0);
        d.send(at(unknown.exit(), System.nanoTime()));

        d.awaitMetrics("the unknown pid", m -> m.filtered(FilterReason.UNKNOWN_PID) == 1);
        d.expectNothing(QUIET);
    }

    @Test
    void anEndedProcessWhoseExitNeverComesIsForgottenOnceTheBacklogHasBeenRead() {
        SyntheticDetector d = created(options());
        d.probe.trackingAtOpen(Map.of(200, a.startBootTimeNs()));
        d.detector.start().toCompletableFuture().join();
        d.awaitMetrics("a waiting for its EXIT", m -> m.liveProcesses() == 1);

        // An event the kernel recorded after the detector had started: everything before was read.
        SimProcess later = SimProcess.of(400, 0.0);
        d.send(at(later.exit(), System.nanoTime() + Duration.ofSeconds(2).toNanos()));
        DetectorMetrics m = d.awaitMetrics("a forgotten", x -> x.liveProcesses() == 0);
        assertEquals(1, m.lostExits());
        // Had it still come, in ring order it would be after that event, and from a process no longer followed.
        d.send(at(a.exit(), System.nanoTime()));
        d.awaitMetrics("the unknown pid", x -> x.filtered(FilterReason.UNKNOWN_PID) == 2);
        d.expectNothing(QUIET);
    }

    @Test
    void aCorruptStateFileIsOneLogLineAndTheStartProceeds() throws Exception {
        Files.writeString(state.resolve(StateFile.NAME), "{\"format\":\"runtime-detector-followed-processes\",\"ver");
        var log = LogLines.capture("test.restart.corrupt");
        c.in(procfs).cmdline("c").create();
        SyntheticDetector d = start(options().stateDir(state).loggerName("test.restart.corrupt"));
        d.next(EventType.EXEC, 202);

        assertEquals(1, log.list.stream().filter(e -> e.getFormattedMessage().contains("state file")).count(),
                "one line: " + log.list);
        assertFalse(Files.exists(state.resolve(StateFile.NAME)));
        assertEquals(0, d.metrics().restarts().snapshotLoaded());
    }
}
