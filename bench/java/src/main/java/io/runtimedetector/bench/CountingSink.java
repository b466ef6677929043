package io.runtimedetector.bench;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * The benchmark's sink: counts EXEC and EXIT events, those of the current storm apart,
 * and records the exec-to-sink latency of the storm's EXECs.
 *
 * <p>A storm child is recognised by its tag, {@code <tag>:<index>}, which the storm
 * driver passes both as argv[1] and as the value of the prefix variable. argv is what
 * matters: a /bin/true is usually gone before the engine reads /proc, and then the
 * event carries the argv the kernel captured but no environment.
 *
 * <p>An event of a storm child whose argv the engine got wrong (a /proc read racing the
 * process' exit can return a cut-off cmdline, e.g. "/", which the engine then prefers
 * to the kernel's argv) is still counted, as "garbled", when its exec'd path is one the
 * storm runs: /bin/true or rd_hold. Only storm children carry the prefix variable, so
 * nothing else with those paths gets past the kernel's filter. Children of another
 * storm running at the same time (another tag) are counted apart, as "foreign": they
 * mean that something else disturbed the measurement.
 *
 * <p>Latency: the engine turns the kernel's CLOCK_MONOTONIC timestamp into an Instant
 * with an offset (wall minus monotonic) it samples once at start; {@link #setClockOffset}
 * gives this sink that offset, sampled just before and after the engine's start, so that
 * {@code System.nanoTime() - (epochNanos(event.time()) - offset)} is receipt minus
 * kernel time on one clock, CLOCK_MONOTONIC, at nanosecond resolution.
 *
 * <p>Restarts ({@link #reset(String, boolean, Path)} with {@code distinct}): a storm event
 * delivered twice (a restarted detector reading again what its predecessor had read) is
 * recognised by (pid, start time, type), which the storm's tags make unique, so the sink
 * counts the distinct ones apart and {@link #stormEvents()} counts only those. With a
 * journal file, every storm event's key is also written to a memory-mapped file as it
 * arrives: the kernel keeps what a shared mapping holds when the JVM is killed with
 * SIGKILL, so the next JVM, given the same file, knows what the killed one delivered
 * and counts its repeats as duplicates. An EXIT whose image nobody kept (its EXEC went out
 * from the killed JVM, so it carries neither argv nor environment) is the storm's when its
 * EXEC, by (pid, start), was.
 */
final class CountingSink implements EventSink {

    private static final Pattern STORM_TAG = Pattern.compile("[^:]+:[0-9]+");

    private final String tagVariable;
    private volatile String tagPrefix = "\0";
    private volatile long monotonicToEpochNanos;

    private final AtomicLong allExec = new AtomicLong();
    private final AtomicLong allExit = new AtomicLong();
    private final AtomicLong taggedExec = new AtomicLong();
    private final AtomicLong taggedExit = new AtomicLong();
    private final AtomicLong garbledExec = new AtomicLong();
    private final AtomicLong garbledExit = new AtomicLong();
    private final AtomicLong foreign = new AtomicLong();
    private final AtomicLong lastEventNanos = new AtomicLong();
    private final AtomicLong lastStormEventNanos = new AtomicLong();
    /** Distinct mode: (pid, start, type) of the storm events delivered; null when off. Guarded by this. */
    private volatile Set<Key> seen;
    private final AtomicLong distinctExec = new AtomicLong();
    private final AtomicLong distinctExit = new AtomicLong();
    private final AtomicLong duplicates = new AtomicLong();
    /** Storm EXITs that came without an image, matched to their EXEC by (pid, start). */
    private final AtomicLong imageUnknownExit = new AtomicLong();
    private long earlierExec;
    private long earlierExit;
    /** Distinct mode with a journal: 16 bytes per storm event delivered; null when off. Guarded by this. */
    private MappedByteBuffer journal;
    /** Latencies of tagged EXECs in ns; guarded by this. */
    private long[] latencies = new long[1 << 16];
    private int latencyCount;
    /** A few untagged EXECs, to show what the engine made of them; guarded by this. */
    private final List<String> untaggedSamples = new ArrayList<>();

    CountingSink(String tagVariable) {
        this.tagVariable = tagVariable;
    }

    @Override
    public String name() {
        return "bench-counter";
    }

    /** A storm event's identity. */
    private record Key(int pid, long startBootTimeNs, boolean exec) { }

    /** Journal entries: start time, pid, then type (1 EXEC, 2 EXIT) written last, 0 marking the end. */
    private static final int ENTRY_BYTES = 16;
    private static final int JOURNAL_ENTRIES = 1 << 21;

    /** Counts from zero, for the storm whose children carry {@code tag}. */
    void reset(String tag) {
        reset(tag, false, null);
    }

    /**
     * Counts from zero, for the storm whose children carry {@code tag}; with {@code distinct},
     * also the distinct storm events, and with a {@code journalFile}, their keys are written to it
     * as they arrive, after those it already holds (from a JVM killed before), which count as
     * delivered earlier.
     */
    synchronized void reset(String tag, boolean distinct, Path journalFile) {
        tagPrefix = tag + ":";
        seen = distinct ? new HashSet<>() : null;
        distinctExec.set(0);
        distinctExit.set(0);
        duplicates.set(0);
        earlierExec = 0;
        earlierExit = 0;
        journal = null;
        if (distinct && journalFile != null) {
            openJournal(journalFile);
        }
        allExec.set(0);
        allExit.set(0);
        taggedExec.set(0);
        taggedExit.set(0);
        garbledExec.set(0);
        garbledExit.set(0);
        foreign.set(0);
        imageUnknownExit.set(0);
        lastStormEventNanos.set(0);
        latencyCount = 0;
        untaggedSamples.clear();
    }

    private void openJournal(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE)) {
            journal = ch.map(FileChannel.MapMode.READ_WRITE, 0, (long) ENTRY_BYTES * JOURNAL_ENTRIES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        while (journal.remaining() >= ENTRY_BYTES) {
            int at = journal.position();
            long start = journal.getLong(at);
            int pid = journal.getInt(at + 8);
            int type = journal.getInt(at + 12);
            if (type != 1 && type != 2) {
                break;
            }
            Key k = new Key(pid, start, type == 1);
            if (!seen.add(k)) {
                duplicates.incrementAndGet();
            } else {
                (k.exec() ? distinctExec : distinctExit).incrementAndGet();
            }
            if (k.exec()) {
                earlierExec++;
            } else {
                earlierExit++;
            }
            journal.position(at + ENTRY_BYTES);
        }
    }

    /** Distinct mode: counts the event's key, and writes it to the journal. */
    private synchronized void distinct(ProcessEvent event, boolean exec) {
        if (seen == null) {
            return;
        }
        Key k = new Key(event.pid(), event.startBootTimeNs(), exec);
        if (seen.add(k)) {
            (exec ? distinctExec : distinctExit).incrementAndGet();
        } else {
            duplicates.incrementAndGet();
        }
        if (journal != null && journal.remaining() >= ENTRY_BYTES) {
            int at = journal.position();
            journal.putLong(at, k.startBootTimeNs());
            journal.putInt(at + 8, k.pid());
            journal.putInt(at + 12, exec ? 1 : 2);
            journal.position(at + ENTRY_BYTES);
        }
    }

    void setClockOffset(long monotonicToEpochNanos) {
        this.monotonicToEpochNanos = monotonicToEpochNanos;
    }

    @Override
    public void accept(ProcessEvent event) {
        long now = System.nanoTime();
        lastEventNanos.set(now);
        boolean exec = event.type() == EventType.EXEC;
        if (!exec && event.type() != EventType.EXIT) {
            return;
        }
        (exec ? allExec : allExit).incrementAndGet();
        if (!exec && stormExitWithoutImage(event)) {
            imageUnknownExit.incrementAndGet();
            lastStormEventNanos.set(now);
            distinct(event, false);
            return;
        }
        if (!tagged(event)) {
            if (otherStorm(event)) {
                foreign.incrementAndGet();
            } else if (stormProgram(event)) {
                (exec ? garbledExec : garbledExit).incrementAndGet();
                lastStormEventNanos.set(now);
                distinct(event, exec);
            }
            if (exec) {
                sampleUntagged(event);
            }
            return;
        }
        (exec ? taggedExec : taggedExit).incrementAndGet();
        lastStormEventNanos.set(now);
        distinct(event, exec);
        if (exec) {
            Instant t = event.time();
            long kernelMonotonic = t.getEpochSecond() * 1_000_000_000L + t.getNano() - monotonicToEpochNanos;
            record(now - kernelMonotonic);
        }
    }

    private boolean tagged(ProcessEvent event) {
        String prefix = tagPrefix;
        List<String> argv = event.process().cmdLine();
        if (argv.size() > 1 && argv.get(1).startsWith(prefix)) {
            return true;
        }
        String value = event.process().envs().get(tagVariable);
        return value != null && value.startsWith(prefix);
    }

    /** Distinct mode: an EXIT without an image whose EXEC was this storm's (delivered here or by the killed JVM). */
    private synchronized boolean stormExitWithoutImage(ProcessEvent event) {
        return seen != null && !event.process().imageKnown()
                && seen.contains(new Key(event.pid(), event.startBootTimeNs(), true));
    }

    /** Tagged, but not with this storm's tag: {@code <other tag>:<index>}. */
    private boolean otherStorm(ProcessEvent event) {
        List<String> argv = event.process().cmdLine();
        return argv.size() > 1 && STORM_TAG.matcher(argv.get(1)).matches()
                || STORM_TAG.matcher(event.process().envs().getOrDefault(tagVariable, "")).matches();
    }

    private static boolean stormProgram(ProcessEvent event) {
        String link = event.process().exeLink();
        return link.equals("/bin/true") || link.endsWith("/rd_hold");
    }

    private synchronized void sampleUntagged(ProcessEvent e) {
        if (untaggedSamples.size() < 3) {
            untaggedSamples.add("pid=" + e.pid() + " exe=" + e.process().exePath() + " link="
                    + e.process().exeLink() + " argv=" + e.process().cmdLine() + " env=" + e.process().envs());
        }
    }

    /** What some untagged EXECs looked like, one per line. */
    synchronized List<String> untaggedSamples() {
        return List.copyOf(untaggedSamples);
    }

    private synchronized void record(long latencyNs) {
        if (latencyCount == latencies.length) {
            latencies = Arrays.copyOf(latencies, latencies.length * 2);
        }
        latencies[latencyCount++] = latencyNs;
    }

    /**
     * EXEC and EXIT events of the storm's processes, garbled ones included; in distinct mode
     * only the distinct ones, those a killed predecessor delivered (the journal) included.
     */
    long stormEvents() {
        if (seen != null) {
            return distinctExec.get() + distinctExit.get();
        }
        return taggedExec.get() + taggedExit.get() + garbledExec.get() + garbledExit.get();
    }

    /** System.nanoTime() of the last storm event received, 0 before any. */
    long lastStormEventNanos() {
        return lastStormEventNanos.get();
    }

    /** System.nanoTime() of the last event received, 0 before any. */
    long lastEventNanos() {
        return lastEventNanos.get();
    }

    /**
     * {@code key=value} pairs: the storm's EXECs and EXITs (garbled ones included, and
     * also counted apart), all EXECs and EXITs, latency percentiles in microseconds
     * (tagged EXECs only).
     */
    synchronized String summary() {
        long[] sorted = Arrays.copyOf(latencies, latencyCount);
        Arrays.sort(sorted);
        return "exec=" + (taggedExec.get() + garbledExec.get()) + " exit=" + (taggedExit.get() + garbledExit.get())
                + " garbled_exec=" + garbledExec.get() + " garbled_exit=" + garbledExit.get()
                + " foreign=" + foreign.get()
                + " all_exec=" + allExec.get() + " all_exit=" + allExit.get()
                + " lat_n=" + sorted.length
                + " lat_p50_us=" + micros(percentile(sorted, 50))
                + " lat_p99_us=" + micros(percentile(sorted, 99))
                + " lat_max_us=" + micros(sorted.length == 0 ? 0 : sorted[sorted.length - 1])
                + (seen == null ? "" : " distinct_exec=" + distinctExec.get() + " distinct_exit=" + distinctExit.get()
                        + " duplicates=" + duplicates.get() + " image_unknown_exit=" + imageUnknownExit.get()
                        + " earlier_exec=" + earlierExec
                        + " earlier_exit=" + earlierExit);
    }

    private static long percentile(long[] sorted, int p) {
        return sorted.length == 0 ? 0 : sorted[(int) ((sorted.length - 1L) * p / 100)];
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e3);
    }
}
