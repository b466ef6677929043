package io.runtimedetector.probe;

/**
 * The running kernel cannot host the probe (too old, or no BTF). The message is one
 * sentence meant for the user; nothing was loaded.
 */
public final class UnsupportedKernelException extends ProbeException {

    private static final long serialVersionUID = 1L;

    UnsupportedKernelException(String message, int errno) {
        super(message, errno);
    }
}
