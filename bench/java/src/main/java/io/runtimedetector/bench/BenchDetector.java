package io.runtimedetector.bench;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.engine.Detector;
import io.runtimedetector.engine.DetectorOptions;
import io.runtimedetector.probe.KernelProbe;
import io.runtimedetector.probe.PinState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The detector under test, driven line by line over stdin by bench/run.sh:
 *
 * <pre>
 *   start [RING [OUT]]  attach a new Detector (min duration 0, the bench prefix,
 *                    RING bytes of ring buffer, default --ring-bytes, OUT
 *                    events of output buffer, default the engine's)        → "ready ..."
 *   tag T [distinct [JOURNAL]]
 *                    count from zero, for the storm tagged T; distinct: count
 *                    distinct (pid, start, type) too, and drain on those; with
 *                    JOURNAL, write each storm event's key to that file (kept
 *                    through a kill -9) after those a killed JVM left in it  → "ok"
 *   drain N MS       wait until N tagged EXEC+EXIT arrived, or none for MS  → "drained ..."
 *   report           counts, latency percentiles, kernel losses             → "result ...", ..., "end"
 *   stop             report, then detach and stop the detector              → ... "end", "stopped"
 *   mem              full GC, then heap and RSS                             → "mem ..."
 *   unpin            remove the pins of --pin-dir (no detector attached)    → "unpinned"
 *   quit / EOF       stop (with its report) if attached, and exit
 * </pre>
 *
 * The JVM outlives each detector so that the rounds of the A/B comparison run on a
 * warm JIT; between {@code stop} and {@code start} nothing is attached, which is the
 * "bare" state. SIGTERM does what EOF does. {@code --start TAG} starts at once.
 *
 * <p>Options: {@code --prefix P} (default RDBENCH_), {@code --ring-bytes B} (default:
 * the probe's, 16 MiB), {@code --pin-dir DIR} (pinned mode in DIR, on a BPF filesystem: a
 * {@code stop} leaves the programs recording into the pinned ring, and the next
 * {@code start}, in this JVM or another, resumes reading it; "ready" then says how the
 * probe found the pins: {@code pin_mode}, {@code lost_while_unread}, {@code pending_bytes},
 * {@code unread_ms}). Tag before {@code start} in pinned mode: the backlog arrives at once.
 */
public final class BenchDetector {

    static final String TAG_VARIABLE = "RDBENCH_ID";

    private final String prefix;
    private final int ringBytes;
    private final Path pinDir;
    private final CountingSink sink = new CountingSink(TAG_VARIABLE);
    private Detector detector;
    /** The probe of the current detector, for its pin state. */
    private volatile KernelProbe probe;
    private PinState pinState = PinState.NONE;
    /** System.nanoTime() when the last start began. */
    private long startNanos;
    private boolean finished;

    private BenchDetector(String prefix, int ringBytes, Path pinDir) {
        this.prefix = prefix;
        this.ringBytes = ringBytes;
        this.pinDir = pinDir;
    }

    public static void main(String[] args) throws IOException {
        String prefix = "RDBENCH_";
        int ringBytes = 0;
        String startTag = null;
        Path pinDir = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--prefix" -> prefix = args[++i];
                case "--ring-bytes" -> ringBytes = Integer.parseInt(args[++i]);
                case "--start" -> startTag = args[++i];
                case "--pin-dir" -> pinDir = Path.of(args[++i]).toAbsolutePath();
                default -> {
                    System.err.println("usage: BenchDetector [--prefix P] [--ring-bytes B] [--pin-dir DIR] [--start TAG]");
                    System.exit(2);
                }
            }
        }
        BenchDetector bench = new BenchDetector(prefix, ringBytes, pinDir);
        Runtime.getRuntime().addShutdownHook(new Thread(bench::finish, "bench-shutdown"));
        if (startTag != null) {
            bench.command("tag " + startTag);
            bench.command("start");
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        String line;
        while ((line = in.readLine()) != null && !line.trim().equals("quit")) {
            bench.command(line.trim());
        }
        bench.finish();
        System.exit(0);
    }

    private synchronized void command(String line) {
        String[] w = line.split("\\s+");
        try {
            switch (w[0]) {
                case "start" -> start(w.length > 1 ? Integer.parseInt(w[1]) : ringBytes,
                        w.length > 2 ? Integer.parseInt(w[2]) : DetectorOptions.DEFAULT_OUTPUT_BUFFER_SIZE);
                case "tag" -> {
                    boolean distinct = w.length > 2 && w[2].equals("distinct");
                    sink.reset(w[1], distinct, distinct && w.length > 3 ? Path.of(w[3]) : null);
                    say("ok");
                }
                case "unpin" -> unpin();
                case "drain" -> drain(Long.parseLong(w[1]), Long.parseLong(w[2]));
                case "report" -> report();
                case "stop" -> stop();
                case "mem" -> memory();
                case "" -> { }
                default -> say("error unknown command: " + line);
            }
        } catch (RuntimeException | InterruptedException e) {
            say("error " + e);
        }
    }

    private void start(int ring, int outputBuffer) {
        if (detector != null) {
            say("error already started");
            return;
        }
        startNanos = System.nanoTime();
        DetectorOptions options = DetectorOptions.builder()
                .envPrefix(prefix)
                .minDuration(Duration.ZERO)
                .reportedEnvKeys(List.of(TAG_VARIABLE))
                .outputBufferSize(outputBuffer)
                .addSink(sink)
                // 0: the probe's default; its wake-up stays at an eighth of whatever ring it gets
                .probe(p -> {
                    if (ring != 0) {
                        p.ringBufferBytes(ring);
                    }
                    if (pinDir != null) {
                        p.pinDir(pinDir);
                    }
                })
                .build();
        detector = Detector.create(options, config -> {
            KernelProbe opened = KernelProbe.open(config);
            probe = opened;
            return opened;
        });
        // The engine samples wall minus monotonic inside start(); sampling it just before
        // and just after brackets the engine's value: their difference bounds the error.
        long before = monotonicToEpochNanos();
        detector.start().toCompletableFuture().join();
        long after = monotonicToEpochNanos();
        sink.setClockOffset(before + (after - before) / 2);
        KernelProbe p = probe;
        pinState = p == null ? PinState.NONE : p.pinState();
        say("ready pid=" + ProcessHandle.current().pid() + " ring_bytes=" + ring + " output_buffer=" + outputBuffer
                + " start_ms=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNanos)
                + pinFields() + " clock_offset_uncertainty_us="
                + Math.abs(after - before) / 2 / 1000 + " instant_resolution_ns=" + instantResolutionNanos());
    }

    /** Pinned mode: how the current probe found the pins. */
    private String pinFields() {
        if (pinDir == null) {
            return "";
        }
        return " pin_mode=" + pinState.mode() + " lost_while_unread=" + pinState.lostWhileUnread()
                + " idle_skipped_while_unread=" + pinState.idleSkippedWhileUnread() + " pending_bytes="
                + pinState.pendingBytes() + " unread_ms=" + pinState.unreadFor().toMillis() + " handed_over="
                + pinState.generationsHandedOver();
    }

    private void unpin() {
        if (pinDir == null || detector != null) {
            say("error unpin needs --pin-dir and no detector attached");
            return;
        }
        KernelProbe.unpin(pinDir);
        say("unpinned");
    }

    private void drain(long expected, long quietMillis) throws InterruptedException {
        long begin = System.nanoTime();
        long quietNanos = TimeUnit.MILLISECONDS.toNanos(quietMillis);
        while (sink.stormEvents() < expected
                && System.nanoTime() - Math.max(begin, sink.lastEventNanos()) < quietNanos) {
            Thread.sleep(10);
        }
        long last = sink.lastStormEventNanos();
        say("drained waited_ms=" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin) + " storm_events="
                + sink.stormEvents() + " last_storm_event_since_start_ms="
                + (last == 0 ? -1 : TimeUnit.NANOSECONDS.toMillis(last - startNanos)));
    }

    private void report() {
        DetectorMetrics m = detector == null ? null : detector.metrics();
        say("result " + sink.summary() + (m == null ? "" : " kernel_lost=" + m.kernelLost()
                + " output_dropped=" + m.outputDropped() + " sink_dropped=" + m.sinkDropped()
                + " pending_dropped=" + m.pendingDropped() + " lost_exits=" + m.lostExits()
                + " live=" + m.liveProcesses() + " exec_proc_reads=" + m.procReads().incompleteExecs()
                + " exec_proc_share=" + String.format(java.util.Locale.ROOT, "%.4f", procShare(m))
                + " queue_high_water=" + m.readerQueue().highWater() + " queue_full_waits=" + m.readerQueue().fullWaits()
                + String.format(java.util.Locale.ROOT, " exec_record_bytes=%.0f exit_record_bytes=%.0f",
                        m.execRecordBytes(), m.exitRecordBytes()) + pinFields()));
        if (m != null) {
            say("metrics " + m.summary());
        }
        sink.untaggedSamples().forEach(u -> say("untagged " + u));
        say("end");
    }

    /** Share of the EXECs the kernel reported that needed a /proc read: what its records could not tell. */
    static double procShare(DetectorMetrics m) {
        long execs = m.rawEvents(io.runtimedetector.event.EventType.EXEC);
        return execs == 0 ? 0 : (double) m.procReads().incompleteExecs() / execs;
    }

    private void stop() {
        if (detector == null) {
            say("error not started");
            return;
        }
        report();
        try {
            detector.stop().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            say("error stop: " + e);
        }
        detector = null;
        say("stopped");
    }

    private void memory() throws InterruptedException {
        // Two full collections: the second finds what the first left for finalization.
        System.gc();
        Thread.sleep(200);
        System.gc();
        Thread.sleep(200);
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        say("mem heap_used_kb=" + heap.getUsed() / 1024 + " heap_committed_kb=" + heap.getCommitted() / 1024
                + " heap_max_kb=" + heap.getMax() / 1024 + " rss_kb=" + statusKb("VmRSS") + " hwm_kb="
                + statusKb("VmHWM") + " live=" + (detector == null ? 0 : detector.metrics().liveProcesses()));
    }

    private synchronized void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (detector != null) {
            stop();
        }
    }

    private static long statusKb(String field) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith(field + ":")) {
                    return Long.parseLong(l.substring(field.length() + 1).trim().split("\\s+")[0]);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    private static long monotonicToEpochNanos() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano() - System.nanoTime();
    }

    /** The smallest step Instant.now() takes here: the resolution of the events' times. */
    private static long instantResolutionNanos() {
        long best = Long.MAX_VALUE;
        for (int i = 0; i < 1000; i++) {
            Instant a = Instant.now();
            Instant b;
            do {
                b = Instant.now();
            } while (b.equals(a));
            best = Math.min(best, Duration.between(a, b).toNanos());
        }
        return best;
    }

    private static void say(String line) {
        System.out.println(line);
        System.out.flush();
    }
}
