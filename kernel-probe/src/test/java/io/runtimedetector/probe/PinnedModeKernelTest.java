package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pinned mode on the real kernel: a restart, a crash, an overflow, a changed configuration
 * and a forgotten detector, each on a BPF filesystem of its own. Every test counts only the
 * processes of a shell loop it starts with its own prefix variable: the loop's n children
 * make 3n + 2 events (each child's FORK, EXEC and EXIT, the shell's EXEC and EXIT).
 */
class PinnedModeKernelTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @BeforeEach
    void kernel() {
        KernelTestSupport.requireKernel();
    }

    /** The configuration every test (and {@link PinnedReaderMain}) starts from: a 1 MiB ring. */
    static ProbeConfig.Builder config(Path pins, String prefix) {
        return ProbeConfig.builder().pinDir(pins).envPrefix(prefix).ringBufferBytes(1 << 20);
    }

    /** A shell that runs /bin/true {@code n} times with the variable {@code var} set, waited for. */
    private static Process loop(int n, String var) {
        Process p = TestProcesses.start(Map.of(var, "1"), "/bin/sh", "-c",
                "i=0; while [ $i -lt " + n + " ]; do /bin/true; i=$((i+1)); done");
        TestProcesses.waitFor(p);
        return p;
    }

    private static Predicate<RawEvent> of(Process shell) {
        return e -> e.pid() == shell.pid() || e.ppid() == shell.pid();
    }

    @Test
    void aRestartedProbeDeliversWhatHappenedWhileNoneRanExactlyOnce() throws Exception {
        try (BpfFs fs = new BpfFs()) {
            ProbeConfig config = config(fs.pins, "RDPR_").build();
            try (PinnedHarness first = new PinnedHarness(config, true)) {
                assertEquals(PinState.Mode.FRESH, first.probe.pinState().mode());
                assertTrue(Files.isDirectory(fs.pins), "open() creates the pin directory");
            }
            int n = KernelTestSupport.volume(300);
            Process shell = loop(n, "RDPR_ID");

            try (PinnedHarness second = new PinnedHarness(config, true)) {
                long openMicros = second.openNanos / 1000;
                PinState state = second.probe.pinState();
                assertEquals(PinState.Mode.RESUMED, state.mode());
                assertEquals(0, state.lostWhileUnread());
                assertTrue(state.pendingBytes() > 0, "the gap's records wait in the ring: " + state);
                List<RawEvent> got = second.awaitDistinct(of(shell), 3L * n + 2, WAIT);
                Map<PinnedHarness.Key, Integer> counts = PinnedHarness.counts(got);
                assertEquals(3 * n + 2, counts.size(), "every FORK, EXEC and EXIT of the gap");
                assertEquals(Set.of(1), new HashSet<>(counts.values()), "each once");
                assertEquals(0, second.probe.counters().ringBufferLost());
                assertEquals(0, second.probe.counters().idleSkipped(), "its reader polled: nothing skipped as idle");
                // What a record takes in the ring: its 8-byte header and the payload, rounded up to 8.
                RecordSizes sizes = second.probe.counters().records();
                double exec = Math.ceil((sizes.averageExecBytes() + 8) / 8) * 8;
                double exit = Math.ceil((sizes.averageExitBytes() + 8) / 8) * 8;
                System.out.printf("pinned resume: open took %d us; %d bytes waited; in the ring EXEC %.0f B, FORK and"
                        + " EXIT %.0f B: %.0f EXEC records or %.0f processes (FORK+EXEC+EXIT) per MiB%n", openMicros,
                        state.pendingBytes(), exec, exit, (1 << 20) / exec, (1 << 20) / (exec + 2 * exit));
            }
            // Every batch was released: the next reader finds nothing of them left.
            try (PinnedHarness third = new PinnedHarness(config, true)) {
                assertEquals(PinState.Mode.RESUMED, third.probe.pinState().mode());
                assertEquals(0, third.probe.pinState().pendingBytes());
            }
        }
    }

    @Test
    void aKilledReaderLeavesWhatItHadNotReleasedForTheNext() throws Exception {
        try (BpfFs fs = new BpfFs()) {
            ProbeConfig config = config(fs.pins, "RDPK_").build();
            int n = KernelTestSupport.volume(300);
            long expected = 3L * n + 2;
            Process shell;
            List<String> output;
            // It releases the batches of about the first half, reads the rest into its JVM, and dies.
            Process child = childReader(fs.pins, "RDPK_", expected / 2);
            try {
                LinkedBlockingQueue<String> lines = linesOf(child);
                awaitLine(lines, "attached"::equals);
                PinsInUseException refused = assertThrows(PinsInUseException.class, () -> KernelProbe.open(config));
                assertEquals("another detector already reads the pinned programs in " + fs.pins,
                        refused.getMessage());

                shell = loop(n, "RDPK_ID");
                output = awaitLine(lines, line -> line.startsWith("read ")
                        && Long.parseLong(line.substring(5)) >= expected);
                child.destroyForcibly();
                child.waitFor();
            } finally {
                child.destroyForcibly();
            }
            Set<PinnedHarness.Key> released = new HashSet<>();
            for (String line : output) {
                if (line.startsWith("released ")) {
                    String[] f = line.split(" ");
                    released.add(new PinnedHarness.Key(RawEventType.valueOf(f[1]), Integer.parseInt(f[2]),
                            Long.parseLong(f[3])));
                }
            }
            assertTrue(!released.isEmpty() && released.size() < expected, "it released a part: " + released.size());
            try (PinnedHarness next = new PinnedHarness(config, true)) {
                assertEquals(PinState.Mode.RESUMED, next.probe.pinState().mode());
                List<RawEvent> got = next.awaitDistinct(of(shell), expected - released.size(), WAIT);
                Set<PinnedHarness.Key> again = new HashSet<>(PinnedHarness.counts(got).keySet());
                Set<PinnedHarness.Key> both = new HashSet<>(again);
                both.retainAll(released);
                assertEquals(Set.of(), both, "what was released is not delivered again");
                again.addAll(released);
                assertEquals(expected, again.size(), "the rest, which it had read but not released, is");
                System.out.printf("pinned crash: %d released, %d redelivered, %d of them twice%n", released.size(),
                        got.size(), got.size() - PinnedHarness.distinct(got));
            }
        }
    }

    @Test
    void dropsWhileNoReaderRanAreReportedOnceByTheNext() throws Exception {
        try (BpfFs fs = new BpfFs()) {
            // 16 KiB hold about 45 processes (FORK, EXEC and EXIT: about 350 bytes); the gap has three times as many.
            ProbeConfig config = config(fs.pins, "RDPO_").ringBufferBytes(16 << 10).build();
            Path generation;
            try (PinnedHarness first = new PinnedHarness(config, true)) {
                generation = first.probe.pinState().directory().orElseThrow();
            }
            long before = lost(generation);
            assertEquals(before, PinDirectory.meta(generation).orElseThrow().reportedLost(),
                    "the closing reader recorded what it had reported");
            int n = 150;
            Process shell = loop(n, "RDPO_ID");
            long after = lost(generation);
            assertTrue(after > before, "the ring overflowed while no one read: " + before + " -> " + after);

            try (PinnedHarness next = new PinnedHarness(config, true)) {
                PinState state = next.probe.pinState();
                assertEquals(after - before, state.lostWhileUnread());
                List<RawEvent> got = next.awaitDistinct(of(shell), 3L * n + 2 - state.lostWhileUnread(), WAIT);
                assertEquals(3L * n + 2, PinnedHarness.distinct(got) + state.lostWhileUnread(),
                        "each event either delivered or counted as lost");
                assertEquals(0, next.probe.counters().ringBufferLost(), "not counted again as this probe's");
                assertEquals(state.lostWhileUnread(), next.probe.counters().lostWhileUnread(),
                        "reported, once, by the probe that found it");
            }
        }
    }

    @Test
    void aChangedConfigurationTakesOverTheOldPinsWithoutLoss() throws Exception {
        try (BpfFs fs = new BpfFs()) {
            ProbeConfig a = config(fs.pins, "RDPH_").build();
            ProbeConfig b = config(fs.pins, "RDPH_").reportedEnvKeys(List.of("RDPH_ID")).build();
            int n = KernelTestSupport.volume(200);
            Process waiter = null;
            long waiterStart;
            Path generationA;
            try {
                try (PinnedHarness h = new PinnedHarness(a, true)) {
                    // Lives across the switch: it exits only when its stdin closes.
                    Process w = TestProcesses.start(Map.of("RDPH_ID", "waiter"), "/bin/sh", "-c", "read x");
                    waiter = w;
                    List<RawEvent> exec = h.awaitDistinct(e -> e.type() == RawEventType.EXEC && e.pid() == w.pid(), 1,
                            WAIT);
                    assertEquals(1, PinnedHarness.distinct(exec));
                    waiterStart = exec.get(0).startBootTimeNs();
                    generationA = h.probe.pinState().directory().orElseThrow();
                }
                Set<Integer> programsA = BpfFs.linkedPrograms(generationA);
                assertEquals(3, programsA.size());
                Process gap = loop(n, "RDPH_ID");
                CompletableFuture<Process> during = CompletableFuture.supplyAsync(() -> loop(n, "RDPH_ID"));
                try (PinnedHarness h = new PinnedHarness(b, true)) {
                    PinState state = h.probe.pinState();
                    assertEquals(PinState.Mode.FRESH, state.mode());
                    assertEquals(1, state.generationsHandedOver());
                    assertNotEquals(generationA, state.directory().orElseThrow());
                    BpfPrograms.awaitUnloaded(programsA, "after the handover");
                    Process switching = during.get(KernelTestSupport.patience(WAIT).toMillis(), TimeUnit.MILLISECONDS);
                    // Only the new programs are attached now: the waiter's EXIT needs the tracked map taken over.
                    assertEquals(waiterStart, h.probe.trackedEntries().get((int) waiter.pid()),
                            "the new tracked map follows what the old one did");
                    waiter.getOutputStream().close();
                    waiter.waitFor();
                    long waiterPid = waiter.pid();

                    assertEquals(3L * n + 2, PinnedHarness.distinct(h.awaitDistinct(of(gap), 3L * n + 2, WAIT)),
                            "the old ring's records of the gap");
                    assertEquals(3L * n + 2, PinnedHarness.distinct(h.awaitDistinct(of(switching), 3L * n + 2,
                            WAIT)), "the records of the switch, from either ring");
                    assertEquals(1, PinnedHarness.distinct(h.awaitDistinct(
                            e -> e.type() == RawEventType.EXIT && e.pid() == waiterPid, 1, WAIT)));
                    awaitHandover(h.probe);
                    assertFalse(Files.exists(generationA), "the old generation's pins are removed");
                    assertEquals(List.of(state.directory().orElseThrow()), fs.generations());
                }
            } finally {
                if (waiter != null) {
                    waiter.destroyForcibly();
                }
            }
        }
    }

    /** A reader that died between pinning and marking the pins complete: they are taken over, not resumed. */
    @Test
    void pinsLeftIncompleteAreTakenOverNotResumed() throws Exception {
        try (BpfFs fs = new BpfFs()) {
            ProbeConfig config = config(fs.pins, "RDPI_").build();
            Path generation;
            try (PinnedHarness first = new PinnedHarness(config, true)) {
                generation = first.probe.pinState().directory().orElseThrow();
            }
            PinDirectory.writeMeta(generation, PinDirectory.meta(generation).orElseThrow().reported(0, 0)
                    .withComplete(false));
            int n = KernelTestSupport.volume(100);
            Process shell = loop(n, "RDPI_ID");  // into the incomplete generation's ring: its links are pinned

            try (PinnedHarness next = new PinnedHarness(config, true)) {
                PinState state = next.probe.pinState();
                assertEquals(PinState.Mode.FRESH, state.mode());
                assertEquals(1, state.generationsHandedOver());
                assertEquals(generation, state.directory().orElseThrow(), "the same generation, pinned anew");
                assertEquals(3L * n + 2, PinnedHarness.distinct(next.awaitDistinct(of(shell), 3L * n + 2, WAIT)),
                        "what the incomplete pins recorded");
                awaitHandover(next.probe);
                assertEquals(List.of(generation), fs.generations());
                assertTrue(PinDirectory.meta(generation).orElseThrow().complete());
            }
        }
    }

    /**
     * Records read and not released keep the ring's level-triggered readiness up: a reader
     * waiting on it would spin. It waits on the edge-triggered set, so an idle probe with a
     * backlog costs a few poll rounds a second, not a core.
     */
    @Test
    void anUnreleasedBacklogDoesNotKeepTheReaderBusy() throws Exception {
        try (BpfFs fs = new BpfFs(); PinnedHarness h = new PinnedHarness(config(fs.pins, "RDPS_").build(), false)) {
            Process shell = loop(20, "RDPS_ID");
            h.awaitDistinct(of(shell), 3L * 20 + 2, WAIT);
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long reader = Thread.getAllStackTraces().keySet().stream()
                    .filter(t -> t.getName().equals("rd-ringbuf-reader")).findFirst().orElseThrow().getId();
            long cpuBefore = threads.getThreadCpuTime(reader);
            long wallBefore = System.nanoTime();
            Thread.sleep(1000);
            long cpu = threads.getThreadCpuTime(reader) - cpuBefore;
            long wall = System.nanoTime() - wallBefore;
            assertTrue(h.probe.pinState().mode() == PinState.Mode.FRESH && cpu < wall / 4,
                    "the reader used " + cpu / 1_000_000 + " ms of CPU in " + wall / 1_000_000 + " ms");
        }
    }

    /** Backpressure in pinned mode: what is read but not released still occupies the ring. */
    @Test
    void unreleasedBatchesOccupyTheRingAndTheKernelCountsWhatItDrops() throws Exception {
        try (BpfFs fs = new BpfFs();
                PinnedHarness h = new PinnedHarness(config(fs.pins, "RDPQ_").ringBufferBytes(16 << 10).build(),
                        false)) {
            int n = 150;
            Process shell = loop(n, "RDPQ_ID");
            long lost = 0;
            long deadline = System.nanoTime() + KernelTestSupport.patience(WAIT).toNanos();
            List<RawEvent> got = List.of();
            // Every record is either read or dropped; wait until the two account for all.
            while (PinnedHarness.distinct(got) + lost < 3L * n + 2 && System.nanoTime() < deadline) {
                Thread.sleep(20);
                got = h.events(of(shell));
                lost = h.probe.counters().ringBufferLost();
            }
            assertTrue(lost > 0, "the reader read everything, yet the ring overflowed: nothing was committed");
            assertEquals(0, h.probe.counters().idleSkipped(), "a reader was polling: nothing is skipped as idle");
            assertEquals(3L * n + 2, PinnedHarness.distinct(got) + lost);
        }
    }

    @Test
    void oneReaderAtATimeAndUnpinLeavesNothingAttached() throws Exception {
        try (BpfFs fs = new BpfFs()) {
            // A watched file: the fourth program, rd_open, is pinned too.
            ProbeConfig config = config(fs.pins, "RDPU_").watchedFiles(List.of(Path.of("/etc/hostname"))).build();
            Path generation;
            try (KernelProbe first = KernelProbe.open(config)) {
                PinsInUseException second = assertThrows(PinsInUseException.class, () -> KernelProbe.open(config));
                assertEquals("another detector already reads the pinned programs in " + fs.pins, second.getMessage());
                assertThrows(PinsInUseException.class, () -> KernelProbe.unpin(fs.pins));
                generation = first.pinState().directory().orElseThrow();
            }
            Set<Integer> programs = BpfFs.linkedPrograms(generation);
            assertEquals(4, programs.size());
            assertEquals(1, BpfPrograms.named(programs, "rd_exec").size(), "still loaded after close");

            KernelProbe.unpin(fs.pins);
            try (var left = Files.list(fs.pins)) {
                assertEquals(List.of(), left.toList());
            }
            BpfPrograms.awaitUnloaded(programs, "after unpin");
            KernelProbe.unpin(fs.pins);
            KernelProbe.unpin(fs.mount.resolve("never-made"));
        }
    }

    @Test
    void forgottenProgramsIdleUntilAReaderComesBack() throws Exception {
        try (BpfFs fs = new BpfFs()) {
            ProbeConfig config = config(fs.pins, "RDPB_").readerTimeout(Duration.ofSeconds(1)).build();
            try (PinnedHarness first = new PinnedHarness(config, true)) {
                assertEquals(0, first.probe.counters().idleSkipped());
            }
            Thread.sleep(KernelTestSupport.patience(Duration.ofMillis(1500)).toMillis());
            int n = 50;
            Process forgotten = loop(n, "RDPB_ID");

            try (PinnedHarness next = new PinnedHarness(config, true)) {
                PinState state = next.probe.pinState();
                assertTrue(state.idleSkippedWhileUnread() >= 3L * n, "each FORK, EXEC and EXIT was skipped: " + state);
                assertEquals(0, state.pendingBytes(), "nothing was recorded");
                assertTrue(state.unreadFor().compareTo(Duration.ofSeconds(1)) > 0, state.toString());
                assertEquals(0, next.probe.counters().idleSkipped(), "counted before it opened, so not as its own");
                Process back = loop(20, "RDPB_ID");
                assertEquals(3L * 20 + 2, PinnedHarness.distinct(next.awaitDistinct(of(back), 3L * 20 + 2, WAIT)));
                assertEquals(List.of(), next.events(of(forgotten)));
            }
        }
    }

    @Test
    void aPinDirectoryOffBpffsIsRefusedInOneSentence(@TempDir Path tmp) {
        Path dir = tmp.resolve("pins");
        ProbeException e = assertThrows(ProbeException.class, () -> KernelProbe.open(config(dir, "RDPN_").build()));
        assertEquals(dir + " is not a BPF filesystem; mount one with mount -t bpf bpf DIR", e.getMessage());
        assertFalse(Files.exists(dir), "nothing created off bpffs");
    }

    private static long lost(Path generation) {
        return NativeProbe.pinnedCounters(generation.resolve(PinDirectory.COUNTERS).toString())[
                EventLayout.CNT_RINGBUF_LOST];
    }

    private static void awaitHandover(KernelProbe probe) throws InterruptedException {
        long deadline = System.nanoTime() + KernelTestSupport.patience(WAIT).toNanos();
        while (!probe.handoversDone()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the old generation was not handed over within " + WAIT);
            }
            Thread.sleep(20);
        }
    }

    private static Process childReader(Path pins, String prefix, long release) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        String variant = System.getProperty(BpfVariant.PROPERTY);
        if (variant != null) {
            cmd.add("-D" + BpfVariant.PROPERTY + "=" + variant);  // the same generation as this JVM's
        }
        cmd.addAll(List.of(PinnedReaderMain.class.getName(), pins.toString(), prefix, Long.toString(release)));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    private static LinkedBlockingQueue<String> linesOf(Process child) {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (java.io.IOException e) {
                // the child died: the waits below time out and say so
            }
        }, "child-output");
        t.setDaemon(true);
        t.start();
        return lines;
    }

    /** The lines up to the first that matches, which ends the list. */
    private static List<String> awaitLine(LinkedBlockingQueue<String> lines, Predicate<String> match)
            throws InterruptedException {
        long deadline = System.nanoTime() + KernelTestSupport.patience(WAIT).toNanos();
        List<String> seen = new ArrayList<>();
        while (true) {
            String line = lines.poll(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (line == null) {
                throw new AssertionError("the child reader never printed the line awaited; it printed: " + seen);
            }
            seen.add(line);
            if (match.test(line)) {
                return seen;
            }
        }
    }
}
