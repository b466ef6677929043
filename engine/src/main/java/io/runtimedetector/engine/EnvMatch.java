package io.runtimedetector.engine;

/** What /proc/PID/environ said about the environment-variable prefix. */
enum EnvMatch {
    /** A variable with the prefix is present, or no prefix is configured. */
    MATCH,
    /** The environment was read in full and has no variable with the prefix. */
    NO_MATCH,
    /** The environment could not be read (process gone, access denied). */
    UNREADABLE
}
