package io.runtimedetector.probe;

/** The process may not load eBPF programs. The message is one sentence meant for the user. */
public final class InsufficientPrivilegesException extends ProbeException {

    private static final long serialVersionUID = 1L;

    static final String SENTENCE = "runtime-detector needs root or the capabilities CAP_BPF and CAP_PERFMON "
            + "(or CAP_SYS_ADMIN) to load its eBPF programs";

    public InsufficientPrivilegesException(String message) {
        super(message, 1 /* EPERM */);
    }

    InsufficientPrivilegesException() {
        this(SENTENCE);
    }
}
