package io.runtimedetector.probe;

/** A failure of the kernel probe, with the errno that caused it when there is one. */
public class ProbeException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final int errno;

    public ProbeException(String message, int errno) {
        super(message);
        this.errno = errno;
    }

    public ProbeException(String message, Throwable cause) {
        super(message, cause);
        this.errno = 0;
    }

    /** The errno reported by the kernel or libbpf, 0 when the failure was not a system call's. */
    public int errno() {
        return errno;
    }
}
