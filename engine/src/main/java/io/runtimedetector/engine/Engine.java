package io.runtimedetector.engine;

import io.runtimedetector.ContainerMetrics;
import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.ReaderQueueMetrics;
import io.runtimedetector.container.ContainerAttribution;
import io.runtimedetector.container.ContainerNamer;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.EventProbe;
import io.runtimedetector.probe.ProbeCounters;
import io.runtimedetector.probe.QueueStats;
import io.runtimedetector.probe.RecordSizes;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.stream.ActorAttributes;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.slf4j.Logger;

/**
 * The engine's wiring, for {@link Detector} only. Package-private like everything it
 * assembles: the detector, its options and its metrics are the engine's whole API.
 */
final class Engine {

    /** Defined in the engine's reference.conf: every /proc read after the scan runs there. */
    static final String PROC_DISPATCHER = "runtime-detector.proc-dispatcher";
    /** Events one process may hold before it has lived the minimum duration. */
    static final int PENDING_LIMIT = 64;
    private static final Duration BARRIER_WAIT = Duration.ofSeconds(30);

    private final DetectorOptions options;
    /** The detector's own logger ({@link DetectorOptions#logger()}): its lifecycle lines go there. */
    private final Logger log;
    private final EngineCounters counters = new EngineCounters();
    private final AtomicInteger liveProcesses = new AtomicInteger();
    private volatile ProcScanner scanner;
    private volatile ContainerAttribution containers = ContainerAttribution.off();
    private volatile ContainerNamer names = ContainerNamer.off();
    /** What the lifecycles leave for the next detector as this one stops; off without a state directory. */
    private final SavedProcesses saved;
    private volatile Releases releases;

    Engine(DetectorOptions options) {
        this.options = options;
        this.log = options.logger();
        this.saved = options.stateDir().isPresent() ? SavedProcesses.collecting() : SavedProcesses.OFF;
    }

    /**
     * Starts the supervisor on the probe's events, then scans /proc on a blocking thread.
     *
     * @param requested processes to follow on request from the start
     * @param consumers how far the sinks have got, for {@link EventProbe#release}; null: no sinks, a
     *                  batch goes once its events are in the output
     * @param openingNs CLOCK_MONOTONIC just before the probe was opened: what the kernel recorded
     *                  earlier is a pinned ring's backlog
     * @return completes once the scan's processes are known to the supervisor
     */
    CompletionStage<Done> start(ActorSystem<?> system, EventProbe probe, BoundedSourceQueue<ProcessEvent> output,
            List<Integer> requested, String name, Releases.Progress consumers, long openingNs) {
        ProcReader proc = new ProcReader(options.procfs(),
                new EnvSelector(new HashSet<>(options.reportedEnvKeys()), options.envPrefix()), counters);
        EngineClock clock = EngineClock.fromProc(proc, Clock.systemUTC());
        Executor procExecutor = procExecutor(system);
        // Walked before the first event is handled, so that every cgroup there is already known.
        if (options.attributeContainers()) {
            names = options.containerNames().map(ContainerNamer::of).orElseGet(ContainerNamer::off);
            ContainerNamer namer = names;
            containers = ContainerAttribution.open(options.procfs(), namer::prefetch);
        }
        EventOutput out = new EventOutput(output, counters, names);
        Releases release = new Releases(probe, out, consumers == null ? Releases.enqueuedOnly(out) : consumers);
        releases = release;
        EngineContext ctx = context(options, proc, clock, probe, out, counters, procExecutor, containers, saved,
                release);
        ActorRef<SupervisorCommand> supervisor = system.systemActorOf(ProcessSupervisor.create(ctx, liveProcesses, openingNs),
                name, ProcessSupervisor.engineDispatcher(system));
        // Told before the raw events run: an EXIT from the ring's backlog must find its process.
        takeOver(probe, proc, clock, supervisor);

        probe.events()
                .to(ActorSink.actorRefWithBackpressure(supervisor,
                        (ackTo, batch) -> new SupervisorCommand.RawBatch(batch, ackTo),
                        SupervisorCommand.StreamInit::new,
                        SupervisorCommand.StreamAck.INSTANCE,
                        SupervisorCommand.StreamCompleted.INSTANCE,
                        SupervisorCommand.StreamFailed::new))
                .addAttributes(streamAttributes(system))
                .run(system);

        ProcScanner scan = new ProcScanner(proc, ctx.filter(), clock, counters, supervisor::tell);
        scanner = scan;
        return CompletableFuture.runAsync(() -> {
            requested.forEach(scan::adoptRequested);
            int found = scan.scan();
            log.info("probe attached; {} running processes pass the filters", found);
        }, procExecutor).thenCompose(scanned -> AskPattern.<SupervisorCommand, Done>ask(supervisor,
                SupervisorCommand.Barrier::new, BARRIER_WAIT, system.scheduler()));
    }

    /**
     * The processes the previous detector followed: the kernel's tracked set and the state
     * file. Read here, on the caller's thread, once: a few /proc reads per process.
     */
    private void takeOver(EventProbe probe, ProcReader proc, EngineClock clock, ActorRef<SupervisorCommand> supervisor) {
        Map<Integer, Long> tracked;
        try {
            tracked = probe.trackedProcesses();
        } catch (RuntimeException e) {
            log.warn("cannot read the processes the kernel follows already: {}", e.toString());
            tracked = Map.of();
        }
        List<SavedProcess> fromFile = options.stateDir().map(dir -> StateFile.take(dir, log)).orElse(List.of());
        counters.snapshotLoaded(fromFile.size());
        if (tracked.isEmpty() && fromFile.isEmpty()) {
            return;
        }
        Takeover takeover;
        try {
            takeover = Takeover.plan(tracked, fromFile, proc, clock.now());
        } catch (RuntimeException e) {
            // A bug here must not keep the detector from starting: the scan still finds what runs.
            counters.internalError();
            log.error("cannot take over the previous detector's processes; starting without them", e);
            return;
        }
        supervisor.tell(new SupervisorCommand.Restore(takeover.restored()));
        takeover.adopted().forEach(supervisor::tell);
        for (int i = takeover.resumed(); i > 0; i--) {
            counters.resumed();
        }
        log.info("taking over from the previous detector: {} processes in the kernel's tracked set, {} in the state"
                + " file; {} still running, {} ended (their EXIT is due from the ring's backlog, if it kept one)",
                tracked.size(), fromFile.size(), takeover.resumed(),
                takeover.restored().size() - takeover.restored().stream().filter(Restored::running).count());
    }

    /** The sinks took more events: batches whose events they all have may be released. */
    void checkReleases() {
        Releases r = releases;
        if (r != null) {
            r.check();
        }
    }

    /**
     * The detector has stopped, its sinks flushed: every batch delivered is released, and,
     * on a graceful stop with a state directory, the followed processes are written for
     * the next detector (first: a crash in between then costs duplicates, never state).
     */
    void stopped(boolean graceful) {
        Releases r = releases;
        if (r == null) {
            return; // never started
        }
        if (graceful && options.stateDir().isPresent()) {
            List<SavedProcess> all = saved.all();
            try {
                StateFile.write(options.stateDir().get(), all, java.time.Instant.now());
                log.info("left {} followed processes in {} for the next detector", all.size(),
                        options.stateDir().get().resolve(StateFile.NAME));
            } catch (java.io.IOException | RuntimeException e) {
                log.warn("cannot write the state file in {}: {}", options.stateDir().get(), e.toString());
            }
        }
        r.releaseAll();
    }

    /** Follows a running process on request. @return false when no such process runs */
    boolean trackProcess(int pid) {
        ProcScanner now = scanner;
        if (now == null) {
            throw new IllegalStateException("the engine has not started");
        }
        return now.adoptRequested(pid);
    }

    DetectorMetrics metrics(ProbeCounters kernel, String programVariant, long sinkDropped) {
        QueueStats queue = kernel.queue() == null ? QueueStats.EMPTY : kernel.queue();
        RecordSizes records = kernel.records() == null ? RecordSizes.NONE : kernel.records();
        return new DetectorMetrics(counters.rawSnapshot(), counters.emittedSnapshot(), counters.filteredSnapshot(),
                kernel.ringBufferLost(), kernel.trackFull() + counters.trackFailureCount(), kernel.decodeErrors(),
                counters.procReadErrorCount(), counters.envUnreadableCount(), counters.pendingDroppedCount(),
                counters.outputDroppedCount(), sinkDropped, counters.lostExitCount(), liveProcesses.get(),
                counters.procReadSnapshot(), counters.internalErrorCount(),
                new ReaderQueueMetrics(queue.capacity(), queue.depth(), queue.highWater(), queue.fullWaits()),
                programVariant, records.averageExecBytes(), records.averageExitBytes(), containerMetrics(),
                counters.restartSnapshot().withLostWhileUnread(kernel.lostWhileUnread()));
    }

    private ContainerMetrics containerMetrics() {
        ContainerAttribution c = containers;
        ContainerNamer n = names;
        return new ContainerMetrics(c.byUnified(), c.byV1(), c.byProc(), c.notInContainer(), c.unknown(),
                c.cgroupsKnown(), c.rewalks(), n.hits(), n.misses(), n.lookups(), n.errors());
    }

    /** Stops following the cgroup hierarchies and closes the name source; once the detector has stopped. */
    void close() {
        containers.close();
        if (names.enabled()) {
            names.close();
        } else {
            // Never started, or attribution off: the source the options handed over is still ours to close.
            options.containerNames().ifPresent(io.runtimedetector.ContainerNameSource::close);
        }
    }

    /**
     * What the detector's own streams run with: the engine's dispatcher, where the
     * supervisor and every process actor run. A batch then goes from the probe's source
     * through the actors to the sinks' hand-off on one thread, where each step between
     * threads would cost a wake-up of several microseconds per batch (BENCHMARKS.md §3).
     */
    static Attributes streamAttributes(ActorSystem<?> system) {
        return system.settings().config().hasPath(ProcessSupervisor.ENGINE_DISPATCHER)
                ? ActorAttributes.dispatcher(ProcessSupervisor.ENGINE_DISPATCHER) : Attributes.none();
    }

    /** The dispatcher for /proc reads: the engine's own when configured, else Pekko's default blocking one. */
    static Executor procExecutor(ActorSystem<?> system) {
        DispatcherSelector selector = system.settings().config().hasPath(PROC_DISPATCHER)
                ? DispatcherSelector.fromConfig(PROC_DISPATCHER) : DispatcherSelector.blocking();
        return system.dispatchers().lookup(selector);
    }

    /** Everything the supervisor and its children share, from the detector's options. */
    static EngineContext context(DetectorOptions options, ProcReader proc, EngineClock clock, EventProbe probe,
            EventOutput output, EngineCounters counters, Executor procExecutor, ContainerAttribution containers) {
        return context(options, proc, clock, probe, output, counters, procExecutor, containers, SavedProcesses.OFF,
                new Releases(probe, output, Releases.enqueuedOnly(output)));
    }

    /** @param saved where the lifecycles leave their processes as the detector stops */
    static EngineContext context(DetectorOptions options, ProcReader proc, EngineClock clock, EventProbe probe,
            EventOutput output, EngineCounters counters, Executor procExecutor, ContainerAttribution containers,
            SavedProcesses saved, Releases releases) {
        ExecFilter filter = new ExecFilter(
                options.excludedExecutables().stream().map(Path::toString).collect(Collectors.toSet()),
                !options.envPrefix().isEmpty(), counters);
        FallbackPlan plan = FallbackPlan.of(options.reportedEnvKeys(), options.probeConfig().reportedEnvKeys(),
                !options.envPrefix().isEmpty());
        ProcessLifecycle.Rules rules = new ProcessLifecycle.Rules(options.minDuration(), PENDING_LIMIT,
                options.watchedFiles().stream().map(Path::toString).toList(), filter, plan,
                new ProcessImages(clock, plan, containers), counters, saved);
        ProcIo procIo = new ProcIo(proc, probe, procExecutor, counters,
                options.procfs().equals(DetectorOptions.DEFAULT_PROCFS));
        return new EngineContext(rules, procIo, probe, output, counters, releases);
    }
}
