package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.probe.RawEvent;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
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

        Entry(ProcessKey key, ActorRef<ProcessCommand> actor, boolean envCheck, String exeLink) {
            this.key = key;
            this.actor = actor;
            this.envCheck = envCheck;
            this.exeLink = exeLink;
        }
    }

    private final EngineContext ctx;
    private final Map<Integer, Entry> live = new HashMap<>();
    private final AtomicInteger liveGauge;
    private int stoppingChildren = -1;
    private Throwable failure;

    private ProcessSupervisor(ActorContext<SupervisorCommand> context, EngineContext ctx, AtomicInteger liveGauge) {
        super(context);
        this.ctx = ctx;
        this.liveGauge = liveGauge;
    }

    /** @param liveGauge set to the number of processes followed, for metrics read from other threads */
    public static Behavior<SupervisorCommand> create(EngineContext ctx, AtomicInteger liveGauge) {
        return Behaviors.setup(context -> new ProcessSupervisor(context, ctx, liveGauge));
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
        if (ctx.filter().excluded(e.filename(), ctx.proc().exePath(e.pid()))) {
            // Decided here, not in the actor, so that a child it forks meanwhile finds no
            // parent and is judged on its own exec, as when the kernel excludes by path.
            ctx.counters().filtered(FilterReason.EXCLUDED_EXE);
            ctx.untrack(key);
            return;
        }
        boolean envCheck = ctx.filter().envPrefixConfigured() && !e.has(RawEvent.FLAG_ENV_MATCH);
        spawn(key, new ProcessStart.Exec(e, envCheck), envCheck, e.filename());
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
            ctx.counters().duplicateOrOutOfOrder();
            return;
        }
        ProcessKey key = new ProcessKey(e.pid(), e.startBootTimeNs());
        spawn(key, new ProcessStart.Fork(e, parent.envCheck, parent.exeLink), parent.envCheck, parent.exeLink);
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
                known.actor.tell(ProcessCommand.MarkRequested.INSTANCE);
            }
            return this;
        }
        spawn(adopt.key(), new ProcessStart.Adopted(adopt.snapshot(), adopt.foundAt(), adopt.requested()),
                false, "");
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

    private void spawn(ProcessKey key, ProcessStart start, boolean envCheck, String exeLink) {
        Behavior<ProcessCommand> behavior = Behaviors.supervise(
                ProcessActor.create(key, start, ctx, getContext().getSelf()))
                // A bug in handling one event must not lose the process' later events.
                .onFailure(SupervisorStrategy.resume().withLoggingEnabled(true));
        ActorRef<ProcessCommand> actor = getContext().spawnAnonymous(behavior);
        live.put(key.pid(), new Entry(key, actor, envCheck, exeLink));
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
