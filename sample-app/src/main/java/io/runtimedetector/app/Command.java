package io.runtimedetector.app;

/** What the command line asks for. */
public enum Command {
    RUN,
    /** Remove the pinned programs and maps of --pin-dir, then exit. */
    UNPIN,
    HELP,
    VERSION
}
