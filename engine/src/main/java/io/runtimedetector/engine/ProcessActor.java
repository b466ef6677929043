package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ExitInfo;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * One process, from the event that made it known until its EXIT. It decides whether the
 * process is reported, holds its events back until it has lived the minimum duration,
 * and emits them in the order they happened.
 *
 * <p>It never stops on its own (except at shutdown): it tells the supervisor it is done
 * and absorbs late raw events until the supervisor, which then routes nothing more to
 * it, sends {@link ProcessCommand.Stop}. So no event is lost to dead letters uncounted.
 */
public final class ProcessActor extends AbstractBehavior<ProcessCommand> {

    private enum Phase {
        /** Waiting for the minimum duration; events are held. */
        PENDING,
        /** Reported (or followed on request): events go out as they come. */
        REPORTED,
        /** Done; waiting for the supervisor's Stop. */
        ENDED
    }

    private final ProcessKey key;
    private final EngineContext ctx;
    private final ActorRef<SupervisorCommand> supervisor;
    private final TimerScheduler<ProcessCommand> timers;
    private final PendingEvents pending;

    private Phase phase = Phase.PENDING;
    /** The newest image the process runs that is not excluded. */
    private ProcessInfo image;
    /** The image its last emitted EXEC or FORK described: what its EXIT describes. */
    private ProcessInfo reportedImage;
    /** Followed on the user's request: its EXIT is reported even without an EXEC. */
    private boolean requested;
    /** False when the kernel could not track it (map full): no FILE_OPEN or EXIT will come. */
    private boolean followable = true;
    /** A reported process that now runs an excluded executable: its events until the next exec are not. */
    private boolean runsExcluded;
    /** Found by the scan and not reported yet: when /proc was read, else null. */
    private Instant adoptedAt;

    private ProcessActor(ActorContext<ProcessCommand> context, TimerScheduler<ProcessCommand> timers,
            ProcessKey key, EngineContext ctx, ActorRef<SupervisorCommand> supervisor) {
        super(context);
        this.timers = timers;
        this.key = key;
        this.ctx = ctx;
        this.supervisor = supervisor;
        this.pending = new PendingEvents(ctx.pendingLimit());
    }

    public static Behavior<ProcessCommand> create(ProcessKey key, ProcessStart start, EngineContext ctx,
            ActorRef<SupervisorCommand> supervisor) {
        return Behaviors.setup(context -> Behaviors.withTimers(
                timers -> new ProcessActor(context, timers, key, ctx, supervisor).begin(start)));
    }

    @Override
    public Receive<ProcessCommand> createReceive() {
        return newReceiveBuilder()
                .onMessage(ProcessCommand.Raw.class, raw -> onRaw(raw.event()))
                .onMessageEquals(ProcessCommand.MinDurationReached.INSTANCE, this::onMinDuration)
                .onMessageEquals(ProcessCommand.MarkRequested.INSTANCE, this::onRequested)
                .onMessageEquals(ProcessCommand.Superseded.INSTANCE, this::onSuperseded)
                .onMessageEquals(ProcessCommand.Shutdown.INSTANCE, Behaviors::stopped)
                .onMessageEquals(ProcessCommand.Stop.INSTANCE, Behaviors::stopped)
                .build();
    }

    private Behavior<ProcessCommand> begin(ProcessStart start) {
        if (start instanceof ProcessStart.Exec exec) {
            return beginExec(exec.event(), exec.envCheck(), exec.exePath());
        }
        if (start instanceof ProcessStart.Fork fork) {
            return beginFork(fork);
        }
        return beginAdopted((ProcessStart.Adopted) start);
    }

    private Behavior<ProcessCommand> beginExec(RawEvent e, boolean envCheck, String exePath) {
        followable = !e.has(RawEvent.FLAG_TRACK_FULL);
        ProcSnapshot s = ctx.proc().read(key, envCheck, exePath, !e.has(RawEvent.FLAG_ARGS_TRUNCATED));
        Optional<FilterReason> verdict = ctx.filter().judge(e.filename(), s, e.has(RawEvent.FLAG_EXCLUDED), envCheck);
        if (verdict.isPresent()) {
            return drop(verdict.get());
        }
        image = ctx.images().describe(key, s, e.filename(), e);
        Instant at = ctx.clock().eventTime(e.ktimeNs());
        pending.add(event(EventType.EXEC, at, image, null, null));
        return awaitMinDuration(at);
    }

    private Behavior<ProcessCommand> beginFork(ProcessStart.Fork fork) {
        RawEvent e = fork.event();
        followable = !e.has(RawEvent.FLAG_TRACK_FULL);
        ProcSnapshot s = ctx.proc().read(key, fork.envCheck() && !fork.requested());
        // The child runs its parent's image: the parent passed the kernel's exclusion
        // check, but only the resolved executable tells about an excluded interpreter.
        Optional<FilterReason> verdict = fork.requested() ? Optional.empty()
                : ctx.filter().judge("", s, false, fork.envCheck());
        if (verdict.isPresent()) {
            return drop(verdict.get());
        }
        // A child that exec'd before /proc was read shows its new image, whose EXEC
        // follows: the parent's exec path would then describe another program.
        boolean runsParentImage = s.exePath().isEmpty() || fork.exePath().isEmpty()
                || s.exePath().equals(fork.exePath());
        image = ctx.images().describe(key, s, runsParentImage ? fork.exeLink() : "", e);
        Instant at = ctx.clock().eventTime(e.ktimeNs());
        pending.add(event(EventType.FORK, at, image, null, null));
        if (fork.requested()) {
            // A FORK of a process followed on request is reported whatever the filters
            // say, the minimum duration included, and the child is followed on the same terms.
            requested = true;
            return report();
        }
        return awaitMinDuration(at);
    }

    private Behavior<ProcessCommand> beginAdopted(ProcessStart.Adopted adopted) {
        // Tracked only now that this actor receives the process' events: an EXIT the
        // kernel sends from here on is routed after this setup, never before it.
        if (!ctx.probe().track(key.pid(), key.startBootTimeNs())) {
            ctx.counters().trackFailure();
            getContext().getLog().warn("cannot follow pid {}: the kernel's tracked map is full", key.pid());
            return finish();
        }
        if (!ctx.proc().isAlive(key)) {
            // It may have ended before track(), and then no EXIT will ever come.
            ctx.untrack(key);
            if (adopted.requested()) {
                getContext().getLog().warn("pid {} asked to be tracked ended before it could be", key.pid());
            }
            return finish();
        }
        image = ctx.images().describe(key, adopted.snapshot(), "", null);
        if (adopted.requested()) {
            requested = true;
            reportedImage = image;
            phase = Phase.REPORTED;
            return this;
        }
        adoptedAt = adopted.foundAt();
        pending.add(event(EventType.EXEC, adopted.foundAt(), image, null, null));
        return awaitMinDuration(ctx.clock().startTime(key.startBootTimeNs()));
    }

    /** Reports now if the process has already lived the minimum duration since {@code since}. */
    private Behavior<ProcessCommand> awaitMinDuration(Instant since) {
        Duration remaining = ctx.minDuration().minus(Duration.between(since, ctx.clock().now()));
        if (remaining.isNegative() || remaining.isZero()) {
            return report();
        }
        timers.startSingleTimer(ProcessCommand.MinDurationReached.INSTANCE, remaining);
        return this;
    }

    private Behavior<ProcessCommand> report() {
        if (!followable && !ctx.proc().isAlive(key)) {
            // Without tracking no EXIT comes; a process already gone did not live long enough.
            ctx.counters().filtered(FilterReason.MIN_DURATION);
            ctx.counters().pendingDropped(pending.discard());
            return finish();
        }
        pending.drain().forEach(ctx.output()::emit);
        reportedImage = image;
        phase = Phase.REPORTED;
        if (!followable) {
            getContext().getLog().debug("pid {} reported without tracking: its EXIT cannot be seen", key.pid());
            return finish();
        }
        return this;
    }

    private Behavior<ProcessCommand> onMinDuration() {
        return phase == Phase.PENDING ? report() : this;
    }

    private Behavior<ProcessCommand> onRequested() {
        requested = true;
        return this;
    }

    private Behavior<ProcessCommand> onSuperseded() {
        if (phase != Phase.ENDED) {
            ctx.counters().lostExit();
            ctx.counters().pendingDropped(pending.discard());
            getContext().getLog().debug("pid {} ended or was reused without an EXIT from the kernel", key.pid());
            return finish();
        }
        return this;
    }

    private Behavior<ProcessCommand> onRaw(RawEvent e) {
        if (phase == Phase.ENDED) {
            ctx.counters().filtered(FilterReason.UNKNOWN_PID);
            return this;
        }
        switch (e.type()) {
            case EXEC:
                return onExec(e);
            case FILE_OPEN:
                return onFileOpen(e);
            case EXIT:
                return onExit(e);
            default:
                // The supervisor turns a FORK into a new actor; one here is a second FORK of this key.
                ctx.counters().filtered(FilterReason.UNKNOWN_PID);
                return this;
        }
    }

    /** A new image for a process already known (also an exec by a non-leader thread: same key). */
    private Behavior<ProcessCommand> onExec(RawEvent e) {
        ProcSnapshot s = ctx.proc().read(key, false, null, !e.has(RawEvent.FLAG_ARGS_TRUNCATED));
        if (e.has(RawEvent.FLAG_EXCLUDED) || ctx.filter().excluded(e.filename(), s.exePath())) {
            ctx.counters().filtered(FilterReason.EXCLUDED_EXE);
            if (phase == Phase.PENDING && !requested) {
                // Nothing was reported and what it runs now is excluded: forget it all.
                ctx.counters().pendingDropped(pending.discard());
                ctx.untrack(key);
                return finish();
            }
            // Its EXIT is still due for what was reported; the kernel keeps it tracked for that.
            runsExcluded = true;
            return this;
        }
        runsExcluded = false;
        image = ctx.images().describe(key, s, e.filename(), e);
        Instant at = ctx.clock().eventTime(e.ktimeNs());
        ProcessEvent exec = event(EventType.EXEC, at, image, null, null);
        if (phase == Phase.PENDING && adoptedAt != null && !at.isAfter(adoptedAt)) {
            // The scan read this image after the exec the kernel reported: one EXEC, the kernel's.
            pending.discard();
            pending.add(exec);
        } else if (phase == Phase.PENDING) {
            hold(exec);
        } else {
            ctx.output().emit(exec);
            reportedImage = image;
        }
        return this;
    }

    private Behavior<ProcessCommand> onFileOpen(RawEvent e) {
        if (runsExcluded) {
            getContext().getLog().debug("pid {} runs an excluded executable: its file open is not reported", key.pid());
            return this;
        }
        ProcessEvent open = event(EventType.FILE_OPEN, ctx.clock().eventTime(e.ktimeNs()), image,
                ctx.watchedPath(e.watchId(), e.filename()), null);
        if (phase == Phase.PENDING) {
            hold(open);
        } else {
            ctx.output().emit(open);
        }
        return this;
    }

    private Behavior<ProcessCommand> onExit(RawEvent e) {
        if (phase == Phase.PENDING) {
            ctx.counters().filtered(FilterReason.MIN_DURATION);
            ctx.counters().pendingDropped(pending.discard());
        }
        if (phase == Phase.REPORTED || requested) {
            Instant at = ctx.clock().eventTime(e.ktimeNs());
            ProcessInfo described = reportedImage != null ? reportedImage : image;
            Duration lifetime = Duration.between(described.startTime(), at);
            ExitInfo exit = ExitInfo.fromWaitStatus(e.exitStatus(), lifetime.isNegative() ? Duration.ZERO : lifetime);
            ctx.output().emit(event(EventType.EXIT, at, described, null, exit));
        }
        return finish();
    }

    private void hold(ProcessEvent e) {
        if (!pending.add(e)) {
            ctx.counters().pendingDropped(1);
            getContext().getLog().debug("pid {}: more than {} events before the minimum duration, {} dropped",
                    key.pid(), ctx.pendingLimit(), e.type());
        }
    }

    private Behavior<ProcessCommand> drop(FilterReason reason) {
        ctx.counters().filtered(reason);
        ctx.untrack(key);
        getContext().getLog().debug("pid {} not reported: {}", key.pid(), reason);
        return finish();
    }

    private Behavior<ProcessCommand> finish() {
        phase = Phase.ENDED;
        timers.cancelAll();
        supervisor.tell(new SupervisorCommand.ProcessEnded(key, getContext().getSelf()));
        return this;
    }

    private ProcessEvent event(EventType type, Instant at, ProcessInfo info, String filePath, ExitInfo exit) {
        return new ProcessEvent(type, key.pid(), key.startBootTimeNs(), at, info, filePath, exit);
    }
}
