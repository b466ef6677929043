package io.runtimedetector.engine;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;
import java.time.Instant;
import org.apache.pekko.actor.typed.ActorRef;

/** What a {@link ProcessActor} receives. */
sealed interface ProcessCommand {

    /**
     * The first message: how the process became known. It comes as a message rather than
     * in the actor's behaviour so that no per-process value, the raw event least of all,
     * is kept by the actor's props for as long as the actor lives.
     */
    sealed interface Start extends ProcessCommand {
        int pid();

        long startBootTimeNs();
    }

    /** A followed process forked this one; its parent will send its image. */
    record StartFork(int pid, long startBootTimeNs, ForkFacts facts) implements Start {
    }

    /** Found in /proc, at start or on request. */
    record StartAdopted(int pid, long startBootTimeNs, ProcSnapshot snapshot, Instant foundAt, boolean requested)
            implements Start {
    }

    /**
     * The first message of an actor that hosts an idle lifecycle again: the supervisor
     * hosted it, and it asked for what takes an actor. Exactly one of the two is set.
     *
     * @param read  a /proc read to start, with {@code execPath}, or null
     * @param timer the minimum-duration timer to start, or null
     */
    record Incarnate(ProcessLifecycle lifecycle, ProcRequest read, String execPath, java.time.Duration timer)
            implements ProcessCommand {
    }

    /**
     * From the supervisor, which now holds this process' inputs: hand the lifecycle back
     * if it is still idle ({@link SupervisorCommand.HandBack}, then stop), else say so
     * ({@link SupervisorCommand.StayHosted}).
     */
    enum Passivate implements ProcessCommand {
        INSTANCE
    }

    /** An EXEC, FILE_OPEN or EXIT of this process. */
    record Raw(RawEvent event) implements ProcessCommand {
    }

    /** This process forked {@code child}, which waits for the image this process has now. */
    record Forked(ActorRef<ProcessCommand> child) implements ProcessCommand {
    }

    /** The parent's image at the fork. */
    record ParentImage(ProcessInfo image, boolean requested) implements ProcessCommand {
    }

    /** The parent is not reported: neither is this child. */
    record ParentDropped(FilterReason reason) implements ProcessCommand {
    }

    /** A /proc fallback read finished. */
    record ProcRead(ProcSnapshot snapshot) implements ProcessCommand {
    }

    /** The process has lived the minimum duration. */
    enum MinDurationReached implements ProcessCommand {
        INSTANCE
    }

    /** The user asked to follow this process: its EXIT is reported even if nothing else was. */
    enum MarkRequested implements ProcessCommand {
        INSTANCE
    }

    /** A new process has this pid, or the process is gone: the kernel lost this one's EXIT. */
    enum Superseded implements ProcessCommand {
        INSTANCE
    }

    /** The detector stops: hand out nothing more, stop. */
    enum Shutdown implements ProcessCommand {
        INSTANCE
    }

    /** The supervisor forgot this process and nothing more will be routed here. */
    enum Stop implements ProcessCommand {
        INSTANCE
    }
}
