package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.RawEvent;
import io.runtimedetector.probe.testkit.SyntheticProbe;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;

/**
 * A {@link Detector} on a {@link SyntheticProbe} and a {@link FakeProcfs}, running in the test
 * kit's actor system, with a {@link TestSink} attached to {@link Detector#events()}
 * before start so that it sees every event.
 */
public final class SyntheticDetector implements AutoCloseable {

    /** Generous: an event that is due arrives in milliseconds; this only bounds a failing test. */
    public static final Duration WAIT = Duration.ofSeconds(5);
    /** How long {@link #awaitMetrics} waits for counters that whole churns feed. */
    public static final Duration METRICS_WAIT = Duration.ofSeconds(30);

    public final FakeProcfs procfs;
    public final SyntheticProbe probe;
    public final Detector detector;
    public final TestSubscriber.Probe<ProcessEvent> out;

    private SyntheticDetector(ActorTestKit kit, FakeProcfs procfs, DetectorOptions.Builder options) {
        this.procfs = procfs;
        this.probe = SyntheticProbe.recording();
        this.detector = Detector.create(options.procfs(procfs.root()).actorSystem(kit.system()).build(),
                probe::open);
        this.out = detector.events().runWith(TestSink.create(kit.system()), kit.system());
        out.request(1_000_000);
    }

    /** Creates and starts the detector; the scan of {@code procfs} is done on return. */
    public static SyntheticDetector start(ActorTestKit kit, FakeProcfs procfs, DetectorOptions.Builder options) {
        SyntheticDetector d = created(kit, procfs, options);
        d.detector.start().toCompletableFuture().join();
        return d;
    }

    /** Created, not started: for what must happen before {@link Detector#start()}. */
    public static SyntheticDetector created(ActorTestKit kit, FakeProcfs procfs, DetectorOptions.Builder options) {
        return new SyntheticDetector(kit, procfs, options);
    }

    public void send(RawEvent... events) {
        probe.send(events);
    }

    public void send(List<RawEvent> events) {
        probe.send(events);
    }

    public ProcessEvent next() {
        return out.expectNext(WAIT);
    }

    /** The next event, checked to be of this type and process. */
    public ProcessEvent next(EventType type, int pid) {
        ProcessEvent e = next();
        assertEquals(type + ":" + pid, e.type() + ":" + e.pid(), "next event");
        return e;
    }

    /** The next {@code n} events, in arrival order. */
    public List<ProcessEvent> next(int n) {
        List<ProcessEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            events.add(next());
        }
        return events;
    }

    public void expectNothing(Duration window) {
        out.expectNoMessage(window);
    }

    public DetectorMetrics metrics() {
        return detector.metrics();
    }

    /** Waits for the counters to reach a state: they are updated by actors, after the raw events were sent. */
    public DetectorMetrics awaitMetrics(String what, Predicate<DetectorMetrics> condition) {
        return awaitMetrics(detector, what, condition);
    }

    public static DetectorMetrics awaitMetrics(Detector detector, String what, Predicate<DetectorMetrics> condition) {
        // Longer than WAIT: a churn of 20 000 processes, each with a /proc read, takes seconds
        // on a loaded machine; a passing wait costs no more for it.
        long deadline = System.nanoTime() + METRICS_WAIT.toNanos();
        DetectorMetrics m = detector.metrics();
        while (!condition.test(m)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("metrics never showed " + what + ": " + m.summary());
            }
            sleep(5);
            m = detector.metrics();
        }
        return m;
    }

    /** Waits until the engine has asked the kernel to stop following {@code pid}. */
    public void awaitUntracked(int pid) {
        await("untrack of pid " + pid + " (untracked: " + probe.untracked() + ")", () -> probe.untracked().contains(pid));
    }

    /** Waits until the engine has asked the kernel to follow {@code pid}. */
    public void awaitTracked(int pid) {
        await("track of pid " + pid + " (tracked: " + probe.tracked() + ")", () -> probe.tracked().containsKey(pid));
    }

    /** Waits for something the engine does asynchronously, after the raw events were sent. */
    public static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("never happened: " + what);
            }
            sleep(5);
        }
    }

    /** Stops the detector and checks that the output then completes with no further event. */
    public void stopAndExpectComplete() {
        detector.stop().toCompletableFuture().join();
        out.expectComplete();
    }

    @Override
    public void close() {
        detector.close();
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
