package io.runtimedetector.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that drains the kernel ring buffer. Each native call copies a whole
 * batch of events, decoded here into {@link RawEvent}s and put on an {@link EventQueue}
 * sized in events, so that a slow engine does not slow the draining. Only when that
 * queue is full does this thread wait: the ring buffer then fills and the kernel counts
 * what it has to drop, which is the backpressure the stream asks for.
 *
 * <p>When it is woken (the policy lives in two places, which must agree): each
 * {@link NativeProbe#poll} is {@code rd_poll} in {@code probe_jni.c}, and each record the
 * BPF programs submit carries the flags of {@code rb_flags()} in {@code detector.bpf.c}.
 * <ul>
 *   <li><b>Quiet</b>: the reader marks itself sleeping in the programs' {@code .bss}
 *       ({@code rd_reader_sleeping}) and waits on the ring; the kernel wakes it for every
 *       record ({@code BPF_RB_FORCE_WAKEUP}), so a lone exec reaches the sinks in about a
 *       millisecond.
 *   <li><b>Storm</b>: two wake-ups within 2 ms switch it to draining every
 *       {@code drainInterval} (5 ms) with the flag cleared; the kernel then wakes nobody
 *       ({@code BPF_RB_NO_WAKEUP}) unless the ring holds more than {@code wakeupBytes}
 *       (an eighth of it), and the drain sleeps on an epoll set of its own that only that
 *       early wake-up or {@link #stop()} can cut short. A drain that finds fewer than 4
 *       records goes back to quiet.
 * </ul>
 * With {@code wakeupBytes} 0 the kernel's own rule applies instead: a wake-up whenever the
 * reader has caught up.
 *
 * <p>Pinned mode: records stay uncommitted in the ring until their batch is released
 * ({@link Observer}), every wait is on the edge-triggered set (the level-triggered ring
 * would be ready while anything is uncommitted, and the reader would spin), and each poll
 * round stores the heartbeat the programs check. Backpressure is unchanged: uncommitted
 * records occupy the ring, and the kernel counts what it drops once it is full.
 */
final class RingBufferReader {

    /**
     * Told, on the reader thread, where each batch ends (pinned mode commits there once
     * the batch is released). Unpinned, the native side commits as it reads.
     */
    interface Observer {
        /** Before {@code batch} is handed on: it ends at {@code end} in {@code ring}. */
        void delivered(List<RawEvent> batch, int ring, long end);

        /** Records read up to {@code end} in {@code ring} that decoded to no event. */
        void skipped(int ring, long end);

        /** After every poll round. */
        void polled();

        Observer NONE = new Observer() {
            @Override
            public void delivered(List<RawEvent> batch, int ring, long end) {
            }

            @Override
            public void skipped(int ring, long end) {
            }

            @Override
            public void polled() {
            }
        };
    }

    private static final Logger LOG = LoggerFactory.getLogger(RingBufferReader.class);

    private final long handle;
    private final Observer observer;
    private final int pollMillis;
    private final int drainMillis;
    private final ByteBuffer batch;
    private final EventQueue queue;
    private final RecordTally tally = new RecordTally();
    private final AtomicLong eventsRead = new AtomicLong();
    private final AtomicLong decodeErrors = new AtomicLong();
    private final CountDownLatch stopped = new CountDownLatch(1);
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile boolean finished;
    private volatile Runnable listener = () -> { };
    private Thread thread;

    RingBufferReader(long handle, ProbeConfig config, Observer observer) {
        this.handle = handle;
        this.observer = observer;
        this.pollMillis = (int) Math.max(1, config.pollInterval().toMillis());
        this.drainMillis = (int) Math.max(1, config.drainInterval().toMillis());
        this.batch = ByteBuffer.allocateDirect(config.batchBytes()).order(ByteOrder.nativeOrder());
        this.queue = new EventQueue(config.queueEvents());
    }

    /** Starts polling; {@code onData} is called (from the reader thread) after each batch and at the end. */
    synchronized void start(Runnable onData) {
        if (thread != null) {
            throw new IllegalStateException("the ring buffer reader is already started");
        }
        listener = onData;
        thread = new Thread(this::run, "rd-ringbuf-reader");
        thread.setDaemon(true);
        thread.start();
    }

    /** The next decoded batch, or null when none is waiting. */
    List<RawEvent> nextBatch() {
        return queue.poll();
    }

    /** True once the reader stopped and every batch was taken. */
    boolean isDrained() {
        return finished && queue.isEmpty();
    }

    /** Why the reader stopped, if it failed. */
    Throwable failure() {
        return failure;
    }

    long eventsRead() {
        return eventsRead.get();
    }

    long decodeErrors() {
        return decodeErrors.get();
    }

    RecordSizes recordSizes() {
        return tally.snapshot();
    }

    QueueStats queueStats() {
        return queue.stats();
    }

    /**
     * Stops the thread and waits for it, so that the native handle may be freed afterwards.
     *
     * @return whether it stopped (or never ran); false when it is still inside a native call
     *         after the wait, or the wait was interrupted: then the handle must not be freed
     */
    boolean stop() {
        running = false;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) {
            return true;
        }
        NativeProbe.wakeReader(handle);
        try {
            return stopped.await(pollMillis + 5_000L, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void run() {
        try {
            while (running) {
                batch.clear();
                int bytes = NativeProbe.poll(handle, batch, pollMillis, drainMillis);
                if (bytes > 0) {
                    batch.limit(bytes);
                    List<RawEvent> events = RawEventDecoder.decodeBatch(batch, this::decodeError, tally);
                    eventsRead.addAndGet(events.size());
                    int ring = NativeProbe.batchRing(handle);
                    long end = NativeProbe.batchEnd(handle);
                    if (events.isEmpty()) {
                        observer.skipped(ring, end);
                    } else {
                        // In the ledger before anyone can see the batch, so that its release finds it.
                        observer.delivered(events, ring, end);
                        hand(events);
                    }
                }
                observer.polled();
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        } finally {
            finished = true;
            stopped.countDown();
            listener.run();
        }
    }

    /** Blocks while the consumer is behind, but never past {@link #stop()}. */
    private void hand(List<RawEvent> events) {
        try {
            while (running && !queue.offer(events, 50, TimeUnit.MILLISECONDS)) {
                // Waiting on the engine is not being gone: keep the programs recording.
                NativeProbe.heartbeat(handle);
                listener.run();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
        listener.run();
    }

    private void decodeError(String what) {
        decodeErrors.incrementAndGet();
        LOG.warn("skipped a ring buffer record: {}", what);
    }
}
