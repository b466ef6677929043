package io.runtimedetector.engine;

import io.runtimedetector.probe.RawEvent;
import java.time.Instant;

/** How a process came to the engine's attention: the first thing its actor handles. */
public sealed interface ProcessStart {

    /**
     * The kernel reported an exec of a process the engine did not know.
     *
     * @param envCheck the kernel could not establish the prefix: the engine decides from /proc
     * @param exePath  /proc/PID/exe as the supervisor read it for the exclusion check, "" when unreadable
     */
    record Exec(RawEvent event, boolean envCheck, String exePath) implements ProcessStart {
    }

    /**
     * A followed process forked this one; it runs its parent's image until it execs.
     *
     * @param envCheck  inherited from the parent: its prefix was never established
     * @param exeLink   the path the parent's image was exec'd by
     * @param exePath   what the parent's image resolved to, "" when unknown
     * @param requested the parent is followed on request: so is this child, whatever the filters say
     */
    record Fork(RawEvent event, boolean envCheck, String exeLink, String exePath, boolean requested) implements ProcessStart {
    }

    /**
     * Found in /proc, at start or on request; already read and judged.
     *
     * @param foundAt   when it was read: the time of a synthesized EXEC
     * @param requested the user asked for it: followed without an EXEC of its own
     */
    record Adopted(ProcSnapshot snapshot, Instant foundAt, boolean requested) implements ProcessStart {
    }
}
