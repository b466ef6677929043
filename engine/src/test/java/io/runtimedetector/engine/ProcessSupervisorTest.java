package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.ProbeCounters;
import io.runtimedetector.probe.testkit.SyntheticProbe;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The supervisor on its own, driven message by message as the stream and the scanner
 * drive it: the ack protocol that is the raw stream's backpressure, the barrier that
 * {@code start()} waits on, and the orderly end that lets no routed event be cut off.
 */
class ProcessSupervisorTest {

    private static final Duration LOSS_CHECK = Duration.ofMillis(100);
    private static ActorTestKit kit;

    @TempDir
    Path procRoot;
    private FakeProcfs procfs;
    private final AtomicInteger live = new AtomicInteger();
    private TestSubscriber.Probe<ProcessEvent> out;
    private TestProbe<SupervisorCommand.StreamAck> acks;

    @BeforeAll
    static void startKit() {
        kit = TestKits.create();
    }

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    @BeforeEach
    void setUp() {
        procfs = new FakeProcfs(procRoot);
        acks = kit.createTestProbe();
    }

    private SyntheticProbe probe;
    private EngineCounters counters;

    private ActorRef<SupervisorCommand> supervisor(Duration minDuration) {
        counters = new EngineCounters();
        probe = SyntheticProbe.recording();
        ProcReader proc = new ProcReader(procRoot, new EnvSelector(Set.of(), ""), counters);
        EngineClock clock = EngineClock.fromProc(proc, Clock.systemUTC());
        Pair<BoundedSourceQueue<ProcessEvent>, TestSubscriber.Probe<ProcessEvent>> output =
                Source.<ProcessEvent>queue(1024).toMat(TestSink.create(kit.system()), Keep.both()).run(kit.system());
        out = output.second();
        out.request(64);
        EngineContext ctx = Engine.context(DetectorOptions.builder().minDuration(minDuration).procfs(procRoot).build(),
                proc, clock, probe, new EventOutput(output.first(), counters), counters,
                Engine.procExecutor(kit.system()), io.runtimedetector.container.ContainerAttribution.off());
        ActorRef<SupervisorCommand> supervisor = kit.spawn(ProcessSupervisor.create(ctx, live, LOSS_CHECK));
        supervisor.tell(new SupervisorCommand.StreamInit(acks.getRef()));
        acks.expectMessage(SupervisorCommand.StreamAck.INSTANCE);
        return supervisor;
    }

    @Test
    void everyBatchIsAcknowledgedOnceSoThatTheNextMayCome() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ZERO);
        SimProcess p = SimProcess.of(1400, 1.0);
        p.in(procfs).create();

        supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.exec("/usr/bin/a", "a")), acks.getRef()));
        acks.expectMessage(SupervisorCommand.StreamAck.INSTANCE);
        acks.expectNoMessage(Duration.ofMillis(100));
        assertEquals(EventType.EXEC, out.expectNext().type());

        supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.exit()), acks.getRef()));
        acks.expectMessage(SupervisorCommand.StreamAck.INSTANCE);
        assertEquals(EventType.EXIT, out.expectNext().type());
    }

    @Test
    void barrierIsAnsweredAfterTheAdoptionsSentBeforeIt() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ofSeconds(30));
        SimProcess p = SimProcess.of(1401, 5.0);
        p.in(procfs).create();
        ProcessKey key = new ProcessKey(p.pid(), p.startBootTimeNs() / ProcessKey.NANOS_PER_TICK
                * ProcessKey.NANOS_PER_TICK);
        TestProbe<Done> barrier = kit.createTestProbe();

        supervisor.tell(new SupervisorCommand.Adopt(key, ProcSnapshot.gone(), Instant.now(), false));
        supervisor.tell(new SupervisorCommand.Barrier(barrier.getRef()));
        barrier.expectMessage(Done.getInstance());
        assertEquals(1, live.get(), "the adopted process is known by the time the barrier answers");
    }

    @Test
    void endOfTheStreamLetsRoutedEventsOutThenCompletesWithoutPendingOnes() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ofMillis(200));
        SimProcess reported = SimProcess.of(1402, 1.0);
        SimProcess pending = SimProcess.of(1403, 1.0);
        reported.in(procfs).create();
        pending.in(procfs).create();
        supervisor.tell(new SupervisorCommand.RawBatch(List.of(reported.exec("/usr/bin/a", "a")), acks.getRef()));
        assertEquals(EventType.EXEC, out.expectNext(SyntheticDetector.WAIT).type());

        // The EXIT is routed before the end: it must come out. The new process is still pending: it must not.
        supervisor.tell(new SupervisorCommand.RawBatch(
                List.of(reported.exit(), pending.exec("/usr/bin/b", "b")), acks.getRef()));
        supervisor.tell(SupervisorCommand.StreamCompleted.INSTANCE);
        ProcessEvent exit = out.expectNext();
        assertEquals(EventType.EXIT + ":1402", exit.type() + ":" + exit.pid());
        out.expectComplete();

        TestProbe<Object> watcher = kit.createTestProbe();
        watcher.expectTerminated(supervisor);
        assertEquals(0, live.get());
    }

    @Test
    void failureOfTheStreamFailsTheOutputWithItsCause() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ofSeconds(30));
        SimProcess p = SimProcess.of(1404, 1.0);
        p.in(procfs).create();
        supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.exec("/usr/bin/a", "a")), acks.getRef()));

        RuntimeException boom = new RuntimeException("probe broke");
        supervisor.tell(new SupervisorCommand.StreamFailed(boom));
        assertSame(boom, out.expectError());
        kit.createTestProbe().expectTerminated(supervisor);
    }

    @Test
    void afterAKernelLossProcessesGoneFromProcAreForgottenAsLostExits() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ZERO);
        SimProcess gone = SimProcess.of(1405, 1.0);
        SimProcess alive = SimProcess.of(1406, 1.0);
        gone.in(procfs).create();
        alive.in(procfs).create();
        supervisor.tell(new SupervisorCommand.RawBatch(
                List.of(gone.exec("/usr/bin/a", "a"), alive.exec("/usr/bin/b", "b")), acks.getRef()));
        out.expectNext(SyntheticDetector.WAIT);
        out.expectNext(SyntheticDetector.WAIT);
        awaitLive(2); // the actors may emit before the supervisor has updated the gauge

        // The EXIT of 1405 was in the ring buffer when it overflowed: it never comes.
        procfs.remove(gone.pid());
        probe.counters(new ProbeCounters(1, 0, 0, 0, 0, 0, 0, 0, io.runtimedetector.probe.QueueStats.EMPTY,
                io.runtimedetector.probe.RecordSizes.NONE));
        long deadline = System.nanoTime() + SyntheticDetector.WAIT.toNanos();
        // The supervisor forgets it, then its actor counts the lost EXIT: wait for both.
        while ((live.get() != 1 || counters.lostExitCount() != 1) && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(1, live.get(), "only the process still in /proc is followed");
        assertEquals(1, counters.lostExitCount());

        // The survivor is still followed: its EXIT comes out.
        supervisor.tell(new SupervisorCommand.RawBatch(List.of(alive.exit()), acks.getRef()));
        ProcessEvent exit = out.expectNext(SyntheticDetector.WAIT);
        assertEquals(EventType.EXIT + ":1406", exit.type() + ":" + exit.pid());
        out.expectNoMessage(Duration.ofMillis(300));
    }

    // ---- passivation: one lifecycle per (pid, start), hosted by an actor while it waits ----

    @Test
    void aReportedProcessThatWaitsOnNothingGivesUpItsActorAndStillGetsItsExit() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ZERO);
        SimProcess p = SimProcess.of(1410, 1.0);
        p.in(procfs).create();
        supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.execComplete("/usr/bin/a", "/usr/bin/a", Map.of(), "a")),
                acks.getRef()));
        assertEquals(EventType.EXEC, out.expectNext(SyntheticDetector.WAIT).type());
        awaitHosted(0);
        awaitLive(1); // still followed, by its lifecycle alone (the gauge is set after the batch)

        supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.fileOpen("/etc/passwd", -1), p.exit(3 << 8)),
                acks.getRef()));
        assertEquals(EventType.FILE_OPEN, out.expectNext(SyntheticDetector.WAIT).type());
        ProcessEvent exit = out.expectNext(SyntheticDetector.WAIT);
        assertEquals(EventType.EXIT, exit.type());
        assertEquals(3, exit.exit().exitCode());
        awaitLive(0);
        assertEquals(0, counters.hostedProcesses(), "no actor was needed for them");
    }

    @Test
    void inputsThatRaceTheHandOffComeOutOnceAndInOrder() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ZERO);
        int n = 200;
        for (int i = 0; i < n; i++) {
            SimProcess p = SimProcess.of(2000 + i, 1.0);
            p.in(procfs).create();
            // The EXEC, then at once what follows it: these reach the supervisor while the
            // actor says it is idle, while the supervisor asks for the lifecycle, or after.
            supervisor.tell(new SupervisorCommand.RawBatch(
                    List.of(p.execComplete("/usr/bin/a", "/usr/bin/a", Map.of(), "a")), acks.getRef()));
            supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.fileOpen("/etc/a", -1)), acks.getRef()));
            supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.fileOpen("/etc/b", -1)), acks.getRef()));
            supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.exit()), acks.getRef()));
        }
        java.util.Map<Integer, List<String>> seen = new java.util.HashMap<>();
        out.request(4L * n);
        for (int i = 0; i < 4 * n; i++) {
            ProcessEvent e = out.expectNext(SyntheticDetector.WAIT);
            seen.computeIfAbsent(e.pid(), k -> new java.util.ArrayList<>())
                    .add(e.type() == EventType.FILE_OPEN ? e.filePath() : e.type().name());
        }
        out.expectNoMessage(Duration.ofMillis(200));
        for (int i = 0; i < n; i++) {
            assertEquals(List.of("EXEC", "/etc/a", "/etc/b", "EXIT"), seen.get(2000 + i), "pid " + (2000 + i));
        }
        awaitLive(0);
        awaitHosted(0);
    }

    @Test
    void aReexecThatNeedsProcGetsTheLifecycleAnActorAgainThenGoesIdleAgain() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ZERO);
        SimProcess p = SimProcess.of(1411, 1.0);
        p.in(procfs).exe("/usr/bin/python3.11").cmdline("python3", "app.py").create();
        supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.execComplete("/bin/sh", "/usr/bin/dash", Map.of(), "sh")),
                acks.getRef()));
        assertEquals("/usr/bin/dash", out.expectNext(SyntheticDetector.WAIT).process().exePath());
        awaitHosted(0);

        // The kernel's record of the re-exec lacks the resolved executable: /proc has it.
        supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.exec("/usr/bin/python3", "python3", "app.py")),
                acks.getRef()));
        ProcessEvent reexec = out.expectNext(SyntheticDetector.WAIT);
        assertEquals(EventType.EXEC, reexec.type());
        assertEquals("/usr/bin/python3.11", reexec.process().exePath());
        awaitHosted(0);

        supervisor.tell(new SupervisorCommand.RawBatch(List.of(p.exit()), acks.getRef()));
        ProcessEvent exit = out.expectNext(SyntheticDetector.WAIT);
        assertEquals("/usr/bin/python3.11", exit.process().exePath(), "the EXIT describes the image it ran last");
        awaitLive(0);
    }

    @Test
    void shutdownEndsIdleAndHostedProcessesAlikeAndLetsTheRoutedEventsOut() {
        ActorRef<SupervisorCommand> supervisor = supervisor(Duration.ofMillis(300));
        SimProcess idle = SimProcess.of(1412, 1.0);    // reported once its timer fired, then idle
        SimProcess waiting = SimProcess.of(1413, 1.0); // still waits for its timer, with an actor
        idle.in(procfs).create();
        waiting.in(procfs).create();
        supervisor.tell(new SupervisorCommand.RawBatch(
                List.of(idle.execComplete("/usr/bin/a", "/usr/bin/a", Map.of(), "a")), acks.getRef()));
        assertEquals(EventType.EXEC + ":1412", describe(out.expectNext(SyntheticDetector.WAIT)));
        awaitHosted(0);
        supervisor.tell(new SupervisorCommand.RawBatch(List.of(waiting.exec("/usr/bin/b", "b"), idle.exit()),
                acks.getRef()));
        awaitHosted(1);
        supervisor.tell(SupervisorCommand.StreamCompleted.INSTANCE);
        assertEquals(EventType.EXIT + ":1412", describe(out.expectNext(SyntheticDetector.WAIT)));
        out.expectComplete(); // and no EXEC of 1413, which had not lived the minimum duration
        kit.createTestProbe().expectTerminated(supervisor);
        assertEquals(0, live.get());
    }

    private static String describe(ProcessEvent e) {
        return e.type() + ":" + e.pid();
    }

    private void awaitHosted(int expected) {
        long deadline = System.nanoTime() + SyntheticDetector.WAIT.toNanos();
        while (counters.hostedProcesses() != expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(expected, counters.hostedProcesses(), "processes hosted by an actor");
    }

    private void awaitLive(int expected) {
        long deadline = System.nanoTime() + SyntheticDetector.WAIT.toNanos();
        while (live.get() != expected && System.nanoTime() < deadline) {
            Thread.onSpinWait();
        }
        assertEquals(expected, live.get());
    }
}
