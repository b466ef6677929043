package io.runtimedetector;

/** Why the engine kept something that reached it from the kernel away from the sinks. */
public enum FilterReason {
    /** The process lacks an environment variable with the configured name prefix. */
    ENV_PREFIX,
    /** The process runs an excluded executable, directly or as a script's interpreter. */
    EXCLUDED_EXE,
    /** The process ended before it lived the minimum duration. */
    MIN_DURATION,
    /** A raw event for a process the engine does not follow: duplicate, late or out of order. */
    UNKNOWN_PID
}
