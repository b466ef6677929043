package io.runtimedetector.app;

/** The process exit statuses, as documented in {@code --help}. */
final class ExitCode {

    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;
    /** EX_IOERR from sysexits.h: the events could not be written (stdout closed, --output failed). */
    static final int OUTPUT_FAILED = 74;
    /** EX_NOPERM from sysexits.h: lets scripts and probes tell missing privileges from other failures. */
    static final int NO_PRIVILEGES = 77;
    /**
     * A kernel older than 5.8 or without BTF: like missing privileges, this node cannot
     * run the detector as it is, so a DaemonSet's probes need to know only one status.
     */
    static final int UNSUPPORTED_KERNEL = NO_PRIVILEGES;

    private ExitCode() {
    }
}
