package io.runtimedetector.engine;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Where the lifecycles put what the next detector needs as the detector stops: each one
 * still following a process adds it when the shutdown reaches it, from whichever thread
 * hosts it. Off (and then free) without a state directory.
 */
final class SavedProcesses {

    static final SavedProcesses OFF = new SavedProcesses(false);

    private final boolean on;
    private final ConcurrentLinkedQueue<SavedProcess> saved = new ConcurrentLinkedQueue<>();

    private SavedProcesses(boolean on) {
        this.on = on;
    }

    static SavedProcesses collecting() {
        return new SavedProcesses(true);
    }

    void add(SavedProcess p) {
        if (on) {
            saved.add(p);
        }
    }

    List<SavedProcess> all() {
        return List.copyOf(saved);
    }
}
