package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.probe.RawEvent;
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
 * Routes raw events to one {@link ProcessActor} per live process, in the manner of a
 * device group: a map from pid to the child that follows the process holding it now
 * (with its start time, since pids are reused), a child spawned per new process and
 * watched, so that the map never outlives the children. It decides nothing about a
 * process except what needs no I/O (the kernel's exclusion verdict and exe path) and
 * never reads /proc: that is the children's business, off this thread.
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

    private final EngineContext ctx;
    private final AtomicInteger liveGauge;
    /** Where a pid's events go: the child following the process that holds it, with that process' start. */
    private final PidRoutes<ActorRef<ProcessCommand>> routes = new PidRoutes<>();
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

    private ProcessSupervisor(ActorContext<SupervisorCommand> context, EngineContext ctx, AtomicInteger liveGauge) {
        super(context);
        this.ctx = ctx;
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

    /** @param lossCheckInterval how often to look for events the kernel lost */
    static Behavior<SupervisorCommand> create(EngineContext ctx, AtomicInteger liveGauge,
            Duration lossCheckInterval) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            timers.startTimerAtFixedRate(SupervisorCommand.CheckLosses.INSTANCE, lossCheckInterval);
            return new ProcessSupervisor(context, ctx, liveGauge);
        }));
    }

    @Override
    public Receive<SupervisorCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(SupervisorCommand.StreamInit.class, init -> ack(init.ackTo()))
                .onMessage(SupervisorCommand.RawBatch.class, this::onBatch)
                .onMessage(SupervisorCommand.Adopt.class, this::onAdopt)
                .onMessage(SupervisorCommand.Barrier.class, this::onBarrier)
                .onMessage(SupervisorCommand.Passivate.class, this::onPassivate)
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
            liveGauge.set(routes.size());
        }
        return ack(batch.ackTo());
    }

    private void route(RawEvent e) {
        switch (e.type()) {
            case EXEC -> onExec(e);
            case FORK -> onFork(e);
            default -> onOther(e);
        }
    }

    private void onExec(RawEvent e) {
        ActorRef<ProcessCommand> known = current(e.pid(), e.startBootTimeNs());
        if (known != null) {
            // A new image of a followed process, also when a non-leader thread exec'd: same process.
            known.tell(new ProcessCommand.Raw(e));
            return;
        }
        if (e.has(RawEvent.FLAG_EXCLUDED)) {
            // The kernel still follows it for an EXIT the engine no longer expects.
            ctx.counters().filtered(FilterReason.EXCLUDED_EXE);
            ctx.probe().untrack(e.pid());
            return;
        }
        if (ctx.filter().excluded(e.filename(), e.exePath())) {
            // Decided here when the kernel's path tells, so that a child it forks meanwhile
            // finds no parent and is judged on its own exec, as when the kernel excludes.
            ctx.counters().filtered(FilterReason.EXCLUDED_EXE);
            ctx.procIo().untrack(new ProcessKey(e.pid(), e.startBootTimeNs()));
            return;
        }
        boolean envCheck = ctx.filter().envPrefixConfigured() && !e.has(RawEvent.FLAG_ENV_MATCH);
        spawn(e.pid(), e.startBootTimeNs()).tell(new ProcessCommand.StartExec(e, envCheck));
    }

    private void onFork(RawEvent e) {
        ActorRef<ProcessCommand> parent = routes.get(e.ppid());
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
        parent.tell(new ProcessCommand.Forked(child));
    }

    /** FILE_OPEN and EXIT: only for a process a child follows. */
    private void onOther(RawEvent e) {
        ActorRef<ProcessCommand> known = current(e.pid(), e.startBootTimeNs());
        if (known == null) {
            ctx.counters().filtered(FilterReason.UNKNOWN_PID);
            return;
        }
        known.tell(new ProcessCommand.Raw(e));
    }

    private Behavior<SupervisorCommand> onAdopt(SupervisorCommand.Adopt adopt) {
        if (stopping) {
            return this;
        }
        ProcessKey key = adopt.key();
        ActorRef<ProcessCommand> known = current(key.pid(), key.startBootTimeNs());
        if (known != null) {
            // Already followed since its exec was seen; a request only adds that its EXIT is due.
            if (adopt.requested()) {
                known.tell(ProcessCommand.MarkRequested.INSTANCE);
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
            ActorRef<ProcessCommand> actor = routes.get(key.pid());
            if (actor != null && routes.start(key.pid()) == key.startBootTimeNs()) {
                routes.remove(key.pid());
                actor.tell(ProcessCommand.Superseded.INSTANCE);
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
     * The child for this process, or null. A child under the same pid with another start
     * follows an older process whose EXIT the kernel lost: that child is told, and forgotten.
     */
    private ActorRef<ProcessCommand> current(int pid, long startBootTimeNs) {
        ActorRef<ProcessCommand> actor = routes.get(pid);
        if (actor == null) {
            return null;
        }
        long known = routes.start(pid);
        if (ProcessKey.sameStart(known, startBootTimeNs)) {
            return actor;
        }
        if (startBootTimeNs > known) {
            routes.remove(pid);
            actor.tell(ProcessCommand.Superseded.INSTANCE);
        }
        return null;
    }

    private ActorRef<ProcessCommand> spawn(int pid, long startBootTimeNs) {
        ActorRef<ProcessCommand> actor = Adapter.toTyped(Adapter.actorOf(getContext(), childProps));
        getContext().watchWith(actor, new SupervisorCommand.ChildTerminated(pid, actor));
        routes.put(pid, startBootTimeNs, actor);
        children++;
        return actor;
    }

    private Behavior<SupervisorCommand> onPassivate(SupervisorCommand.Passivate done) {
        forget(done.pid(), done.actor());
        // Routed nothing more from here on: the child's mailbox holds all it will get.
        done.actor().tell(ProcessCommand.Stop.INSTANCE);
        return this;
    }

    private Behavior<SupervisorCommand> onChildTerminated(SupervisorCommand.ChildTerminated terminated) {
        // Normally forgotten at its Passivate already; this covers a child that stopped otherwise.
        forget(terminated.pid(), terminated.actor());
        children--;
        return stopping && children == 0 ? finish() : this;
    }

    private void forget(int pid, ActorRef<ProcessCommand> actor) {
        ActorRef<ProcessCommand> known = routes.get(pid);
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
