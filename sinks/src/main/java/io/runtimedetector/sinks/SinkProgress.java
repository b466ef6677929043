package io.runtimedetector.sinks;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * How far every sink has got: the number of events, counted from the first the runner's
 * source gave, that each sink has finished with. Finished means written (a plain
 * {@code EventSink}'s {@code accept} returned), acknowledged (an
 * {@link AcknowledgingEventSink}'s acknowledgement came), or given up and counted (a
 * failed or dropped event). An event that only waits in a sink's buffer is not finished:
 * a killed JVM loses it. A producer that must not forget events before the sinks are
 * done with them (the detector, which lets the kernel free its ring buffer only then)
 * asks to be told once all sinks have reached a given count, instead of polling.
 *
 * <p>Each branch reports with one volatile write per settled batch of events; nothing is
 * allocated for it. A sink whose branch has ended (it gave up, or the stream ended and it
 * was flushed) holds nobody back.
 */
public final class SinkProgress {

    /** One sink's count; written by one thread at a time, read by anyone. */
    static final class Branch {
        private final SinkProgress owner;
        private volatile long settled;
        private volatile boolean ended;

        private Branch(SinkProgress owner) {
            this.owner = owner;
        }

        /**
         * The sink is done with the first {@code count} events it received; a count lower
         * than one reported before changes nothing.
         */
        void settledThrough(long count) {
            if (count <= settled) {
                return;
            }
            settled = count;
            if (count >= owner.wanted) {
                owner.reached();
            }
        }

        /** The sink will finish nothing more (it stopped, or was flushed and closed): it holds nobody back. */
        void ended() {
            ended = true;
            owner.reached();
        }

        long count() {
            return ended ? Long.MAX_VALUE : settled;
        }
    }

    private final List<Branch> branches = new CopyOnWriteArrayList<>();
    /** The count the listener waits for; Long.MAX_VALUE when none. */
    private volatile long wanted = Long.MAX_VALUE;
    private volatile Runnable listener = () -> { };

    SinkProgress() {
    }

    Branch newBranch() {
        Branch b = new Branch(this);
        branches.add(b);
        return b;
    }

    /**
     * Events every sink has finished with, from the first; {@code Long.MAX_VALUE} once all
     * have ended (and when there are none).
     */
    public long settledByAll() {
        long min = Long.MAX_VALUE;
        for (Branch b : branches) {
            min = Math.min(min, b.count());
        }
        return min;
    }

    /**
     * Calls {@code onReached} (on a sink's thread, or the caller's) whenever a sink's
     * count reaches the one last asked for with {@link #want}; it then checks
     * {@link #settledByAll()} itself. Set once, before events flow.
     */
    public void listen(Runnable onReached) {
        this.listener = onReached;
    }

    /**
     * Asks to be told when every sink has reached {@code count}. The caller checks
     * {@link #settledByAll()} after this call: a sink that got there in between may have
     * read the previous value (the two volatile accesses on each side make sure one of
     * them sees the other).
     */
    public void want(long count) {
        wanted = count;
    }

    private void reached() {
        listener.run();
    }
}
