package io.runtimedetector.engine;

import com.typesafe.config.ConfigFactory;
import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.engine.Engine;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.EventProbe;
import io.runtimedetector.probe.KernelProbe;
import io.runtimedetector.probe.ProbeConfig;
import io.runtimedetector.probe.ProbeCounters;
import io.runtimedetector.sinks.SinkRunner;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;

/**
 * The runtime detector: attaches the eBPF probe, follows processes through one actor
 * each, and hands {@link ProcessEvent}s to the sinks of its options and to
 * {@link #events()}.
 *
 * <pre>{@code
 * try (Detector detector = Detector.create(DetectorOptions.builder()
 *         .envPrefix("MYAPP_").addSink(event -> ...).build())) {
 *     detector.start().toCompletableFuture().join();   // attached, /proc scanned
 *     ...
 * }                                                     // detached, sinks flushed
 * }</pre>
 *
 * <p>Thread-safe. One start and one stop per instance.
 */
public final class Detector implements AutoCloseable {

    /** Opens the probe the detector reads; {@link KernelProbe#open} unless a test feeds its own events. */
    @FunctionalInterface
    public interface ProbeFactory {
        EventProbe open(ProbeConfig config);
    }

    private static final int HUB_BUFFER = 256;
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(30);
    private static final AtomicLong INSTANCES = new AtomicLong();

    private enum State { CREATED, STARTED, STOPPED }

    private final DetectorOptions options;
    /** Where this detector's own lines go: {@link DetectorOptions#logger()}. */
    private final Logger log;
    private final ProbeFactory probes;
    private final ActorSystem<?> system;
    private final boolean ownsSystem;
    private final Engine engine;
    /** The engine's dispatcher, for the streams between the probe and the sinks' threads. */
    private final Attributes streamAttributes;
    private final BoundedSourceQueue<ProcessEvent> outputQueue;
    private final Source<ProcessEvent, NotUsed> hub;
    private final SinkRunner sinkRunner;
    private final CompletableFuture<Done> terminated = new CompletableFuture<>();
    private final Set<Integer> requestedBeforeStart = new LinkedHashSet<>();

    private State state = State.CREATED;
    private EventProbe probe;

    private Detector(DetectorOptions options, ProbeFactory probes) {
        this.options = options;
        this.log = options.logger();
        this.probes = probes;
        this.ownsSystem = options.actorSystem().isEmpty();
        this.system = options.actorSystem().orElseGet(Detector::ownSystem);
        this.engine = new Engine(options);
        this.streamAttributes = Engine.streamAttributes(system);
        Pair<Pair<BoundedSourceQueue<ProcessEvent>, CompletionStage<Done>>, Source<ProcessEvent, NotUsed>> out =
                Source.<ProcessEvent>queue(options.outputBufferSize())
                        .watchTermination(Keep.both())
                        // The one fan-out: every sink and every events() consumer reads this hub.
                        // It starts once each sink is attached, so that none misses the first events.
                        .toMat(BroadcastHub.of(ProcessEvent.class, options.sinks().size(), HUB_BUFFER), Keep.both())
                        .addAttributes(streamAttributes)
                        .run(system);
        this.outputQueue = out.first().first();
        this.hub = out.second();
        // Sinks attach before any event exists, so that they see every one of them.
        this.sinkRunner = options.sinks().isEmpty() ? null
                : SinkRunner.attach(hub, options.sinks(), options.sinkSettings(), materializer(), streamAttributes);
        CompletionStage<Done> outputEnded = out.first().second();
        CompletionStage<Done> allDone = sinkRunner == null ? outputEnded
                : outputEnded.handle((ok, failure) -> failure).thenCompose(failure -> sinkRunner.done()
                        .thenApply(done -> {
                            if (failure != null) {
                                throw new java.util.concurrent.CompletionException(failure);
                            }
                            return done;
                        }));
        if (sinkRunner != null) {
            // A sink done with the events a batch's release waits for lets it go.
            sinkRunner.progress().listen(engine::checkReleases);
        }
        allDone.whenComplete((ok, failure) -> onTerminated(failure));
        requestedBeforeStart.addAll(options.trackedPids());
    }

    /** A detector on the kernel probe. Nothing is attached until {@link #start()}. */
    public static Detector create(DetectorOptions options) {
        return create(options, KernelProbe::open);
    }

    /** A detector reading the events of {@code probes}' probe: for tests and custom probes. */
    public static Detector create(DetectorOptions options, ProbeFactory probes) {
        return new Detector(Objects.requireNonNull(options, "options"), Objects.requireNonNull(probes, "probes"));
    }

    private static ActorSystem<Void> ownSystem() {
        // Pekko's own log lines go through SLF4J, like everything else of the detector.
        var config = ConfigFactory.parseString("""
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                pekko.loglevel = INFO
                pekko.stdout-loglevel = OFF
                pekko.log-dead-letters-during-shutdown = off
                pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off
                # The scheduler's thread wakes every tick, busy or not: at Pekko's 10 ms that is
                # 1 % of a core on an idle node. The engine's timers need no finer grain: a
                # process that lived the minimum duration is reported at its EXIT even when
                # its timer is still due.
                pekko.scheduler.tick-duration = 50ms
                """).withFallback(ConfigFactory.load());
        return ActorSystem.create(Behaviors.empty(), "runtime-detector", config);
    }

    private org.apache.pekko.stream.Materializer materializer() {
        return org.apache.pekko.stream.Materializer.matFromSystem(system);
    }

    /**
     * Loads and attaches the probe, then scans /proc for processes already running.
     *
     * @return completes once the scan's processes are known to the engine: from then on
     *         no process that passes the filters is missed
     * @throws io.runtimedetector.probe.InsufficientPrivilegesException without the capabilities the probe needs
     * @throws io.runtimedetector.probe.ProbeException                  when the probe cannot be loaded or attached
     */
    public synchronized CompletionStage<Done> start() {
        if (state != State.CREATED) {
            throw new IllegalStateException("a detector starts once; this one is " + state.name().toLowerCase());
        }
        // Taken first: whatever the kernel recorded before this is a pinned ring's backlog.
        long openingNs = System.nanoTime();
        EventProbe opened;
        try {
            opened = probes.open(options.probeConfig());
        } catch (RuntimeException e) {
            stopAfterFailedStart();
            throw e;
        }
        probe = opened;
        state = State.STARTED;

        List<Integer> requested = new ArrayList<>(requestedBeforeStart);
        requestedBeforeStart.clear();
        return engine.start(system, opened, outputQueue, requested, "runtime-detector-" + INSTANCES.incrementAndGet(),
                sinkRunner == null ? null : sinkProgress(sinkRunner.progress()), openingNs);
    }

    /** The batches' releases wait for every sink of the options; consumers of events() are not waited for. */
    private static Releases.Progress sinkProgress(io.runtimedetector.sinks.SinkProgress sinks) {
        return new Releases.Progress() {
            @Override
            public long settled() {
                return sinks.settledByAll();
            }

            @Override
            public void want(long mark) {
                sinks.want(mark);
            }
        };
    }

    /**
     * The events, for Pekko Streams consumers; each materialization is one more consumer.
     * Attach before {@link #start()} to see every event: a consumer attached later sees
     * events from then on. A slow consumer slows all of them; past the output buffer,
     * events are dropped and counted in {@link DetectorMetrics#outputDropped()}.
     * Completes on {@link #stop()}, fails with the probe's error if the probe fails.
     */
    public Source<ProcessEvent, NotUsed> events() {
        return hub;
    }

    /**
     * Reports FORK, FILE_OPEN and EXIT of these processes (and their children) whatever
     * the filters say. Before {@link #start()} they are followed from the start; a pid
     * with no running process is logged and skipped.
     */
    public void trackProcesses(Collection<Integer> pids) {
        for (int pid : pids) {
            if (pid <= 0) {
                throw new IllegalArgumentException("trackProcesses: " + pid + " is not a process id");
            }
        }
        synchronized (this) {
            if (state == State.STOPPED) {
                throw new IllegalStateException("the detector is stopped");
            }
            if (state == State.CREATED) {
                requestedBeforeStart.addAll(pids);
                return;
            }
        }
        pids.forEach(engine::trackProcess);
    }

    /** The detector's counters now; cheap, callable from any thread at any time. */
    public DetectorMetrics metrics() {
        EventProbe p;
        synchronized (this) {
            p = probe;
        }
        ProbeCounters kernel = p == null ? ProbeCounters.ZERO : p.counters();
        long sinkDropped = sinkRunner == null ? 0 : sinkRunner.stats().totalDropped();
        return engine.metrics(kernel, p == null ? "" : p.programVariant(), sinkDropped);
    }

    /** The counters of each sink of the options, in their order; empty without sinks. Cheap, any thread. */
    public io.runtimedetector.sink.SinkStats sinkStats() {
        return sinkRunner == null ? new io.runtimedetector.sink.SinkStats(List.of()) : sinkRunner.stats();
    }

    /**
     * Detaches the probe; events already read are handled and delivered, sinks are
     * flushed and closed, and {@link #events()} completes. Processes that have not lived
     * the minimum duration yet are not reported.
     *
     * @return completes when all of that is done; fails if the probe had failed
     */
    public CompletionStage<Done> stop() {
        EventProbe toClose;
        synchronized (this) {
            if (state == State.CREATED) {
                stopAfterFailedStart();
                return terminated;
            }
            if (state == State.STARTED) {
                // Consumers of events() may be gone or never have come: a discarding one
                // lets out what the hub still holds, so that the end behind it gets through.
                // Under the lock: a failed probe's onTerminated may be terminating the system.
                hub.to(Sink.ignore()).addAttributes(streamAttributes).run(system);
            }
            state = State.STOPPED;
            toClose = probe;
        }
        // Null when stopped before start or after a failed start: nothing to detach then.
        if (toClose != null) {
            // Closing completes the raw stream; the supervisor then drains and completes the output.
            toClose.close();
        }
        return terminated;
    }

    /** Completes when the detector has stopped, on {@link #stop()} or because the probe failed. */
    public CompletionStage<Done> whenTerminated() {
        return terminated;
    }

    /** {@link #stop()}, waiting up to 30 seconds for it. */
    @Override
    public void close() {
        try {
            stop().toCompletableFuture().get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            log.debug("the detector had failed: {}", e.getCause().toString());
        } catch (TimeoutException e) {
            log.warn("the detector did not stop within {} s", CLOSE_WAIT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Nothing was attached: end the output so that consumers and sinks complete. */
    private void stopAfterFailedStart() {
        state = State.STOPPED;
        outputQueue.complete();
    }

    private void onTerminated(Throwable completion) {
        Throwable failure = completion;
        while (failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null) {
            failure = failure.getCause();
        }
        Throwable cause = failure;
        EventProbe p;
        synchronized (this) {
            state = State.STOPPED;
            p = probe;
        }
        // The sinks are flushed: what the probe delivered may go (and, on a graceful stop,
        // what the next detector needs is written), before the probe's last close.
        engine.stopped(failure == null);
        if (p != null) {
            p.close(); // after a probe failure nothing else closes it
        }
        engine.close();
        if (failure != null) {
            log.error("the detector stopped on an error: {}", failure.getMessage());
        }
        CompletionStage<?> systemDone = ownsSystem ? terminate() : CompletableFuture.completedFuture(null);
        systemDone.whenComplete((ok, ignored) -> {
            if (cause != null) {
                terminated.completeExceptionally(cause);
            } else {
                terminated.complete(Done.getInstance());
            }
        });
    }

    private CompletionStage<?> terminate() {
        system.terminate();
        return system.getWhenTerminated();
    }
}
