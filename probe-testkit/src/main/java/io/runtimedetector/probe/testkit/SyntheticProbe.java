package io.runtimedetector.probe.testkit;

import io.runtimedetector.probe.EventProbe;
import io.runtimedetector.probe.ProbeConfig;
import io.runtimedetector.probe.ProbeCounters;
import io.runtimedetector.probe.RawEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Source;

/**
 * A probe without a kernel: the caller hands it batches of {@link RawEvent}s and the
 * engine reads them through the same kind of source the kernel probe gives it, with the
 * same backpressure (a full stream makes {@link #send} wait, as a full reader queue makes
 * the ring-buffer reader wait). One class for every such use: the engine's and the app's
 * tests, the engine benchmark, and users who test their sinks against a real detector:
 * <pre>{@code
 * SyntheticProbe probe = SyntheticProbe.recording();
 * Detector detector = Detector.create(options, probe::open);
 * detector.start();
 * probe.send(exec, exit);
 * }</pre>
 */
public final class SyntheticProbe implements EventProbe {

    /** Batches the stream holds before {@link #send} waits for the engine. */
    private static final int STREAM_BUFFER = 16;
    private static final Duration MATERIALIZE_WAIT = Duration.ofSeconds(10);

    private final boolean recording;
    private final CompletableFuture<BoundedSourceQueue<List<RawEvent>>> queue = new CompletableFuture<>();
    private final Map<Integer, Long> tracked = new ConcurrentHashMap<>();
    private final List<Integer> untracked = new CopyOnWriteArrayList<>();
    private final AtomicInteger closes = new AtomicInteger();
    /** Batches released, in order; only when recording. */
    private final List<List<RawEvent>> released = new CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong releaseCount = new java.util.concurrent.atomic.AtomicLong();
    private volatile Map<Integer, Long> trackedAtOpen = Map.of();
    private volatile boolean acceptTracking = true;
    private volatile ProbeConfig config;
    private volatile ProbeCounters counters = ProbeCounters.ZERO;
    private boolean ended;

    private SyntheticProbe(boolean recording) {
        this.recording = recording;
    }

    /** Remembers every track and untrack the engine asks for, for assertions. */
    public static SyntheticProbe recording() {
        return new SyntheticProbe(true);
    }

    /** Remembers nothing, so that a benchmark measures the engine and not this probe's bookkeeping. */
    public static SyntheticProbe lean() {
        return new SyntheticProbe(false);
    }

    /** A {@code Detector.ProbeFactory}: {@code Detector.create(options, probe::open)}. Records the configuration. */
    public EventProbe open(ProbeConfig probeConfig) {
        this.config = probeConfig;
        return this;
    }

    /** What the detector configured its probe with; null until it opened it. */
    public ProbeConfig config() {
        return config;
    }

    @Override
    public Source<List<RawEvent>, NotUsed> events() {
        return Source.<List<RawEvent>>queue(STREAM_BUFFER).mapMaterializedValue(q -> {
            queue.complete(q);
            return NotUsed.getInstance();
        });
    }

    /** Completes once the engine runs the event stream: from then on {@link #send} delivers. */
    public CompletionStage<Void> running() {
        return queue.thenApply(q -> null);
    }

    /** Hands the events over as one batch; waits while the engine is behind. */
    public void send(RawEvent... events) {
        send(List.of(events));
    }

    /**
     * Hands the events over as one batch (an empty list sends nothing, as the reader
     * never hands over an empty batch); waits while the engine is behind.
     *
     * @throws IllegalStateException when the stream has ended, or the engine never ran it
     */
    public void send(List<RawEvent> events) {
        if (events.isEmpty()) {
            return;
        }
        BoundedSourceQueue<List<RawEvent>> q = stream();
        QueueOfferResult result;
        while ((result = q.offer(events)) == QueueOfferResult.dropped()) {
            LockSupport.parkNanos(20_000); // full: the engine's backpressure
        }
        if (!result.isEnqueued()) {
            throw new IllegalStateException("the engine's event stream has ended: " + result);
        }
    }

    /** The probe breaks, as on a fatal ring-buffer error: the stream fails with {@code cause}. */
    public synchronized void fail(Throwable cause) {
        ended = true;
        stream().fail(cause);
    }

    @Override
    public boolean track(int pid, long startBootTimeNs) {
        if (!acceptTracking) {
            return false;
        }
        if (recording) {
            tracked.put(pid, startBootTimeNs);
        }
        return true;
    }

    @Override
    public void untrack(int pid) {
        if (recording) {
            untracked.add(pid);
            tracked.remove(pid);
        }
    }

    /**
     * The batch reached the sinks. Counted always (one increment per batch, so the lean
     * probe stays cheap); remembered, as the very list {@link #send} handed over, only
     * when recording.
     */
    @Override
    public void release(List<RawEvent> batch) {
        // Listed before counted: whoever sees the count sees the batch in the list too.
        if (recording) {
            released.add(batch);
        }
        releaseCount.incrementAndGet();
    }

    /** Every batch released so far, in release order (recording only): the same lists {@link #send} took. */
    public List<List<RawEvent>> released() {
        return List.copyOf(released);
    }

    /** How many batches were released so far. */
    public long releasedCount() {
        return releaseCount.get();
    }

    /**
     * Plays a pinned kernel side that kept following these processes (pid to start, ns since
     * boot) for a previous detector: {@link #trackedProcesses()} returns them. Set before the
     * detector starts.
     */
    public SyntheticProbe trackingAtOpen(Map<Integer, Long> processes) {
        trackedAtOpen = Map.copyOf(processes);
        return this;
    }

    @Override
    public Map<Integer, Long> trackedProcesses() {
        return trackedAtOpen;
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
        closes.incrementAndGet();
        if (ended) {
            return;
        }
        ended = true;
        queue.thenAccept(BoundedSourceQueue::complete);
    }

    /** How often close() was called. */
    public int closeCount() {
        return closes.get();
    }

    private BoundedSourceQueue<List<RawEvent>> stream() {
        try {
            return queue.get(MATERIALIZE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the engine never ran the probe's event stream", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the engine's event stream", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("the engine's event stream failed to start", e.getCause());
        }
    }
}
