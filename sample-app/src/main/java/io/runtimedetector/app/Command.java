package io.runtimedetector.app;

/** What the command line asks for. */
public enum Command {
    RUN,
    HELP,
    VERSION
}
