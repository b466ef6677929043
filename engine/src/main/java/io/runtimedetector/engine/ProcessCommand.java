package io.runtimedetector.engine;

import io.runtimedetector.probe.RawEvent;

/** What a {@link ProcessActor} receives after it was started. */
public sealed interface ProcessCommand {

    /** An EXEC, FILE_OPEN or EXIT of this process. */
    record Raw(RawEvent event) implements ProcessCommand {
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

    /** The detector stops: emit nothing more, stop now. */
    enum Shutdown implements ProcessCommand {
        INSTANCE
    }

    /** The supervisor forgot this process and nothing more will be routed here. */
    enum Stop implements ProcessCommand {
        INSTANCE
    }
}
