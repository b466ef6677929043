package io.runtimedetector.engine;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * The events of a process that has not lived the minimum duration yet, in the order
 * they happened. Bounded, because a process may open a watched file in a loop.
 */
final class PendingEvents {

    private final int limit;
    private final List<ProcessEvent> events = new ArrayList<>();

    PendingEvents(int limit) {
        this.limit = limit;
    }

    /** @return false when the bound is reached and the event was not kept */
    boolean add(ProcessEvent event) {
        if (events.size() >= limit) {
            return false;
        }
        events.add(event);
        return true;
    }

    /** Hands out everything held, oldest first, and forgets it. */
    List<ProcessEvent> drain() {
        List<ProcessEvent> out = List.copyOf(events);
        events.clear();
        return out;
    }

    /** Forgets everything held. @return how many FILE_OPENs were among it */
    int discard() {
        int fileOpens = (int) events.stream().filter(e -> e.type() == EventType.FILE_OPEN).count();
        events.clear();
        return fileOpens;
    }
}
