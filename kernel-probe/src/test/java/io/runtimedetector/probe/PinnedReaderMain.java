package io.runtimedetector.probe;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Run in a child JVM by {@link PinnedModeKernelTest}: reads the pinned programs in
 * {@code args[0]} with the prefix {@code args[1]}, releases whole batches while they
 * bring the events released to at most {@code args[2]}, and no more. Prints "attached",
 * then per batch a line "released TYPE PID START" for each event it released and
 * "read N", until it is killed.
 */
public final class PinnedReaderMain {

    private PinnedReaderMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        KernelProbe probe = KernelProbe.open(PinnedModeKernelTest.config(Path.of(args[0]), args[1]).build());
        long limit = Long.parseLong(args[2]);
        ActorSystem system = ActorSystem.create("pinned-reader");
        AtomicLong read = new AtomicLong();
        AtomicLong released = new AtomicLong();
        AtomicBoolean releasing = new AtomicBoolean(true);
        probe.events().runWith(Sink.foreach((List<RawEvent> batch) -> {
            StringBuilder out = new StringBuilder();
            // Only a prefix of the batches: release order is delivery order.
            if (releasing.get() && released.get() + batch.size() <= limit) {
                probe.release(batch);
                released.addAndGet(batch.size());
                for (RawEvent e : batch) {
                    out.append("released ").append(e.type()).append(' ').append(e.pid()).append(' ')
                            .append(e.startBootTimeNs()).append('\n');
                }
            } else {
                releasing.set(false);
            }
            out.append("read ").append(read.addAndGet(batch.size()));
            System.out.println(out);
            System.out.flush();
        }), Materializer.matFromSystem(system));
        System.out.println("attached");
        System.out.flush();
        Thread.sleep(120_000);  // the test kills it long before
        probe.close();
        system.terminate();
    }
}
