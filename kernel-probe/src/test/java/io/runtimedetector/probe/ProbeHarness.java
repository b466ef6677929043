package io.runtimedetector.probe;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;

/** A real probe whose raw events are collected for assertions. */
final class ProbeHarness implements AutoCloseable {

    private final ActorSystem system = ActorSystem.create("probe-test");
    private final LinkedBlockingQueue<RawEvent> queue = new LinkedBlockingQueue<>();
    private final List<RawEvent> seen = new ArrayList<>();
    final KernelProbe probe;

    ProbeHarness(ProbeConfig config) {
        probe = KernelProbe.open(config);
        probe.events().runWith(Sink.foreach(queue::addAll), Materializer.matFromSystem(system));
    }

    /** The first event, among those seen so far and arriving within the timeout, that matches. */
    RawEvent await(Predicate<RawEvent> match, Duration timeout) throws InterruptedException {
        synchronized (seen) {
            for (RawEvent e : seen) {
                if (match.test(e)) {
                    return e;
                }
            }
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            RawEvent e = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : null;
            if (e == null) {
                throw new AssertionError("no matching raw event within " + timeout + "; seen: " + snapshot());
            }
            synchronized (seen) {
                seen.add(e);
            }
            if (match.test(e)) {
                return e;
            }
        }
    }

    RawEvent await(RawEventType type, int pid) throws InterruptedException {
        return await(e -> e.type() == type && e.pid() == pid, KernelTestSupport.patience(Duration.ofSeconds(10)));
    }

    /** Every event of {@code pid} seen so far (call after an event known to come later). */
    List<RawEvent> eventsOf(int pid) {
        synchronized (seen) {
            queue.drainTo(seen);
            return seen.stream().filter(e -> e.pid() == pid).toList();
        }
    }

    private List<String> snapshot() {
        synchronized (seen) {
            return seen.stream().map(e -> e.type() + ":" + e.pid() + ":" + e.filename()).toList();
        }
    }

    @Override
    public void close() {
        probe.close();
        system.terminate();
    }
}
