package io.runtimedetector.probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * A pinned probe whose events are collected for assertions, each batch released once
 * collected (the sinks have it) unless {@code release} is false.
 */
final class PinnedHarness implements AutoCloseable {

    /** What identifies one kernel event: a record of it delivered twice has the same key. */
    record Key(RawEventType type, int pid, long startBootTimeNs) {
        static Key of(RawEvent e) {
            return new Key(e.type(), e.pid(), e.startBootTimeNs());
        }
    }

    private final ActorSystem system = ActorSystem.create("pinned-test");
    private final List<RawEvent> seen = new ArrayList<>();
    final KernelProbe probe;
    /** How long {@link KernelProbe#open} took. */
    final long openNanos;

    PinnedHarness(ProbeConfig config, boolean release) {
        long start = System.nanoTime();
        probe = KernelProbe.open(config);
        openNanos = System.nanoTime() - start;
        probe.events().runWith(Sink.foreach(batch -> {
            if (release) {
                probe.release(batch);  // first: whoever sees an event may rely on its batch being released
            }
            synchronized (seen) {
                seen.addAll(batch);
                seen.notifyAll();
            }
        }), Materializer.matFromSystem(system));
    }

    /** The events so far that {@code match}. */
    List<RawEvent> events(Predicate<RawEvent> match) {
        synchronized (seen) {
            return seen.stream().filter(match).toList();
        }
    }

    /** Waits until at least {@code n} distinct events match, or the (scaled) timeout passes; returns them all. */
    List<RawEvent> awaitDistinct(Predicate<RawEvent> match, long n, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + KernelTestSupport.patience(timeout).toNanos();
        synchronized (seen) {
            while (distinct(events(match)) < n) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                seen.wait(Math.max(1, left / 1_000_000));
            }
            return events(match);
        }
    }

    static long distinct(List<RawEvent> events) {
        return events.stream().map(Key::of).distinct().count();
    }

    /** How often each event came. */
    static Map<Key, Integer> counts(List<RawEvent> events) {
        Map<Key, Integer> out = new HashMap<>();
        events.forEach(e -> out.merge(Key.of(e), 1, Integer::sum));
        return out;
    }

    @Override
    public void close() {
        probe.close();
        system.terminate();
    }
}
