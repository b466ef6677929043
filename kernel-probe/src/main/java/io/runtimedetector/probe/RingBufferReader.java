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
 */
final class RingBufferReader {

    private static final Logger LOG = LoggerFactory.getLogger(RingBufferReader.class);

    private final long handle;
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

    RingBufferReader(long handle, ProbeConfig config) {
        this.handle = handle;
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

    /** Stops the thread and waits for it, so that the native handle may be freed afterwards. */
    void stop() {
        running = false;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t == null) {
            return;
        }
        NativeProbe.wakeReader(handle);
        try {
            if (!stopped.await(pollMillis + 5_000L, TimeUnit.MILLISECONDS)) {
                throw new IllegalStateException("the ring buffer reader did not stop");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            while (running) {
                batch.clear();
                int bytes = NativeProbe.poll(handle, batch, pollMillis, drainMillis);
                if (bytes <= 0) {
                    continue;
                }
                batch.limit(bytes);
                List<RawEvent> events = RawEventDecoder.decodeBatch(batch, this::decodeError, tally);
                eventsRead.addAndGet(events.size());
                if (!events.isEmpty()) {
                    hand(events);
                }
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
