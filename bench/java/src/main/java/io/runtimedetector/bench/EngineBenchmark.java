package io.runtimedetector.bench;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.engine.Detector;
import io.runtimedetector.engine.DetectorOptions;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.RawEvent;
import io.runtimedetector.probe.RawEventType;
import io.runtimedetector.probe.testkit.SyntheticProbe;
import io.runtimedetector.sink.EventSink;
import io.runtimedetector.sinks.EventSinks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.apache.pekko.stream.javadsl.Sink;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The engine alone: synthetic exec+exit pairs from a {@link SyntheticProbe} through a
 * real {@link Detector} (supervisor, one actor per process, output hub, sink runner) to
 * a sink that only counts. The EXECs are kernel-complete (resolved exe path, the
 * requested variable's value, the prefix verdict), as the kernel sends them, so the
 * engine reads /proc only where such a record would send it there: never. One operation is one event delivered
 * to the sink, so the score is events per second and, with {@code -prof gc},
 * {@code gc.alloc.rate.norm} is bytes allocated per event (all threads, the RawEvents
 * the probe would decode included).
 *
 * <p>{@code procfs=gone}: an empty fake procfs: the processes are gone, as for the
 * storm's /bin/true. {@code procfs=live}: each pid has stat, status, cmdline, environ
 * and exe, as for a process that is still running (found by the start-up scan).
 * {@code sink=plain} vs {@code pekko} shows what the per-event hand-over to a plain
 * EventSink's own thread costs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
public class EngineBenchmark {

    /** Processes per invocation: large enough that the pipeline's fill and drain are noise. */
    static final int PROCESSES = 2_000;
    /** Raw events per hand-over, as the detector batches them. */
    static final int BATCH = 256;
    /** Pids cycle through this many, so that a pid comes back long after its actor ended. */
    static final int PIDS = 8_192;
    static final int FIRST_PID = 100_000;
    /** Start time, in clock ticks since boot, of every fake process. */
    static final long START_TICKS = 500_000;

    @Param({"gone", "live"})
    public String procfs;

    /** plain: an EventSink, called on a thread of its own; pekko: the same count as a Pekko Sink. */
    @Param({"plain", "pekko"})
    public String sink;

    private Path dir;
    private SyntheticProbe probe;
    private Detector detector;
    private final AtomicLong delivered = new AtomicLong();
    private long sequence;
    /** Events handed to the engine so far, over all invocations. */
    private long offered;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("rd-bench-procfs");
        Files.writeString(dir.resolve("uptime"), "600000.00 1000000.00\n");
        if (procfs.equals("live")) {
            for (int i = 0; i < PIDS; i++) {
                writeProcess(dir.resolve(Integer.toString(FIRST_PID + i)), FIRST_PID + i);
            }
        }
        probe = SyntheticProbe.lean();
        EventSink counter = sink.equals("pekko")
                ? EventSinks.fromPekko("count", Sink.<ProcessEvent>foreach(event -> delivered.incrementAndGet()))
                : new EventSink() {
                    @Override
                    public String name() {
                        return "count";
                    }

                    @Override
                    public void accept(ProcessEvent event) {
                        delivered.incrementAndGet();
                    }
                };
        detector = Detector.create(DetectorOptions.builder()
                .envPrefix("RDBENCH_")
                .reportedEnvKeys(List.of(BenchDetector.TAG_VARIABLE))
                .minDuration(Duration.ZERO)
                .procfs(dir)
                .addSink(counter)
                .build(), config -> probe);
        detector.start().toCompletableFuture().join();
        // In the live procfs the start-up scan finds every fake process and reports it: let
        // those events through before counting, or the first invocations would end early.
        long scanned = procfs.equals("live") ? PIDS : 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (delivered.get() < scanned && System.nanoTime() < deadline) {
            LockSupport.parkNanos(1_000_000);
        }
        offered = delivered.get();
    }

    private static void writeProcess(Path p, int pid) throws IOException {
        Files.createDirectories(p);
        // Field 22 is the start time in ticks; comm may not contain ") ".
        Files.writeString(p.resolve("stat"), pid + " (true) S 1 " + pid + " " + pid
                + " 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 " + START_TICKS + " 2461696 200 18446744073709551615\n");
        Files.writeString(p.resolve("status"), "Name:\ttrue\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" + pid
                + "\nNgid:\t0\nPid:\t" + pid + "\nPPid:\t1\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"
                + "NSpid:\t" + pid + "\nVmRSS:\t    1024 kB\nThreads:\t1\n");
        Files.write(p.resolve("cmdline"), ("/bin/true\0bench:" + pid + "\0").getBytes(StandardCharsets.UTF_8));
        Files.write(p.resolve("environ"), ("PATH=/usr/bin:/bin\0HOME=/root\0" + BenchDetector.TAG_VARIABLE
                + "=bench:" + pid + "\0").getBytes(StandardCharsets.UTF_8));
        Files.createSymbolicLink(p.resolve("exe"), Path.of("/bin/true"));
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        DetectorMetrics m = detector.metrics();
        detector.close();
        // Anything not delivered would have made the score wrong: say so next to it.
        System.out.println("engine metrics: " + m.summary());
        System.out.printf(java.util.Locale.ROOT, "engine exec_proc_share=%.4f%n", BenchDetector.procShare(m));
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** One invocation: PROCESSES exec+exit pairs in, 2 × PROCESSES events out. */
    @Benchmark
    @OperationsPerInvocation(2 * PROCESSES)
    public long execExitPairs() {
        offered += 2L * PROCESSES;
        List<RawEvent> batch = new ArrayList<>(BATCH);
        for (int i = 0; i < PROCESSES; i++) {
            long seq = sequence++;
            int pid = FIRST_PID + (int) (seq % PIDS);
            // Unique within the tick the fake stat names, so that /proc confirms the process.
            long start = START_TICKS * 10_000_000L + 1 + seq % 9_999_999;
            batch.add(new RawEvent(RawEventType.EXEC, RawEvent.FLAG_ENV_MATCH | RawEvent.FLAG_ENVS_COMPLETE,
                    System.nanoTime(), start, pid, pid, 1, pid, 0, 0, 0, "true", "/bin/true",
                    List.of("/bin/true", "bench:" + seq), "/usr/bin/true",
                    Map.of(BenchDetector.TAG_VARIABLE, "bench:" + seq), 0));
            batch.add(new RawEvent(RawEventType.EXIT, 0, System.nanoTime(), start, pid, pid, 1, pid, 0, 0, 0,
                    "true", "", List.of(), "", Map.of(), 0));
            if (batch.size() >= BATCH) {
                probe.send(batch);
                batch = new ArrayList<>(BATCH);
            }
        }
        if (!batch.isEmpty()) {
            probe.send(batch);
        }
        // Parked, not spinning: on a small machine a spinning waiter would steal the engine's core.
        // Events the engine dropped never arrive; the metrics are checked now and then only,
        // because reading them allocates.
        for (int polls = 1; delivered.get() < offered; polls++) {
            LockSupport.parkNanos(50_000);
            if (polls % 200 == 0 && delivered.get() + lostSoFar() >= offered) {
                break;
            }
        }
        return delivered.get();
    }

    /** Events the engine counted as dropped: they will never reach the sink. */
    private long lostSoFar() {
        DetectorMetrics m = detector.metrics();
        return m.outputDropped() + m.sinkDropped() + m.pendingDropped();
    }
}
