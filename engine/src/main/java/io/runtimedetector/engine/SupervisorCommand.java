package io.runtimedetector.engine;

import io.runtimedetector.probe.RawEvent;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;

/** What the {@link ProcessSupervisor} receives. */
sealed interface SupervisorCommand {

    /** Acknowledges one stream message so that the next one may come: the stream's backpressure. */
    enum StreamAck {
        INSTANCE
    }

    record StreamInit(ActorRef<StreamAck> ackTo) implements SupervisorCommand {
    }

    record RawBatch(List<RawEvent> events, ActorRef<StreamAck> ackTo) implements SupervisorCommand {
    }

    /** The probe's events ended: stop. */
    enum StreamCompleted implements SupervisorCommand {
        INSTANCE
    }

    /** The probe failed: stop, and fail the output with the cause. */
    record StreamFailed(Throwable cause) implements SupervisorCommand {
    }

    /** Follow a process found in /proc. */
    record Adopt(ProcessKey key, ProcSnapshot snapshot, Instant foundAt, boolean requested)
            implements SupervisorCommand {
    }

    /** Processes taken over from the previous detector, routed before the first raw event. */
    record Restore(List<Restored> processes) implements SupervisorCommand {
    }

    /** Ended processes taken over at start have waited long enough for their EXIT. */
    enum BacklogDeadline implements SupervisorCommand {
        INSTANCE
    }

    /** Time to compare the kernel's loss counter with what was seen before. */
    enum CheckLosses implements SupervisorCommand {
        INSTANCE
    }

    /** The processes of a loss check that /proc no longer shows. */
    record GoneFound(List<ProcessKey> gone, boolean confirming) implements SupervisorCommand {
    }

    /** Answered once every message sent before it has been handled. */
    record Barrier(ActorRef<Done> replyTo) implements SupervisorCommand {
    }

    /** A process actor's process is done; the actor waits for {@link ProcessCommand.Stop}. */
    record Finished(int pid, ActorRef<ProcessCommand> actor) implements SupervisorCommand {
    }

    /** A process actor's lifecycle became idle: it could do without the actor. */
    record Idle(int pid, ActorRef<ProcessCommand> actor) implements SupervisorCommand {
    }

    /** The answer to {@link ProcessCommand.Passivate}: the idle lifecycle; the actor stops. */
    record HandBack(int pid, ActorRef<ProcessCommand> actor, ProcessLifecycle lifecycle) implements SupervisorCommand {
    }

    /** The answer to {@link ProcessCommand.Passivate} of a lifecycle no longer idle: it stays with its actor. */
    record StayHosted(int pid, ActorRef<ProcessCommand> actor) implements SupervisorCommand {
    }

    /** A process actor has stopped (watched). */
    record ChildTerminated(int pid, ActorRef<ProcessCommand> actor) implements SupervisorCommand {
    }
}
