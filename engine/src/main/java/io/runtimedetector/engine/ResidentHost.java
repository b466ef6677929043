package io.runtimedetector.engine;

import io.runtimedetector.event.ProcessEvent;
import java.time.Duration;

/**
 * The host of an idle {@link ProcessLifecycle} that no actor hosts: the supervisor, which
 * calls the lifecycle itself with the process' inputs. What needs no waiting (emitting,
 * tracking) is done at once. What takes an actor (a /proc read, a timer) is only noted:
 * the supervisor looks at {@link #wanted()} after each call and gives the lifecycle an
 * actor that does it. It could not start one in the middle of the lifecycle's call, which
 * goes on mutating the lifecycle after it asked.
 */
final class ResidentHost implements ProcessLifecycle.Host {

    /**
     * The host of an idle lifecycle between two inputs: none. The supervisor gives it a
     * resident host for each input it runs; holding none meanwhile keeps neither the actor
     * that hosted it before (its cell, context, mailbox) nor a host of its own alive.
     */
    static final ProcessLifecycle.Host DETACHED = new ProcessLifecycle.Host() {
        @Override
        public void emit(io.runtimedetector.event.ProcessEvent event) {
            throw detached();
        }

        @Override
        public void startTimer(Duration delay) {
            throw detached();
        }

        @Override
        public void cancelTimer() {
            throw detached();
        }

        @Override
        public void readProc(ProcRequest request, String execPath) {
            throw detached();
        }

        @Override
        public boolean track() {
            throw detached();
        }

        @Override
        public void untrack() {
            throw detached();
        }

        @Override
        public void finished() {
            throw detached();
        }

        private IllegalStateException detached() {
            return new IllegalStateException("an idle lifecycle was run without a host");
        }
    };

    /** What the supervisor does when a resident lifecycle is done. */
    interface Owner {
        void residentFinished(ProcessLifecycle lifecycle);
    }

    private final EngineContext ctx;
    private final Owner owner;
    private final ProcessLifecycle lifecycle;
    /** Asked for during the last call, or null. */
    private ProcessCommand.Incarnate wanted;

    ResidentHost(EngineContext ctx, Owner owner, ProcessLifecycle lifecycle) {
        this.ctx = ctx;
        this.owner = owner;
        this.lifecycle = lifecycle;
    }

    /** What the lifecycle asked for that takes an actor, once; null when nothing. */
    ProcessCommand.Incarnate wanted() {
        ProcessCommand.Incarnate w = wanted;
        wanted = null;
        return w;
    }

    @Override
    public void emit(ProcessEvent event) {
        ctx.output().emit(event);
    }

    @Override
    public void startTimer(Duration delay) {
        wanted = new ProcessCommand.Incarnate(lifecycle, null, null, delay);
    }

    @Override
    public void cancelTimer() {
        // An idle lifecycle has no timer; one it asked for in this call is not started.
        if (wanted != null && wanted.timer() != null) {
            wanted = null;
        }
    }

    @Override
    public void readProc(ProcRequest request, String execPath) {
        wanted = new ProcessCommand.Incarnate(lifecycle, request, execPath, null);
    }

    @Override
    public boolean track() {
        return ctx.probe().track(lifecycle.pid(), lifecycle.startBootTimeNs());
    }

    @Override
    public void untrack() {
        ctx.procIo().untrack(new ProcessKey(lifecycle.pid(), lifecycle.startBootTimeNs()));
    }

    @Override
    public void finished() {
        owner.residentFinished(lifecycle);
    }
}
