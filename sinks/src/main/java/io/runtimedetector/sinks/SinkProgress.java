package io.runtimedetector.sinks;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * How far every sink has got: the number of events, counted from the first the runner's
 * source gave, that each sink has taken into its buffer (or dropped and counted). A
 * producer that must not forget events before the sinks have them (the detector, which
 * lets the kernel free its ring buffer only then) asks to be told once all sinks have
 * reached a given count, instead of polling.
 *
 * <p>Each sink's stage counts with one volatile write per event and compares with the
 * count asked for; nothing is allocated per event. A sink whose branch has ended (it gave
 * up, or the stream ended) holds nobody back.
 */
public final class SinkProgress {

    /** One sink's count; written by its stage only, read by anyone. */
    static final class Branch {
        private final SinkProgress owner;
        private volatile long accepted;
        private volatile boolean ended;

        private Branch(SinkProgress owner) {
            this.owner = owner;
        }

        /** One more event taken into the buffer, or dropped: called by the branch's stage only. */
        void accepted() {
            long now = accepted + 1;
            accepted = now;
            if (now >= owner.wanted) {
                owner.reached();
            }
        }

        /** Its stage has stopped: from now on it holds nobody back. */
        void ended() {
            ended = true;
            owner.reached();
        }

        long count() {
            return ended ? Long.MAX_VALUE : accepted;
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
     * Events every sink has taken, from the first; {@code Long.MAX_VALUE} once all have
     * ended (and when there are none).
     */
    public long acceptedByAll() {
        long min = Long.MAX_VALUE;
        for (Branch b : branches) {
            min = Math.min(min, b.count());
        }
        return min;
    }

    /**
     * Calls {@code onReached} (on a sink's thread, or the caller's) whenever a sink's
     * count reaches the one last asked for with {@link #want}; it then checks
     * {@link #acceptedByAll()} itself. Set once, before events flow.
     */
    public void listen(Runnable onReached) {
        this.listener = onReached;
    }

    /**
     * Asks to be told when every sink has reached {@code count}. The caller checks
     * {@link #acceptedByAll()} after this call: a sink that got there in between may have
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
