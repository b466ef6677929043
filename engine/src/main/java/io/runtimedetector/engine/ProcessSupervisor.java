package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.probe.RawEvent;
import io.runtimedetector.probe.RawEventType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Routes raw events to the {@link ProcessLifecycle} of each live process, in the manner of
 * a device group: a map from pid to what follows the process holding it now (with its
 * start time, since pids are reused). The invariant: one lifecycle per (pid, start),
 * hosted by an actor while it waits. A new process gets a {@link ProcessActor}, spawned
 * and watched; once its lifecycle is reported and waits on nothing, the actor hands the
 * lifecycle back and stops, the way Cluster Sharding passivates an idle entity: the actor
 * says it is idle, this supervisor holds the pid's inputs and asks for the lifecycle, the
 * actor checks again and hands it back (or keeps it, if something came meanwhile), and the
 * held inputs are replayed. The map then holds the lifecycle itself, and its later inputs
 * (FILE_OPEN, EXIT, a child's FORK) are handled here through the same lifecycle methods.
 * Whatever such an input asks that takes time, a /proc read, gets the lifecycle an actor
 * again. So a process that runs for hours costs its lifecycle, not an idle actor.
 *
 * <p>It decides nothing about a process except what needs no I/O (the kernel's exclusion
 * verdict and exe path) and never reads /proc: that is the actors' business, off this
 * thread.
 *
 * <p>Raw events come in batches from the probe's stream, acknowledged one batch at a
 * time: that ack is the stream's backpressure. At the end of the stream every child
 * gets a chance to hand out what it holds before the output completes.
 */
final class ProcessSupervisor extends AbstractBehavior<SupervisorCommand> {

    /** Defined in the engine's reference.conf. */
    static final String ENGINE_DISPATCHER = "runtime-detector.engine-dispatcher";

    /** How often the kernel's loss counter is checked. */
    static final Duration LOSS_CHECK_INTERVAL = Duration.ofSeconds(5);
    /**
     * Past the probe's opening by this much, a raw event is surely not from the ring's
     * backlog: the ring is in the order its records were reserved, and timestamps taken
     * on different CPUs just before differ by far less than this.
     */
    static final Duration BACKLOG_MARGIN = Duration.ofSeconds(1);
    /** The longest an ended process taken over at start waits for its EXIT when no later event shows the backlog read. */
    static final Duration BACKLOG_DEADLINE = Duration.ofMinutes(5);

    private final EngineContext ctx;
    private final AtomicInteger liveGauge;
    /**
     * Where a pid's events go, with the start of the process that holds it: its actor
     * ({@code ActorRef}), its idle lifecycle ({@link ProcessLifecycle}) or, while the one
     * hands over to the other, a {@link HandingOff} that holds the inputs meanwhile.
     */
    private final PidRoutes<Object> routes = new PidRoutes<>();
    /** Hand-overs under way, by actor: found again when the route was superseded meanwhile. */
    private final java.util.Map<ActorRef<ProcessCommand>, HandingOff> handingOff = new java.util.HashMap<>();
    private final ResidentHost.Owner residents = this::residentFinished;

    /** An actor asked for its lifecycle: the pid's inputs wait here until it answers. */
    private record HandingOff(ActorRef<ProcessCommand> actor, ArrayList<ProcessCommand> held) {
    }
    /**
     * One set of props for every child, built once: spawning through the typed API would
     * build and keep a classic Props, Deploy and creator per child, for as long as it lives.
     */
    private final org.apache.pekko.actor.Props childProps;

    private int children;
    private long kernelLostSeen;
    /** A loss check's /proc pass is running: one at a time. */
    private boolean checking;
    /** Found gone by the last pass; forgotten if still gone at the next one. */
    private List<ProcessKey> suspects = List.of();
    private boolean stopping;
    private Throwable failure;
    /** Ended processes taken over at start whose EXIT the ring's backlog still owes. */
    private List<ProcessKey> awaitingBacklog = List.of();
    /** CLOCK_MONOTONIC ns: a raw event from later than this shows the backlog has been read. */
    private long backlogEndNs;
    /** CLOCK_MONOTONIC ns when the detector began to open its probe: what the kernel recorded before is backlog. */
    private final long openingNs;

    private ProcessSupervisor(ActorContext<SupervisorCommand> context, EngineContext ctx, AtomicInteger liveGauge,
            long openingNs) {
        super(context);
        this.ctx = ctx;
        this.openingNs = openingNs;
        this.liveGauge = liveGauge;
        // One behaviour for every child too: it holds nothing of any process.
        Behavior<ProcessCommand> child = ProcessActor.behavior(new ProcessActor.Shared(ctx, context.getSelf()));
        this.childProps = Adapter.props(() -> child, engineDispatcher(context.getSystem()));
    }

    /** Where the engine's actors run: its own dispatcher when the system's config has it. */
    static Props engineDispatcher(ActorSystem<?> system) {
        return system.settings().config().hasPath(ENGINE_DISPATCHER)
                ? DispatcherSelector.fromConfig(ENGINE_DISPATCHER) : Props.empty();
    }

    /** @param liveGauge set to the number of processes followed, for metrics read from other threads */
    static Behavior<SupervisorCommand> create(EngineContext ctx, AtomicInteger liveGauge) {
        return create(ctx, liveGauge, LOSS_CHECK_INTERVAL);
    }

    /**
     * @param openingNs CLOCK_MONOTONIC when the detector began to open its probe: an EXIT the
     *                  kernel recorded before is from the ring's backlog
     */
    static Behavior<SupervisorCommand> create(EngineContext ctx, AtomicInteger liveGauge, long openingNs) {
        return create(ctx, liveGauge, LOSS_CHECK_INTERVAL, openingNs);
    }

    /** @param lossCheckInterval how often to look for events the kernel lost */
    static Behavior<SupervisorCommand> create(EngineContext ctx, AtomicInteger liveGauge,
            Duration lossCheckInterval) {
        // Created now: nothing the kernel records from here on can be from before.
        return create(ctx, liveGauge, lossCheckInterval, System.nanoTime());
    }

    private static Behavior<SupervisorCommand> create(EngineContext ctx, AtomicInteger liveGauge,
            Duration lossCheckInterval, long openingNs) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startTimerAtFixedRate(SupervisorCommand.CheckLosses.INSTANCE, lossCheckInterval);
            return new ProcessSupervisor(context, ctx, liveGauge, openingNs);
        }));
    }

    @Override
    public Receive<SupervisorCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(SupervisorCommand.StreamInit.class, init -> ack(init.ackTo()))
                .onMessage(SupervisorCommand.RawBatch.class, this::onBatch)
                .onMessage(SupervisorCommand.Adopt.class, this::onAdopt)
                .onMessage(SupervisorCommand.Restore.class, this::onRestore)
                .onMessageEquals(SupervisorCommand.BacklogDeadline.INSTANCE, this::onBacklogDeadline)
                .onMessage(SupervisorCommand.Barrier.class, this::onBarrier)
                .onMessage(SupervisorCommand.Finished.class, this::onFinished)
                .onMessage(SupervisorCommand.Idle.class, this::onIdle)
                .onMessage(SupervisorCommand.HandBack.class, this::onHandBack)
                .onMessage(SupervisorCommand.StayHosted.class, this::onStayHosted)
                .onMessage(SupervisorCommand.ChildTerminated.class, this::onChildTerminated)
                .onMessageEquals(SupervisorCommand.CheckLosses.INSTANCE, this::onCheckLosses)
                .onMessage(SupervisorCommand.GoneFound.class, this::onGoneFound)
                .onMessageEquals(SupervisorCommand.StreamCompleted.INSTANCE, () -> shutdown(null))
                .onMessage(SupervisorCommand.StreamFailed.class, failed -> shutdown(failed.cause()))
                .build();
    }

    private Behavior<SupervisorCommand> ack(ActorRef<SupervisorCommand.StreamAck> to) {
        to.tell(SupervisorCommand.StreamAck.INSTANCE);
        return this;
    }

    private Behavior<SupervisorCommand> onBatch(SupervisorCommand.RawBatch batch) {
        if (!stopping) {
            for (RawEvent e : batch.events()) {
                ctx.counters().raw(e.type());
                route(e);
            }
            if (!awaitingBacklog.isEmpty() && pastBacklog(batch.events())) {
                expireBacklog("the ring's backlog has been read");
            }
            liveGauge.set(routes.size());
        }
        // Whatever the batch made come out is in the output now: it may go once the sinks have it.
        ctx.releases().handled(batch.events());
        return ack(batch.ackTo());
    }

    /**
     * The EXIT of a process nobody here knew, recorded before this detector began to open
     * its probe: from the ring's backlog (pinned mode; a fresh ring holds nothing that
     * old). The kernel sends an EXIT only for a process it followed, so a previous detector
     * followed it; it ended while none ran, and the kernel forgot it at its exit. Reported
     * with what is known (its identity, status and lifetime) if it lived the minimum duration.
     */
    private void onBacklogExit(RawEvent e) {
        ProcessLifecycle lifecycle = new ProcessLifecycle(ctx.rules(), ResidentHost.DETACHED, e.pid(),
                e.startBootTimeNs());
        runResident(e.pid(), lifecycle, l -> {
            l.startEnded(null, false);
            l.onRaw(e);
        }, e);
    }

    /**
     * Routes the processes taken over from the previous detector, before any raw event:
     * an EXIT from the ring's backlog then finds its process. The running ones are
     * followed again as reported; the ended ones wait for their EXIT, until the backlog has
     * been read or, at the latest, {@link #BACKLOG_DEADLINE}.
     */
    private Behavior<SupervisorCommand> onRestore(SupervisorCommand.Restore restore) {
        List<ProcessKey> ended = new ArrayList<>();
        for (Restored r : restore.processes()) {
            ProcessKey key = r.key();
            if (current(key.pid(), key.startBootTimeNs()) != null) {
                continue;
            }
            ProcessLifecycle lifecycle = new ProcessLifecycle(ctx.rules(), ResidentHost.DETACHED, key.pid(),
                    key.startBootTimeNs());
            routes.put(key.pid(), key.startBootTimeNs(), lifecycle);
            if (r.running()) {
                runResident(key.pid(), lifecycle, l -> l.startResumed(r.image(), r.requested(), r.recheck()), r);
            } else {
                runResident(key.pid(), lifecycle, l -> l.startEnded(r.image(), r.execReported()), r);
                ended.add(key);
            }
        }
        if (!ended.isEmpty()) {
            awaitingBacklog = ended;
            backlogEndNs = openingNs + BACKLOG_MARGIN.toNanos();
            getContext().scheduleOnce(BACKLOG_DEADLINE, getContext().getSelf(),
                    SupervisorCommand.BacklogDeadline.INSTANCE);
        }
        liveGauge.set(routes.size());
        return this;
    }

    /** Whether a raw event of the batch is from after the backlog (0: a synthetic event without a time). */
    private boolean pastBacklog(List<RawEvent> batch) {
        for (RawEvent e : batch) {
            if (e.ktimeNs() != 0 && e.ktimeNs() - backlogEndNs >= 0) {
                return true;
            }
        }
        return false;
    }

    private Behavior<SupervisorCommand> onBacklogDeadline() {
        if (!stopping && !awaitingBacklog.isEmpty()) {
            expireBacklog(BACKLOG_DEADLINE.toMinutes() + " min have passed");
        }
        return this;
    }

    /** The EXITs ended processes taken over at start were waiting for will not come: they are lost, and counted so. */
    private void expireBacklog(String why) {
        int expired = 0;
        for (ProcessKey key : awaitingBacklog) {
            Object route = routes.get(key.pid());
            if (route != null && routes.start(key.pid()) == key.startBootTimeNs()) {
                routes.remove(key.pid());
                deliver(key.pid(), route, ProcessCommand.Superseded.INSTANCE);
                expired++;
            }
        }
        awaitingBacklog = List.of();
        if (expired > 0) {
            getContext().getLog().warn("{} processes taken over at start ended while no detector ran and their EXIT"
                    + " never came ({}); counted as lost exits", expired, why);
        }
        liveGauge.set(routes.size());
    }

    private void route(RawEvent e) {
        switch (e.type()) {
            case EXEC -> onExec(e);
            case FORK -> onFork(e);
            default -> onOther(e);
        }
    }

    private void onExec(RawEvent e) {
        Object known = current(e.pid(), e.startBootTimeNs());
        if (known != null) {
            // A new image of a followed process, also when a non-leader thread exec'd: same process.
            deliver(e.pid(), known, new ProcessCommand.Raw(e));
            return;
        }
        // A new process starts as an idle lifecycle here: the first-exec rules are its own.
        // Only what then waits (its minimum duration, a /proc read) gets it an actor, so a
        // dropped exec, or one reported at once, costs no spawn.
        ProcessLifecycle lifecycle = new ProcessLifecycle(ctx.rules(), ResidentHost.DETACHED, e.pid(),
                e.startBootTimeNs());
        routes.put(e.pid(), e.startBootTimeNs(), lifecycle);
        runResident(e.pid(), lifecycle, l -> l.startFirstExec(e), e);
    }

    private void onFork(RawEvent e) {
        Object parent = routes.get(e.ppid());
        if (parent == null) {
            // The kernel followed the parent for a moment after the engine dropped it.
            ctx.counters().filtered(FilterReason.UNKNOWN_PID);
            ctx.probe().untrack(e.pid());
            return;
        }
        if (current(e.pid(), e.startBootTimeNs()) != null) {
            ctx.counters().filtered(FilterReason.UNKNOWN_PID); // a duplicate: counted where metrics show it
            return;
        }
        ActorRef<ProcessCommand> child = spawn(e.pid(), e.startBootTimeNs());
        child.tell(new ProcessCommand.StartFork(e.pid(), e.startBootTimeNs(), ForkFacts.of(e)));
        // Told in this same step, so that it reaches the parent before any later event of
        // the parent: its answer is its image as of the fork, not after a later exec.
        deliver(e.ppid(), parent, new ProcessCommand.Forked(child));
    }

    /** FILE_OPEN and EXIT: only for a process a child follows, or an EXIT from the ring's backlog. */
    private void onOther(RawEvent e) {
        Object known = current(e.pid(), e.startBootTimeNs());
        if (known == null && e.type() == RawEventType.EXIT && e.ktimeNs() != 0 && e.ktimeNs() - openingNs < 0) {
            onBacklogExit(e);
            return;
        }
        if (known == null) {
            ctx.counters().filtered(FilterReason.UNKNOWN_PID);
            return;
        }
        deliver(e.pid(), known, new ProcessCommand.Raw(e));
    }

    private Behavior<SupervisorCommand> onAdopt(SupervisorCommand.Adopt adopt) {
        if (stopping) {
            return this;
        }
        ProcessKey key = adopt.key();
        Object known = current(key.pid(), key.startBootTimeNs());
        if (known != null) {
            // Already followed since its exec was seen; a request only adds that its EXIT is due.
            if (adopt.requested()) {
                deliver(key.pid(), known, ProcessCommand.MarkRequested.INSTANCE);
            }
            return this;
        }
        spawn(key.pid(), key.startBootTimeNs()).tell(new ProcessCommand.StartAdopted(key.pid(),
                key.startBootTimeNs(), adopt.snapshot(), adopt.foundAt(), adopt.requested()));
        liveGauge.set(routes.size());
        return this;
    }

    /**
     * After the kernel lost events, some EXITs may never come: processes followed here
     * that are gone from /proc in two passes a tick apart (so not merely with an EXIT in
     * flight) are forgotten and counted as lost exits, which keeps memory bounded and the
     * loss visible. The passes read /proc on the blocking dispatcher, never here.
     */
    private Behavior<SupervisorCommand> onCheckLosses() {
        if (stopping || checking) {
            return this;
        }
        if (!suspects.isEmpty()) {
            startCheck(suspects, true);
            suspects = List.of();
            return this;
        }
        long lost = ctx.probe().counters().ringBufferLost();
        if (lost > kernelLostSeen) {
            getContext().getLog().warn("the kernel's ring buffer overflowed: {} events lost so far ({} new);"
                    + " checking the {} followed processes against /proc", lost, lost - kernelLostSeen, routes.size());
            kernelLostSeen = lost;
            List<ProcessKey> all = new ArrayList<>(routes.size());
            routes.forEach((pid, start, actor) -> all.add(new ProcessKey(pid, start)));
            startCheck(all, false);
        }
        return this;
    }

    private void startCheck(List<ProcessKey> keys, boolean confirming) {
        checking = true;
        getContext().pipeToSelf(ctx.procIo().gone(keys), (gone, failure) ->
                new SupervisorCommand.GoneFound(failure == null ? gone : List.of(), confirming));
    }

    private Behavior<SupervisorCommand> onGoneFound(SupervisorCommand.GoneFound found) {
        checking = false;
        if (!found.confirming()) {
            // Looked at again one tick later at the earliest: an EXIT in flight has arrived by then.
            suspects = found.gone();
            return this;
        }
        for (ProcessKey key : found.gone()) {
            Object route = routes.get(key.pid());
            if (route != null && routes.start(key.pid()) == key.startBootTimeNs()) {
                routes.remove(key.pid());
                deliver(key.pid(), route, ProcessCommand.Superseded.INSTANCE);
            }
        }
        liveGauge.set(routes.size());
        return this;
    }

    private Behavior<SupervisorCommand> onBarrier(SupervisorCommand.Barrier barrier) {
        barrier.replyTo().tell(Done.getInstance());
        return this;
    }

    /**
     * The route for this process, or null. A route under the same pid with another start
     * follows an older process whose EXIT the kernel lost: that one is told, and forgotten.
     */
    private Object current(int pid, long startBootTimeNs) {
        Object route = routes.get(pid);
        if (route == null) {
            return null;
        }
        long known = routes.start(pid);
        if (ProcessKey.sameStart(known, startBootTimeNs)) {
            return route;
        }
        if (startBootTimeNs > known) {
            routes.remove(pid);
            deliver(pid, route, ProcessCommand.Superseded.INSTANCE);
        }
        return null;
    }

    /**
     * Hands one input to whatever follows the process: its actor, its idle lifecycle (run
     * here, at once), or the hand-over under way, which holds it until the actor answers.
     */
    @SuppressWarnings("unchecked")
    private void deliver(int pid, Object route, ProcessCommand input) {
        if (route instanceof ProcessLifecycle lifecycle) {
            runResident(pid, lifecycle, input);
        } else if (route instanceof HandingOff handOff) {
            handOff.held().add(input);
        } else {
            ((ActorRef<ProcessCommand>) route).tell(input);
        }
    }

    /**
     * Runs one input through an idle lifecycle here; what it then asks that takes time gets
     * it an actor. @return what hosts the lifecycle now: the new actor, or the lifecycle itself
     */
    private Object runResident(int pid, ProcessLifecycle lifecycle, ProcessCommand input) {
        return runResident(pid, lifecycle, l -> {
            if (input instanceof ProcessCommand.Raw raw) {
                l.onRaw(raw.event());
            } else if (input instanceof ProcessCommand.Forked forked) {
                l.onForked(new ForkReplyTo(forked.child()));
            } else if (input == ProcessCommand.MarkRequested.INSTANCE) {
                l.onRequested();
            } else if (input == ProcessCommand.Superseded.INSTANCE) {
                l.onSuperseded();
            } else if (input == ProcessCommand.Shutdown.INSTANCE) {
                l.onShutdown();
            } else {
                throw new IllegalArgumentException("not an input of an idle process: " + input);
            }
        }, input);
    }

    /** @param what named in the log if {@code call} fails */
    private Object runResident(int pid, ProcessLifecycle lifecycle, java.util.function.Consumer<ProcessLifecycle> call,
            Object what) {
        ResidentHost host = new ResidentHost(ctx, residents, lifecycle);
        lifecycle.rehost(host);
        try {
            call.accept(lifecycle);
        } catch (RuntimeException e) {
            // A bug in handling one input must not lose the process' later events.
            ctx.counters().internalError();
            getContext().getLog().error("pid {}: failed to handle {}", pid, what, e);
        }
        ProcessCommand.Incarnate wanted = host.wanted();
        if (wanted == null || lifecycle.ended()) {
            lifecycle.rehost(ResidentHost.DETACHED);
            return lifecycle;
        }
        ActorRef<ProcessCommand> actor = spawnActor(pid);
        if (routes.get(pid) == lifecycle) {
            routes.put(pid, lifecycle.startBootTimeNs(), actor);
        }
        actor.tell(wanted);
        return actor;
    }

    /** A lifecycle the supervisor hosts is done: forgotten, unless the pid moved on already. */
    private void residentFinished(ProcessLifecycle lifecycle) {
        if (routes.get(lifecycle.pid()) == lifecycle) {
            routes.remove(lifecycle.pid());
            liveGauge.set(routes.size());
        }
    }

    private ActorRef<ProcessCommand> spawn(int pid, long startBootTimeNs) {
        ActorRef<ProcessCommand> actor = spawnActor(pid);
        routes.put(pid, startBootTimeNs, actor);
        return actor;
    }

    private ActorRef<ProcessCommand> spawnActor(int pid) {
        ActorRef<ProcessCommand> actor = Adapter.toTyped(Adapter.actorOf(getContext(), childProps));
        getContext().watchWith(actor, new SupervisorCommand.ChildTerminated(pid, actor));
        children++;
        ctx.counters().hostedProcesses(children);
        return actor;
    }

    private Behavior<SupervisorCommand> onFinished(SupervisorCommand.Finished done) {
        HandingOff handOff = handingOff.remove(done.actor());
        if (handOff != null) {
            // It ended after saying it was idle: what was held for it goes to it, to be counted.
            if (routes.get(done.pid()) == handOff) {
                routes.remove(done.pid());
                liveGauge.set(routes.size());
            }
            handOff.held().forEach(done.actor()::tell);
        }
        forget(done.pid(), done.actor());
        // Routed nothing more from here on: the child's mailbox holds all it will get.
        done.actor().tell(ProcessCommand.Stop.INSTANCE);
        return this;
    }

    /** Passivation, step 1: the actor's lifecycle is idle; its inputs wait here from now on. */
    private Behavior<SupervisorCommand> onIdle(SupervisorCommand.Idle idle) {
        if (stopping || !idle.actor().equals(routes.get(idle.pid()))) {
            return this; // stale: the pid moved on, or a hand-over is under way already
        }
        HandingOff handOff = new HandingOff(idle.actor(), new ArrayList<>(2));
        routes.put(idle.pid(), routes.start(idle.pid()), handOff);
        handingOff.put(idle.actor(), handOff);
        idle.actor().tell(ProcessCommand.Passivate.INSTANCE);
        return this;
    }

    /** Passivation, step 2: the lifecycle is back; what came meanwhile is run through it in order. */
    @SuppressWarnings("unchecked")
    private Behavior<SupervisorCommand> onHandBack(SupervisorCommand.HandBack back) {
        HandingOff handOff = handingOff.remove(back.actor());
        ProcessLifecycle lifecycle = back.lifecycle();
        // Lets go of the actor that hosted it, which has stopped.
        lifecycle.rehost(ResidentHost.DETACHED);
        List<ProcessCommand> held = new ArrayList<>(handOff == null ? List.of() : handOff.held());
        if (stopping) {
            // Its actor stopped before the shutdown reached it: the lifecycle gets it here.
            held.add(ProcessCommand.Shutdown.INSTANCE);
        } else if (handOff != null && routes.get(back.pid()) == handOff) {
            routes.put(back.pid(), routes.start(back.pid()), lifecycle);
        }
        // Unless routed above, the pid moved on meanwhile (a new process, or gone): the
        // lifecycle still gets what was held for it, a Superseded among it.
        Object host = lifecycle;
        for (ProcessCommand input : held) {
            if (host instanceof ProcessLifecycle resident) {
                host = runResident(back.pid(), resident, input);
            } else {
                // An input asked for an actor again: the rest follow it there, in order.
                ((ActorRef<ProcessCommand>) host).tell(input);
            }
        }
        return this;
    }

    /** Passivation, the other answer: the lifecycle has something to wait on again and stays with its actor. */
    private Behavior<SupervisorCommand> onStayHosted(SupervisorCommand.StayHosted stay) {
        HandingOff handOff = handingOff.remove(stay.actor());
        if (handOff == null) {
            return this;
        }
        if (routes.get(stay.pid()) == handOff) {
            routes.put(stay.pid(), routes.start(stay.pid()), stay.actor());
        }
        handOff.held().forEach(stay.actor()::tell);
        return this;
    }

    private Behavior<SupervisorCommand> onChildTerminated(SupervisorCommand.ChildTerminated terminated) {
        // Normally forgotten at its Passivate already; this covers a child that stopped otherwise.
        forget(terminated.pid(), terminated.actor());
        children--;
        ctx.counters().hostedProcesses(children);
        return stopping && children == 0 ? finish() : this;
    }

    private void forget(int pid, ActorRef<ProcessCommand> actor) {
        Object known = routes.get(pid);
        if (known != null && known.equals(actor)) {
            routes.remove(pid);
            liveGauge.set(routes.size());
        }
    }

    /**
     * The stream ended (or failed): every child hands out what it may and stops, and only
     * then does the output end, so that no event already routed is cut off.
     */
    private Behavior<SupervisorCommand> shutdown(Throwable cause) {
        if (stopping) {
            return this;
        }
        stopping = true;
        failure = cause;
        List<ProcessLifecycle> residentsLeft = new ArrayList<>();
        routes.forEach((pid, start, route) -> {
            if (route instanceof ProcessLifecycle lifecycle) {
                residentsLeft.add(lifecycle);
            }
        });
        for (ProcessLifecycle lifecycle : residentsLeft) {
            runResident(lifecycle.pid(), lifecycle, ProcessCommand.Shutdown.INSTANCE);
        }
        routes.clear();
        liveGauge.set(0);
        for (ActorRef<Void> child : getContext().getChildren()) {
            @SuppressWarnings("unchecked")
            ActorRef<ProcessCommand> actor = (ActorRef<ProcessCommand>) (ActorRef<?>) child;
            actor.tell(ProcessCommand.Shutdown.INSTANCE);
        }
        return children == 0 ? finish() : this;
    }

    private Behavior<SupervisorCommand> finish() {
        if (failure != null) {
            ctx.output().fail(failure);
        } else {
            ctx.output().complete();
        }
        return Behaviors.stopped();
    }
}
