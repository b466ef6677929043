package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.testkit.TestSubscriber;
import org.apache.pekko.stream.testkit.javadsl.TestSink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Source's contract with a real ring buffer: demand-driven, losses counted, completes on close. */
class RawEventSourceKernelTest {

    private ActorSystem system;

    @BeforeEach
    void setUp() {
        KernelTestSupport.requireKernel();
        system = ActorSystem.create("raw-source-test");
    }

    @AfterEach
    void tearDown() {
        if (system != null) {
            system.terminate();
        }
    }

    private static List<Process> spawn(int n, String prefixVar) {
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ps.add(TestProcesses.start(Map.of(prefixVar, Integer.toString(i)), "/bin/true"));
        }
        ps.forEach(TestProcesses::waitFor);
        return ps;
    }

    /** {@code n} processes of one shell loop, each with the prefix variable: 3n + 2 events (FORK, EXEC, EXIT). */
    private static Process loop(int n, String prefixVar) {
        Process p = TestProcesses.start(Map.of(prefixVar, "1"), "/bin/sh", "-c",
                "i=0; while [ $i -lt " + n + " ]; do /bin/true; i=$((i+1)); done");
        TestProcesses.waitFor(p);
        return p;
    }

    /** Demands everything, then takes batches until the loop's events are all in (or a generous wait is over). */
    private static List<List<RawEvent>> receiveLoop(TestSubscriber.Probe<List<RawEvent>> sub, Process shell,
            long expected) {
        sub.request(1_000_000);
        List<List<RawEvent>> got = new ArrayList<>();
        long deadline = System.nanoTime() + KernelTestSupport.patience(Duration.ofSeconds(20)).toNanos();
        while (eventsOf(got, shell.pid()) < expected && System.nanoTime() < deadline) {
            got.addAll(sub.receiveWithin(Duration.ofMillis(500), 1_000_000));
        }
        return got;
    }

    private static long eventsOf(List<List<RawEvent>> batches, long shellPid) {
        return batches.stream().flatMap(List::stream).filter(e -> e.pid() == shellPid || e.ppid() == shellPid).count();
    }

    /**
     * A stalled engine: nothing is pulled while thousands of processes come and go. The
     * reader keeps draining into its queue, so the kernel loses nothing, and everything
     * arrives once demand comes back.
     */
    @Test
    @Tag(KernelTestSupport.VOLUME)
    void aStalledConsumerLosesNothingWithTheDefaults() {
        ProbeConfig config = ProbeConfig.builder().envPrefix("RDST_").build();
        try (KernelProbe probe = KernelProbe.open(config)) {
            TestSubscriber.Probe<List<RawEvent>> sub = probe.events().runWith(TestSink.probe(system), system);
            sub.ensureSubscription();
            int n = KernelTestSupport.volume(3000);
            Process shell = loop(n, "RDST_ID");

            long expected = 3L * n + 2;
            List<List<RawEvent>> got = receiveLoop(sub, shell, expected);
            assertEquals(expected, eventsOf(got, shell.pid()), "every FORK, EXEC and EXIT of the loop");
            assertEquals(0, probe.counters().ringBufferLost());
            assertTrue(probe.counters().queue().highWater() > n / 3,
                    "the queue, not the ring, held them: " + probe.counters().queue());
        }
    }

    /**
     * A stopped JVM drains nothing: the ring alone holds what happens meanwhile. Here the
     * reader has not started yet while the processes run.
     */
    @Test
    @Tag(KernelTestSupport.VOLUME)
    void theRingAloneHoldsTheEventsOfTenThousandProcessesWithTheDefaults() {
        ProbeConfig config = ProbeConfig.builder().envPrefix("RDRG_").build();
        try (KernelProbe probe = KernelProbe.open(config)) {
            int n = KernelTestSupport.volume(10_000);
            Process shell = loop(n, "RDRG_ID");
            assertEquals(0, probe.counters().eventsRead(), "nothing was read yet");

            TestSubscriber.Probe<List<RawEvent>> sub = probe.events().runWith(TestSink.probe(system), system);
            long expected = 3L * n + 2;
            List<List<RawEvent>> got = receiveLoop(sub, shell, expected);
            assertEquals(0, probe.counters().ringBufferLost(), "the ring held them all");
            assertEquals(expected, eventsOf(got, shell.pid()));
        }
    }

    @Test
    @Tag(KernelTestSupport.VOLUME)
    void withoutDemandTheKernelCountsWhatItCannotKeep() {
        // An 8 KiB ring and a 16-event queue: 400 events cannot all wait for demand.
        ProbeConfig config = ProbeConfig.builder().envPrefix("RDBP_").ringBufferBytes(8192).queueEvents(16)
                .pollInterval(Duration.ofMillis(10)).build();
        try (KernelProbe probe = KernelProbe.open(config)) {
            TestSubscriber.Probe<RawEvent> sub = probe.events().mapConcat(batch -> batch).runWith(TestSink.probe(system), system);
            sub.ensureSubscription();
            List<Process> spawned = spawn(200, "RDBP_ID");

            assertTrue(probe.counters().ringBufferLost() > 0, "events were lost: " + probe.counters());
            QueueStats queue = probe.counters().queue();
            assertTrue(queue.fullWaits() > 0, "the reader waited for the queue: " + queue);
            sub.request(10_000);
            List<RawEvent> got = sub.receiveWithin(Duration.ofSeconds(2), 10_000);
            long delivered = got.stream().filter(r -> spawned.stream().anyMatch(p -> p.pid() == r.pid())).count();
            assertTrue(delivered > 0 && delivered < 2L * spawned.size(),
                    "delivered " + delivered + " of " + 2 * spawned.size());
            assertEquals(got.size(), probe.counters().eventsRead());
        }
    }

    /**
     * With a 10 s poll timeout, an event can only arrive within 3 s if the kernel woke
     * the blocked reader: in adaptive mode through the sleeping flag, else per event.
     */
    @ParameterizedTest
    @ValueSource(ints = {-1, 0})
    void aLoneEventWakesABlockedReader(int wakeupBytes) throws InterruptedException {
        ProbeConfig config = ProbeConfig.builder().envPrefix("RDWK_").wakeupBytes(wakeupBytes)
                .pollInterval(Duration.ofSeconds(10)).build();
        try (KernelProbe probe = KernelProbe.open(config)) {
            TestSubscriber.Probe<RawEvent> sub = probe.events().mapConcat(batch -> batch).runWith(TestSink.probe(system), system);
            sub.request(10);
            Thread.sleep(300);  // the reader finds the ring empty and blocks
            Process p = TestProcesses.start(Map.of("RDWK_ID", "1"), "/bin/true");
            TestProcesses.waitFor(p);
            RawEvent exec = sub.expectNext(Duration.ofSeconds(3));
            assertEquals(p.pid(), exec.pid());
        }
    }

    @Test
    void closingTheProbeCompletesTheSource() {
        KernelProbe probe = KernelProbe.open(ProbeConfig.builder().envPrefix("RDCL_").build());
        TestSubscriber.Probe<RawEvent> sub = probe.events().mapConcat(batch -> batch).runWith(TestSink.probe(system), system);
        sub.request(100);
        Process p = TestProcesses.start(Map.of("RDCL_ID", "1"), "/bin/true");
        TestProcesses.waitFor(p);
        RawEvent exec = sub.expectNext(Duration.ofSeconds(5));
        assertEquals(RawEventType.EXEC, exec.type());
        assertEquals(p.pid(), exec.pid());
        sub.expectNext(Duration.ofSeconds(5));  // its EXIT
        probe.close();
        sub.expectComplete();
    }
}
