package io.runtimedetector.engine;

import io.runtimedetector.event.ProcessEvent;
import java.time.Duration;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ExtensibleBehavior;
import org.apache.pekko.actor.typed.Signal;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One process while it waits on something: hosts its {@link ProcessLifecycle}, the only
 * owner of the process' state, and gives it what takes an actor: messages, a timer, /proc
 * reads piped back from the blocking dispatcher, and the hand-shakes that end the hosting.
 *
 * <p>It never stops on its own (except at shutdown). When its process is done it tells
 * the supervisor and keeps counting late inputs until the supervisor, which then routes
 * nothing more to it, sends {@link ProcessCommand.Stop}. When its lifecycle becomes idle
 * it tells the supervisor, which holds the process' inputs and asks for the lifecycle
 * ({@link ProcessCommand.Passivate}); the actor hands it back if it is still idle, and
 * stops. So no event is lost to dead letters uncounted, and none overtakes another.
 *
 * <p>A plain {@link ExtensibleBehavior}: with a hundred thousand processes followed, the
 * per-actor handler tables of a receive builder would cost more than the process' state.
 */
final class ProcessActor extends ExtensibleBehavior<ProcessCommand> implements ProcessLifecycle.Host {

    private static final Logger LOG = LoggerFactory.getLogger(ProcessActor.class);

    /** What every child of one supervisor shares. */
    record Shared(EngineContext ctx, ActorRef<SupervisorCommand> supervisor) {
    }

    private final ActorContext<ProcessCommand> context;
    private final Shared shared;
    private ProcessLifecycle lifecycle;
    /** The minimum-duration timer while one runs, else null. */
    private Cancellable timer;

    private ProcessActor(ActorContext<ProcessCommand> context, Shared shared) {
        this.context = context;
        this.shared = shared;
    }

    /**
     * The behaviour of every process actor of one supervisor: one instance, holding
     * nothing of any process; each learns its process from its first message.
     */
    static Behavior<ProcessCommand> behavior(Shared shared) {
        return Behaviors.setup(context -> new ProcessActor(context, shared));
    }

    @Override
    public Behavior<ProcessCommand> receive(TypedActorContext<ProcessCommand> ignored, ProcessCommand msg) {
        if (msg == ProcessCommand.Stop.INSTANCE) {
            // The supervisor routes nothing more here: whatever was sent is handled by now.
            cancelTimer();
            return Behaviors.stopped();
        }
        if (msg == ProcessCommand.Passivate.INSTANCE) {
            return passivate();
        }
        boolean wasIdle = lifecycle != null && lifecycle.idle();
        try {
            handle(msg);
        } catch (RuntimeException e) {
            // A bug in handling one input must not lose the process' later events.
            shared.ctx().counters().internalError();
            LOG.error("pid {}: failed to handle {}", lifecycle == null ? -1 : lifecycle.pid(), msg, e);
        }
        if (lifecycle != null && !wasIdle && lifecycle.idle()) {
            shared.supervisor().tell(new SupervisorCommand.Idle(lifecycle.pid(), context.getSelf()));
        }
        // No flag of its own for this: with a hundred thousand processes followed, a
        // boolean here would cost a whole 8-byte alignment slot per actor.
        return lifecycle != null && lifecycle.shutDown() ? Behaviors.stopped() : this;
    }

    /**
     * The supervisor holds this process' inputs from now on: the lifecycle goes back to it
     * if it is still idle (nothing it waits on can reach this actor any more), else it stays.
     */
    private Behavior<ProcessCommand> passivate() {
        if (lifecycle != null && lifecycle.idle()) {
            cancelTimer();
            shared.supervisor().tell(new SupervisorCommand.HandBack(lifecycle.pid(), context.getSelf(), lifecycle));
            return Behaviors.stopped();
        }
        shared.supervisor().tell(new SupervisorCommand.StayHosted(lifecycle == null ? -1 : lifecycle.pid(),
                context.getSelf()));
        return this;
    }

    @Override
    public Behavior<ProcessCommand> receiveSignal(TypedActorContext<ProcessCommand> ignored, Signal signal) {
        return this;
    }

    private void handle(ProcessCommand msg) {
        if (msg instanceof ProcessCommand.Start start) {
            begin(start);
            return;
        }
        if (msg instanceof ProcessCommand.Incarnate incarnate) {
            incarnate(incarnate);
            return;
        }
        if (lifecycle == null) {
            throw new IllegalStateException("no Start message before " + msg);
        }
        if (msg instanceof ProcessCommand.Raw raw) {
            lifecycle.onRaw(raw.event());
        } else if (msg instanceof ProcessCommand.ProcRead read) {
            lifecycle.onProcRead(read.snapshot());
        } else if (msg instanceof ProcessCommand.Forked forked) {
            lifecycle.onForked(new ForkReplyTo(forked.child()));
        } else if (msg instanceof ProcessCommand.ParentImage parent) {
            lifecycle.onParentImage(parent.image(), parent.requested());
        } else if (msg instanceof ProcessCommand.ParentDropped dropped) {
            lifecycle.onParentDropped(dropped.reason());
        } else if (msg == ProcessCommand.MinDurationReached.INSTANCE) {
            timer = null;
            lifecycle.onMinDuration();
        } else if (msg == ProcessCommand.MarkRequested.INSTANCE) {
            lifecycle.onRequested();
        } else if (msg == ProcessCommand.Superseded.INSTANCE) {
            lifecycle.onSuperseded();
        } else if (msg == ProcessCommand.Shutdown.INSTANCE) {
            lifecycle.onShutdown();
        } else {
            throw new IllegalArgumentException("unexpected " + msg);
        }
    }

    private void begin(ProcessCommand.Start start) {
        if (lifecycle != null) {
            throw new IllegalStateException("a second start: " + start);
        }
        lifecycle = new ProcessLifecycle(shared.ctx().rules(), this, start.pid(), start.startBootTimeNs());
        if (start instanceof ProcessCommand.StartFork fork) {
            lifecycle.startFork(fork.facts());
        } else if (start instanceof ProcessCommand.StartAdopted adopted) {
            lifecycle.startAdopted(adopted.snapshot(), adopted.foundAt(), adopted.requested());
        }
    }

    /** Hosts a lifecycle the supervisor hosted, and does what it asked for. */
    private void incarnate(ProcessCommand.Incarnate incarnate) {
        if (lifecycle != null) {
            throw new IllegalStateException("an incarnation of a hosting actor: " + incarnate);
        }
        lifecycle = incarnate.lifecycle();
        lifecycle.rehost(this);
        if (incarnate.read() != null) {
            readProc(incarnate.read(), incarnate.execPath());
        } else {
            startTimer(incarnate.timer());
        }
    }

    private ProcessKey key() {
        return new ProcessKey(lifecycle.pid(), lifecycle.startBootTimeNs());
    }

    // ---- ProcessLifecycle.Host ----

    @Override
    public void emit(ProcessEvent event) {
        shared.ctx().output().emit(event);
    }

    @Override
    public void startTimer(Duration delay) {
        cancelTimer();
        timer = context.scheduleOnce(delay, context.getSelf(), ProcessCommand.MinDurationReached.INSTANCE);
    }

    @Override
    public void cancelTimer() {
        if (timer != null) {
            timer.cancel();
            timer = null;
        }
    }

    @Override
    public void readProc(ProcRequest request, String execPath) {
        int pid = lifecycle.pid();
        context.pipeToSelf(shared.ctx().procIo().read(key(), request, execPath), (snapshot, failure) -> {
            if (failure != null) {
                shared.ctx().counters().procReadError();
                LOG.warn("pid {}: /proc read failed: {}", pid, failure.toString());
                return new ProcessCommand.ProcRead(ProcSnapshot.gone());
            }
            return new ProcessCommand.ProcRead(snapshot);
        });
    }

    @Override
    public boolean track() {
        return shared.ctx().probe().track(lifecycle.pid(), lifecycle.startBootTimeNs());
    }

    @Override
    public void untrack() {
        shared.ctx().procIo().untrack(key());
    }

    @Override
    public void finished() {
        shared.supervisor().tell(new SupervisorCommand.Finished(lifecycle.pid(), context.getSelf()));
    }
}
