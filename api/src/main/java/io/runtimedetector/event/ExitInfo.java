package io.runtimedetector.event;

import java.time.Duration;

/**
 * How a process ended.
 *
 * @param exitCode exit code when it exited normally, -1 when killed by a signal
 * @param signal   terminating signal number, 0 when it exited normally
 * @param lifetime from process start to exit
 */
public record ExitInfo(int exitCode, int signal, Duration lifetime) {

    /** Decodes a wait(2) status. */
    public static ExitInfo fromWaitStatus(int status, Duration lifetime) {
        int sig = status & 0x7f;
        return new ExitInfo(sig == 0 ? (status >> 8) & 0xff : -1, sig, lifetime);
    }
}
