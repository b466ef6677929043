package io.runtimedetector.event;

/** The four things a consumer is told about a process. */
public enum EventType {
    /** The process runs a new program (or was found running at start), after the minimum duration. */
    EXEC,
    /** A reported process created a new process (never a thread). */
    FORK,
    /** A reported process opened one of the watched files. */
    FILE_OPEN,
    /** A reported process ended; carries the details of what it ran. */
    EXIT
}
