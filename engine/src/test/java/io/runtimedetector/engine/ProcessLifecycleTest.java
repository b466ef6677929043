package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.FilterReason;
import io.runtimedetector.container.ContainerAttribution;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lifecycle rules on their own: no actor, a clock the test moves, a host that records. */
class ProcessLifecycleTest {

    private static final long BOOT_EPOCH_NS = 1_700_000_000_000_000_000L;
    private static final ProcessInfo PARENT = new ProcessInfo(1, 1000, 10, 77, "/usr/bin/dash", "/bin/sh",
            List.of("sh", "-c", "x"), Map.of("TEAM", "core"), Instant.EPOCH);

    private final MutableClock wall = new MutableClock(Instant.ofEpochSecond(1_700_000_100));
    private final EngineCounters counters = new EngineCounters();
    private final RecordingHost host = new RecordingHost();

    private ProcessLifecycle lifecycle(Duration minDuration, SimProcess p) {
        // Event times of 0 stand for "now" on the wall clock; starts are 100 s after boot.
        EngineClock clock = new EngineClock(wall, BOOT_EPOCH_NS, 0);
        ExecFilter filter = new ExecFilter(Set.of("/usr/bin/python3"), true, counters);
        FallbackPlan plan = FallbackPlan.of(List.of("TEAM"), List.of("TEAM"), true);
        ProcessLifecycle.Rules rules = new ProcessLifecycle.Rules(minDuration, 4, List.of("/etc/app.conf"), filter,
                plan, new ProcessImages(clock, plan, ContainerAttribution.off()), counters);
        ProcessLifecycle l = new ProcessLifecycle(rules, host, p.pid(), p.startBootTimeNs());
        host.lifecycle = l;
        return l;
    }

    private static final SimProcess P = new SimProcess(42, 100_000_000_123L);
    private static final SimProcess CHILD = new SimProcess(43, 100_500_000_123L);

    private static RawEvent completeExec(SimProcess p, String exe, String... args) {
        return p.exec(RawEvent.FLAG_ENV_MATCH, exe, args).withImage(exe, Map.of("TEAM", "core"),
                RawEvent.FLAG_ENVS_COMPLETE);
    }

    // ---- the first-exec rules, in one entry point ----

    @Test
    void firstExecOfAnExecutableTheKernelExcludedIsDroppedWithoutARead() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startFirstExec(P.exec(RawEvent.FLAG_EXCLUDED | RawEvent.FLAG_ENV_MATCH, "/usr/bin/python3", "python3"));
        assertTrue(host.emitted.isEmpty());
        assertTrue(host.reads.isEmpty(), "the kernel's verdict needs no /proc read");
        assertEquals(1, host.untracks);
        assertTrue(host.finished);
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.EXCLUDED_EXE));
    }

    @Test
    void firstExecWhoseRecordedPathIsExcludedIsDroppedWithoutARead() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        // Not flagged by the kernel (its map was set before the path was configured, say): the engine's verdict.
        l.startFirstExec(P.exec(RawEvent.FLAG_ENV_MATCH, "/usr/bin/python3", "python3"));
        assertTrue(host.emitted.isEmpty());
        assertTrue(host.reads.isEmpty());
        assertEquals(1, host.untracks);
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.EXCLUDED_EXE));
    }

    @Test
    void firstExecChecksThePrefixOnlyWhereTheKernelDidNotFindIt() {
        ProcessLifecycle found = lifecycle(Duration.ZERO, P);
        found.startFirstExec(completeExec(P, "/usr/bin/app", "app"));
        assertEquals(List.of(EventType.EXEC), types(), "the kernel found the prefix: reported without a read");
        assertTrue(host.reads.isEmpty());

        RecordingHost other = new RecordingHost();
        ProcessLifecycle unsure = lifecycle(Duration.ZERO, CHILD);
        unsure.rehost(other);
        other.lifecycle = unsure;
        unsure.startFirstExec(CHILD.exec(RawEvent.FLAG_ENV_UNSURE, "/bin/app", "app"));
        assertTrue(other.reads.get(0).envPrefix(), "the prefix is the engine's to check: " + other.reads);
    }

    @Test
    void completeExecIsHeldForTheMinimumDurationThenReportedWithoutAnyRead() {
        ProcessLifecycle l = lifecycle(Duration.ofSeconds(1), P);
        l.startExec(completeExec(P, "/usr/bin/app", "app"), true);
        assertEquals(List.of(Duration.ofSeconds(1)), host.timers);
        l.onRaw(P.fileOpen("/x", 0));
        assertTrue(host.emitted.isEmpty(), "nothing before the minimum duration");

        wall.advance(Duration.ofSeconds(1));
        l.onMinDuration();
        assertEquals(List.of(EventType.EXEC, EventType.FILE_OPEN), types());
        assertEquals("/etc/app.conf", host.emitted.get(1).filePath());
        l.onRaw(P.exit(3 << 8));
        ProcessEvent exit = host.emitted.get(2);
        assertEquals(host.emitted.get(0).process(), exit.process());
        assertEquals(3, exit.exit().exitCode());
        assertTrue(host.finished);
        assertTrue(host.reads.isEmpty(), "a complete record needs no /proc read");
        assertEquals(0, counters.procReadSnapshot().incompleteExecs());
    }

    @Test
    void processThatLivedTheMinimumDurationIsReportedAtItsExitThoughItsTimerHasNotFiredYet() {
        // Timers fire on the scheduler's tick, which may come after the EXIT.
        ProcessLifecycle l = lifecycle(Duration.ofSeconds(1), P);
        l.startExec(completeExec(P, "/usr/bin/app", "app"), true);
        wall.advance(Duration.ofMillis(1020));
        l.onRaw(P.exit());
        assertEquals(List.of(EventType.EXEC, EventType.EXIT), types());
        assertEquals(0, counters.filteredSnapshot().getOrDefault(FilterReason.MIN_DURATION, 0L));
        assertTrue(host.finished);
    }

    @Test
    void processEndingBeforeTheMinimumDurationIsNotReportedAndItsHeldEventsAreCounted() {
        ProcessLifecycle l = lifecycle(Duration.ofSeconds(1), P);
        l.startExec(completeExec(P, "/usr/bin/app", "app"), true);
        l.onRaw(P.fileOpen("/x", 0));
        l.onRaw(P.exit());
        assertTrue(host.emitted.isEmpty());
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.MIN_DURATION));
        assertEquals(1, counters.pendingDroppedCount());
        assertTrue(host.finished);
        assertTrue(host.cancels > 0, "the timer is cancelled");
        l.onRaw(P.exit());
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.UNKNOWN_PID), "a late event is counted");
    }

    @Test
    void incompleteRecordWaitsForProcAndHoldsLaterEventsInOrder() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startExec(P.exec(RawEvent.FLAG_ENV_UNSURE, "/bin/app", "app"), true);
        assertEquals(List.of(new ProcRequest(true, true, true, false, false)), host.reads);
        l.onRaw(P.exit());
        assertTrue(host.emitted.isEmpty(), "the EXIT waits for the EXEC's verdict");

        l.onProcRead(new ProcSnapshot("/usr/lib/app", List.of(), Map.of("TEAM", "ops"), EnvMatch.MATCH,
                -1, -1, -1, true));
        assertEquals(List.of(EventType.EXEC, EventType.EXIT), types());
        assertEquals("/usr/lib/app", host.emitted.get(0).process().exePath());
        assertEquals(Map.of("TEAM", "ops"), host.emitted.get(0).process().envs());
        assertEquals(1, counters.procReadSnapshot().incompleteExecs());
    }

    @Test
    void procVerdictWithoutThePrefixDropsAndUntracks() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startExec(P.exec(RawEvent.FLAG_ENV_UNSURE, "/bin/app", "app"), true);
        l.onProcRead(new ProcSnapshot("/usr/lib/app", List.of(), Map.of(), EnvMatch.NO_MATCH, -1, -1, -1, true));
        assertTrue(host.emitted.isEmpty());
        assertEquals(1, host.untracks);
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.ENV_PREFIX));
    }

    @Test
    void interpreterFoundInProcIsExcluded() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startExec(P.exec(RawEvent.FLAG_ENV_MATCH, "/opt/job.py", "/opt/job.py"), false);
        l.onProcRead(new ProcSnapshot("/usr/bin/python3", List.of(), Map.of(), EnvMatch.UNREADABLE, -1, -1, -1, true));
        assertTrue(host.emitted.isEmpty());
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.EXCLUDED_EXE));
    }

    @Test
    void forkIsTheParentsImageEvenWhenTheChildExecsAtOnce() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, CHILD);
        l.startFork(new ForkFacts(0, 42, 33, 43, 77, 0, false));
        l.onRaw(completeExec(CHILD, "/usr/bin/curl", "curl"));
        assertTrue(host.emitted.isEmpty(), "held until the parent's image comes");

        l.onParentImage(PARENT, false);
        assertEquals(List.of(EventType.FORK, EventType.EXEC), types());
        ProcessInfo forked = host.emitted.get(0).process();
        assertEquals("/usr/bin/dash", forked.exePath());
        assertEquals(List.of("sh", "-c", "x"), forked.cmdLine());
        assertEquals(Map.of("TEAM", "core"), forked.envs());
        assertEquals(42, forked.ppid());
        assertEquals(33, forked.uid());
        assertEquals("/usr/bin/curl", host.emitted.get(1).process().exePath());
        assertTrue(host.reads.isEmpty());
    }

    @Test
    void childOfADroppedParentIsDroppedForTheSameReason() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, CHILD);
        l.startFork(new ForkFacts(0, 42, 33, 43, 77, 0, false));
        l.onRaw(CHILD.exit());
        l.onParentDropped(FilterReason.EXCLUDED_EXE);
        assertTrue(host.emitted.isEmpty());
        assertEquals(1, host.untracks);
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.EXCLUDED_EXE));
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.UNKNOWN_PID), "its held EXIT is counted");
    }

    @Test
    void parentAnswersAForkWithItsImageAsOfTheForkAfterItsOwnFallback() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startExec(P.exec(RawEvent.FLAG_ENV_MATCH, "/bin/sh", "sh"), false);
        List<Object> answers = new ArrayList<>();
        l.onForked(reply(answers));
        l.onRaw(completeExec(P, "/usr/bin/make", "make"));
        assertTrue(answers.isEmpty(), "the parent's image is not known yet");

        l.onProcRead(new ProcSnapshot("/usr/bin/dash", List.of(), Map.of("TEAM", "core"), EnvMatch.MATCH,
                -1, -1, -1, true));
        assertEquals(1, answers.size());
        assertEquals("/usr/bin/dash", ((ProcessInfo) answers.get(0)).exePath(), "before the later exec");
        assertEquals(List.of(EventType.EXEC, EventType.EXEC), types());
    }

    @Test
    void reportedProcessThatExecsAnExcludedInterpreterKeepsItsExitForWhatWasReported() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startExec(completeExec(P, "/usr/bin/bash", "bash"), false);
        l.onRaw(completeExec(P, "/usr/bin/python3", "python3"));
        l.onRaw(P.fileOpen("/x", 0));
        List<Object> answers = new ArrayList<>();
        l.onForked(reply(answers));
        l.onRaw(P.exit());
        assertEquals(List.of(EventType.EXEC, EventType.EXIT), types());
        assertEquals("/usr/bin/bash", host.emitted.get(1).process().exePath());
        assertEquals(List.of(FilterReason.EXCLUDED_EXE), answers, "its children run the excluded image");
    }

    @Test
    void requestedProcessFromTheScanGetsNoExecButItsExit() {
        ProcessLifecycle l = lifecycle(Duration.ofSeconds(30), P);
        ProcSnapshot scanned = new ProcSnapshot("/usr/sbin/nginx", List.of("nginx"), Map.of(), EnvMatch.NO_MATCH,
                1, 0, 42, true);
        l.startAdopted(scanned, wall.instant(), true);
        assertTrue(host.tracked);
        assertEquals(List.of(ProcRequest.ALIVE), host.reads);
        l.onProcRead(scanned);
        l.onRaw(P.exit(15));
        assertEquals(List.of(EventType.EXIT), types());
        assertEquals(List.of("nginx"), host.emitted.get(0).process().cmdLine());
    }

    @Test
    void scannedProcessGoneBeforeItWasTrackedIsForgotten() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startAdopted(new ProcSnapshot("/usr/bin/app", List.of("app"), Map.of(), EnvMatch.MATCH, 1, 0, 42, true),
                wall.instant(), false);
        l.onProcRead(ProcSnapshot.gone());
        assertTrue(host.emitted.isEmpty());
        assertEquals(1, host.untracks);
        assertTrue(host.finished);
    }

    @Test
    void pendingProcessSupersededCountsALostExit() {
        ProcessLifecycle l = lifecycle(Duration.ofSeconds(1), P);
        l.startExec(completeExec(P, "/usr/bin/app", "app"), false);
        l.onSuperseded();
        assertTrue(host.emitted.isEmpty());
        assertEquals(1, counters.lostExitCount());
        assertTrue(host.finished);
    }

    @Test
    void untrackableProcessIsReportedOnlyIfStillAliveAndThenLetGo() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startExec(completeExec(P, "/usr/bin/app", "app").withImage("/usr/bin/app", Map.of(),
                RawEvent.FLAG_TRACK_FULL | RawEvent.FLAG_ENVS_COMPLETE), false);
        assertEquals(List.of(ProcRequest.ALIVE), host.reads);
        l.onProcRead(ProcSnapshot.gone());
        assertTrue(host.emitted.isEmpty());
        assertEquals(1, counters.filteredSnapshot().get(FilterReason.MIN_DURATION));
        assertTrue(host.finished);
    }

    @Test
    void shutdownWhileWaitingIsHandledAfterTheWait() {
        ProcessLifecycle l = lifecycle(Duration.ZERO, P);
        l.startExec(P.exec(RawEvent.FLAG_ENV_MATCH, "/bin/app", "app"), false);
        l.onShutdown();
        assertFalse(l.shutDown());
        l.onProcRead(new ProcSnapshot("/usr/bin/app", List.of(), Map.of(), EnvMatch.MATCH, -1, -1, -1, true));
        assertTrue(l.shutDown());
        assertEquals(List.of(EventType.EXEC), types());
    }

    private List<EventType> types() {
        return host.emitted.stream().map(ProcessEvent::type).toList();
    }

    private static ProcessLifecycle.ForkReply reply(List<Object> answers) {
        return new ProcessLifecycle.ForkReply() {
            @Override
            public void image(ProcessInfo parentImage, boolean requested) {
                answers.add(parentImage);
            }

            @Override
            public void dropped(FilterReason reason) {
                answers.add(reason);
            }
        };
    }

    private static final class RecordingHost implements ProcessLifecycle.Host {
        ProcessLifecycle lifecycle;
        final List<ProcessEvent> emitted = new ArrayList<>();
        final List<Duration> timers = new ArrayList<>();
        final List<ProcRequest> reads = new ArrayList<>();
        int cancels;
        int untracks;
        boolean tracked;
        boolean finished;

        @Override
        public void emit(ProcessEvent event) {
            emitted.add(event);
        }

        @Override
        public void startTimer(Duration delay) {
            timers.add(delay);
        }

        @Override
        public void cancelTimer() {
            cancels++;
        }

        @Override
        public void readProc(ProcRequest request, String execPath) {
            reads.add(request);
        }

        @Override
        public boolean track() {
            tracked = true;
            return true;
        }

        @Override
        public void untrack() {
            untracks++;
        }

        @Override
        public void finished() {
            finished = true;
        }

    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
