package io.runtimedetector.engine;

import io.runtimedetector.probe.EventProbe;
import io.runtimedetector.probe.ProbeConfig;
import io.runtimedetector.probe.ProbeCounters;
import io.runtimedetector.probe.RawEvent;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ClassicActorSystemProvider;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.testkit.TestPublisher;
import org.apache.pekko.stream.testkit.javadsl.TestSource;

/**
 * A probe without a kernel: the test pushes {@link RawEvent}s through a stream-testkit
 * publisher, and every track/untrack the engine asks for is recorded for assertions.
 */
public final class FakeProbe implements EventProbe {

    private final ClassicActorSystemProvider system;
    private final CompletableFuture<TestPublisher.Probe<List<RawEvent>>> publisher = new CompletableFuture<>();
    private final Map<Integer, Long> tracked = new ConcurrentHashMap<>();
    private final List<Integer> untracked = new CopyOnWriteArrayList<>();
    private volatile boolean acceptTracking = true;
    private volatile ProbeConfig config;
    private volatile ProbeCounters counters = ProbeCounters.ZERO;
    private boolean ended;
    private int closes;

    public FakeProbe(ClassicActorSystemProvider system) {
        this.system = system;
    }

    /** The factory to give {@link Detector#create(io.runtimedetector.engine.DetectorOptions, Detector.ProbeFactory)}. */
    public Detector.ProbeFactory factory() {
        return cfg -> {
            config = cfg;
            return this;
        };
    }

    /** What the detector configured its probe with. */
    public ProbeConfig config() {
        return config;
    }

    @Override
    public Source<List<RawEvent>, NotUsed> events() {
        // The publisher exists only once the engine runs the stream, so tests wait for it in send().
        return TestSource.<List<RawEvent>>create(system).mapMaterializedValue(p -> {
            publisher.complete(p);
            return NotUsed.getInstance();
        });
    }

    /** Pushes the events as one batch, once the engine asks for more: the stream's own backpressure. */
    public synchronized void send(RawEvent... events) {
        send(List.of(events));
    }

    public synchronized void send(List<RawEvent> events) {
        if (!events.isEmpty()) {
            publisher().sendNext(List.copyOf(events));
        }
    }

    /** The probe breaks, as on a fatal ring-buffer error. */
    public synchronized void fail(Throwable cause) {
        ended = true;
        publisher().sendError(cause);
    }

    @Override
    public boolean track(int pid, long startBootTimeNs) {
        if (!acceptTracking) {
            return false;
        }
        tracked.put(pid, startBootTimeNs);
        return true;
    }

    @Override
    public void untrack(int pid) {
        untracked.add(pid);
        tracked.remove(pid);
    }

    /** Plays a full tracked map: track() refuses from now on. */
    public void refuseTracking() {
        acceptTracking = false;
    }

    /** Processes the engine asked the kernel to follow, with their start, and not untracked since. */
    public Map<Integer, Long> tracked() {
        return Map.copyOf(tracked);
    }

    /** Every untrack call, in order; a pid untracked twice is listed twice. */
    public List<Integer> untracked() {
        return List.copyOf(untracked);
    }


    @Override
    public ProbeCounters counters() {
        return counters;
    }

    /** What the kernel side would count: lost events, a full tracked map, undecodable records. */
    public void counters(ProbeCounters now) {
        counters = now;
    }

    /** Completes the events, like the kernel probe's detach; idempotent, and silent after a failure. */
    @Override
    public synchronized void close() {
        closes++;
        if (ended || !publisher.isDone()) {
            return;
        }
        ended = true;
        publisher.join().sendComplete();
    }

    public synchronized int closeCount() {
        return closes;
    }

    private TestPublisher.Probe<List<RawEvent>> publisher() {
        try {
            return publisher.get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("the engine never ran the probe's event stream", e);
        }
    }
}
