package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.probe.RawEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Routes raw events to one {@link ProcessActor} per live process and spawns those
 * actors. Processes are keyed by pid plus start time, so a reused pid never reaches the
 * actor of the process that had it before; an actor is forgotten as soon as it reports
 * that its process ended, which keeps memory bounded by the processes alive now.
 *
 * <p>Raw events come in batches from the probe's stream, acknowledged one batch at a
 * time: that ack is the stream's backpressure. At the end of the stream every actor
 * gets a chance to hand out what it holds before the output completes.
 */
public final class ProcessSupervisor extends AbstractBehavior<SupervisorCommand> {

    /** What the supervisor knows of a live process: enough to route and to start a forked child. */
    private static final class Entry {
        final ProcessKey key;
        final ActorRef<ProcessCommand> actor;
        /** The prefix was never established for this process: its forks need the /proc check too. */
        final boolean envCheck;
        /** Path given to the newest exec: the exe link of a child forked now. */
        String exeLink;
        /** What that exec resolved to, "" when unknown: tells whether a child still runs it. */
        String exePath;
        /** Followed on request, itself or an ancestor: its children are too. */
        boolean requested;
        /** Found gone by a resync after a kernel loss; forgotten if still so at the next one. */
        boolean seenGone;

        Entry(ProcessKey key, ActorRef<ProcessCommand> actor, boolean envCheck, String exeLink, String exePath,
                boolean requested) {
            this.key = key;
            this.actor = actor;
            this.envCheck = envCheck;
            this.exeLink = exeLink;
            this.exePath = exePath;
            this.requested = requested;
        }
    }

    /** Defined in the engine's reference.conf. */
    public static final String ENGINE_DISPATCHER = "runtime-detector.engine-dispatcher";

    /** How often the kernel's loss counter is checked. */
    public static final Duration LOSS_CHECK_INTERVAL = Duration.ofSeconds(5);

    private final EngineContext ctx;
    private final Map<Integer, Entry> live = new HashMap<>();
    private final AtomicInteger liveGauge;
    private static final int CHECKS_PER_TICK = 4096;

    private long kernelLostSeen;
    /** Pids still to compare with /proc in the current pass after a loss. */
    private final ArrayDeque<Integer> toCheck = new ArrayDeque<>();
    /** Pids found gone in this pass, to look at again in the next. */
    private final List<Integer> suspects = new ArrayList<>();
    private int stoppingChildren = -1;
    private Throwable failure;

    private final Props childProps;

    private ProcessSupervisor(ActorContext<SupervisorCommand> context, EngineContext ctx, AtomicInteger liveGauge) {
        super(context);
        this.ctx = ctx;
        this.liveGauge = liveGauge;
        this.childProps = engineDispatcher(context.getSystem());
    }

    /** Where the engine's actors run: its own dispatcher when the system's config has it. */
    public static Props engineDispatcher(ActorSystem<?> system) {
        return system.settings().config().hasPath(ENGINE_DISPATCHER)
                ? DispatcherSelector.fromConfig(ENGINE_DISPATCHER) : Props.empty();
    }

    /** @param liveGauge set to the number of processes followed, for metrics read from other threads */
    public static Behavior<SupervisorCommand> create(EngineContext ctx, AtomicInteger liveGauge) {
        return create(ctx, liveGauge, LOSS_CHECK_INTERVAL);
    }

    /** @param lossCheckInterval how often to look for events the kernel lost */
    public static Behavior<SupervisorCommand> create(EngineContext ctx, AtomicInteger liveGauge,
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
                .onMessage(SupervisorCommand.ProcessEnded.class, this::onProcessEnded)
                .onMessage(SupervisorCommand.ChildStopped.class, this::onChildStopped)
                .onMessageEquals(SupervisorCommand.CheckLosses.INSTANCE, this::onCheckLosses)
                .onMessageEquals(SupervisorCommand.StreamCompleted.INSTANCE, () -> shutdown(null))
                .onMessage(SupervisorCommand.StreamFailed.class, failed -> shutdown(failed.cause()))
                .build();
    }

    private Behavior<SupervisorCommand> ack(ActorRef<SupervisorCommand.StreamAck> to) {
        to.tell(SupervisorCommand.StreamAck.INSTANCE);
        return this;
    }

    private Behavior<SupervisorCommand> onBatch(SupervisorCommand.RawBatch batch) {
        if (stoppingChildren < 0) {
            for (RawEvent e : batch.events()) {
                ctx.counters().raw(e.type());
                route(e);
            }
            liveGauge.set(live.size());
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
        Entry known = current(e.pid(), e.startBootTimeNs());
        if (known != null) {
            // A new image of a followed process, also when a non-leader thread exec'd: same key.
            if (!e.has(RawEvent.FLAG_EXCLUDED)) {
                known.exeLink = e.filename();
                known.exePath = ctx.proc().exePath(e.pid());
            }
            known.actor.tell(new ProcessCommand.Raw(e));
            return;
        }
        if (e.has(RawEvent.FLAG_EXCLUDED)) {
            // The kernel still follows it for an EXIT the engine no longer expects.
            ctx.counters().filtered(FilterReason.EXCLUDED_EXE);
            ctx.probe().untrack(e.pid());
            return;
        }
        ProcessKey key = new ProcessKey(e.pid(), e.startBootTimeNs());
        String exePath = ctx.proc().exePath(e.pid());
        if (ctx.filter().excluded(e.filename(), exePath)) {
            // Decided here, not in the actor, so that a child it forks meanwhile finds no
            // parent and is judged on its own exec, as when the kernel excludes by path.
            ctx.counters().filtered(FilterReason.EXCLUDED_EXE);
            ctx.untrack(key);
            return;
        }
        boolean envCheck = ctx.filter().envPrefixConfigured() && !e.has(RawEvent.FLAG_ENV_MATCH);
        spawn(key, new ProcessStart.Exec(e, envCheck, exePath), envCheck, e.filename(), exePath, false);
    }

    private void onFork(RawEvent e) {
        Entry parent = live.get(e.ppid());
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
        ProcessKey key = new ProcessKey(e.pid(), e.startBootTimeNs());
        spawn(key, new ProcessStart.Fork(e, parent.envCheck, parent.exeLink, parent.exePath, parent.requested),
                parent.envCheck, parent.exeLink, parent.exePath, parent.requested);
    }

    /** FILE_OPEN and EXIT: only for a process an actor follows. */
    private void onOther(RawEvent e) {
        Entry known = current(e.pid(), e.startBootTimeNs());
        if (known == null) {
            ctx.counters().filtered(FilterReason.UNKNOWN_PID);
            return;
        }
        known.actor.tell(new ProcessCommand.Raw(e));
    }

    private Behavior<SupervisorCommand> onAdopt(SupervisorCommand.Adopt adopt) {
        if (stoppingChildren >= 0) {
            return this;
        }
        Entry known = current(adopt.key().pid(), adopt.key().startBootTimeNs());
        if (known != null) {
            // Already followed since its exec was seen; a request only adds that its EXIT is due.
            if (adopt.requested()) {
                known.requested = true;
                known.actor.tell(ProcessCommand.MarkRequested.INSTANCE);
            }
            return this;
        }
        spawn(adopt.key(), new ProcessStart.Adopted(adopt.snapshot(), adopt.foundAt(), adopt.requested()),
                false, "", adopt.snapshot().exePath(), adopt.requested());
        liveGauge.set(live.size());
        return this;
    }

    /**
     * After the kernel lost events, some EXITs may never come: processes followed here
     * that are gone from /proc twice in a row (so not merely with an EXIT in flight) are
     * forgotten and counted as lost exits, which keeps memory bounded and the loss visible.
     * At most {@link #CHECKS_PER_TICK} are looked at per tick, so that with 100 000
     * processes followed the check never stalls the routing of new events.
     */
    private Behavior<SupervisorCommand> onCheckLosses() {
        if (stoppingChildren >= 0) {
            return this;
        }
        long lost = ctx.probe().counters().ringBufferLost();
        if (lost > kernelLostSeen) {
            getContext().getLog().warn("the kernel's ring buffer overflowed: {} events lost so far ({} new);"
                    + " checking the {} followed processes against /proc", lost, lost - kernelLostSeen, live.size());
            kernelLostSeen = lost;
            if (toCheck.isEmpty()) {
                toCheck.addAll(live.keySet());
            }
        }
        int checked = 0;
        while (checked < CHECKS_PER_TICK && !toCheck.isEmpty()) {
            Entry entry = live.get(toCheck.poll());
            if (entry == null) {
                continue;
            }
            checked++;
            if (ctx.proc().isAlive(entry.key)) {
                entry.seenGone = false;
            } else if (entry.seenGone) {
                live.remove(entry.key.pid());
                entry.actor.tell(ProcessCommand.Superseded.INSTANCE);
            } else {
                entry.seenGone = true;
                suspects.add(entry.key.pid());
            }
        }
        if (toCheck.isEmpty() && !suspects.isEmpty()) {
            // Looked at again one tick later at the earliest: an EXIT in flight has arrived by then.
            toCheck.addAll(suspects);
            suspects.clear();
        }
        liveGauge.set(live.size());
        return this;
    }

    private Behavior<SupervisorCommand> onBarrier(SupervisorCommand.Barrier barrier) {
        barrier.replyTo().tell(Done.getInstance());
        return this;
    }

    /**
     * The entry for this process, or null. An entry under the same pid with another
     * start is an older process whose EXIT the kernel lost: that actor is told, and
     * the entry forgotten.
     */
    private Entry current(int pid, long startBootTimeNs) {
        Entry entry = live.get(pid);
        if (entry == null) {
            return null;
        }
        if (entry.key.sameProcess(pid, startBootTimeNs)) {
            return entry;
        }
        if (startBootTimeNs > entry.key.startBootTimeNs()) {
            live.remove(pid);
            entry.actor.tell(ProcessCommand.Superseded.INSTANCE);
        }
        return null;
    }

    private void spawn(ProcessKey key, ProcessStart start, boolean envCheck, String exeLink, String exePath,
            boolean requested) {
        Behavior<ProcessCommand> behavior = Behaviors.supervise(
                ProcessActor.create(key, start, ctx, getContext().getSelf()))
                // A bug in handling one event must not lose the process' later events.
                .onFailure(SupervisorStrategy.resume().withLoggingEnabled(true));
        ActorRef<ProcessCommand> actor = getContext().spawnAnonymous(behavior, childProps);
        live.put(key.pid(), new Entry(key, actor, envCheck, exeLink, exePath, requested));
    }

    private Behavior<SupervisorCommand> onProcessEnded(SupervisorCommand.ProcessEnded ended) {
        Entry entry = live.get(ended.key().pid());
        if (entry != null && entry.actor.equals(ended.actor())) {
            live.remove(ended.key().pid());
            liveGauge.set(live.size());
        }
        // Routed nothing more from here on: the actor's mailbox holds all it will get.
        ended.actor().tell(ProcessCommand.Stop.INSTANCE);
        return this;
    }

    /**
     * The stream ended (or failed): every actor hands out what it may and stops, and only
     * then does the output end, so that no event already routed is cut off.
     */
    private Behavior<SupervisorCommand> shutdown(Throwable cause) {
        if (stoppingChildren >= 0) {
            return this;
        }
        failure = cause;
        live.clear();
        liveGauge.set(0);
        stoppingChildren = 0;
        for (ActorRef<Void> child : getContext().getChildren()) {
            @SuppressWarnings("unchecked")
            ActorRef<ProcessCommand> actor = (ActorRef<ProcessCommand>) (ActorRef<?>) child;
            getContext().watchWith(actor, new SupervisorCommand.ChildStopped(null, actor));
            actor.tell(ProcessCommand.Shutdown.INSTANCE);
            stoppingChildren++;
        }
        return stoppingChildren == 0 ? finish() : this;
    }

    private Behavior<SupervisorCommand> onChildStopped(SupervisorCommand.ChildStopped stopped) {
        if (stoppingChildren > 0 && --stoppingChildren == 0) {
            return finish();
        }
        return this;
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
