package io.runtimedetector.app;

/**
 * What /healthz and /readyz answer. Live while the probe is attached and the detector
 * has not ended (it ends when the ring-buffer reader fails); ready once, in addition,
 * the running processes have been scanned.
 */
final class HealthState {

    private volatile boolean attached;
    private volatile boolean scanned;
    private volatile boolean ended;

    void attached() {
        attached = true;
    }

    void scanned() {
        scanned = true;
    }

    void ended() {
        ended = true;
    }

    boolean live() {
        return attached && !ended;
    }

    boolean ready() {
        return live() && scanned;
    }
}
