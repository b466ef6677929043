package io.runtimedetector.probe;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Run in a child JVM by {@link PinnedModeKernelTest}: reads the pinned programs in
 * {@code args[0]} with the prefix {@code args[1]} and never releases a batch, printing
 * "attached" and then "read N" after each batch, until it is killed.
 */
public final class PinnedReaderMain {

    private PinnedReaderMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        KernelProbe probe = KernelProbe.open(PinnedModeKernelTest.config(Path.of(args[0]), args[1]).build());
        ActorSystem system = ActorSystem.create("pinned-reader");
        AtomicLong read = new AtomicLong();
        probe.events().runWith(Sink.foreach((List<RawEvent> batch) -> {
            System.out.println("read " + read.addAndGet(batch.size()));
            System.out.flush();
        }), Materializer.matFromSystem(system));
        System.out.println("attached");
        System.out.flush();
        Thread.sleep(120_000);  // the test kills it long before
        probe.close();
        system.terminate();
    }
}
