package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pinned half of a {@link KernelProbe}: finds, resumes or creates the generation of
 * pins, hands over the others, holds the directory's lock, commits released batches and
 * records what the reader reported. Not thread-safe: {@link KernelProbe} calls it under
 * its own lock.
 */
final class PinnedSession {

    private static final Logger LOG = LoggerFactory.getLogger(PinnedSession.class);

    /** The programs every generation pins a link of; rd_open only when files are watched. */
    private static final List<String> PROGRAMS = List.of("rd_exec", "rd_exit", "rd_fork");
    /** Rings of other generations read at once (RD_MAX_RINGS - 1 in probe_jni.c). */
    private static final int MAX_HANDOVERS = 7;
    private static final List<String> MAPS = List.of(PinDirectory.EVENTS, PinDirectory.TRACKED,
            PinDirectory.COUNTERS, "wakeup", PinDirectory.META);

    /** A generation being handed over: its ring is read (index {@code ring}) until its end. */
    private static final class Retiring {
        final int ring;
        final Path dir;
        boolean endSeen;
        boolean done;

        Retiring(int ring, Path dir) {
            this.ring = ring;
            this.dir = dir;
        }
    }

    final long handle;
    final BatchLedger ledger;
    private final int lockFd;
    private final Path dir;
    private final long[] baseline;
    private final List<Retiring> retiring;
    private final PinState state;
    private PinMeta meta;
    private boolean closed;

    private PinnedSession(long handle, int lockFd, Path dir, PinMeta meta, long[] baseline, List<Retiring> retiring,
            PinState state) {
        this.handle = handle;
        this.lockFd = lockFd;
        this.dir = dir;
        this.meta = meta;
        this.baseline = baseline;
        this.retiring = retiring;
        this.state = state;
        this.ledger = new BatchLedger((ring, position) -> NativeProbe.commit(handle, ring, position));
    }

    /**
     * Locks the pin directory, then resumes this configuration's generation when it is
     * pinned complete, or loads, attaches and pins a new one; then hands over every other
     * generation found. On failure nothing stays locked or half pinned by this call.
     */
    static PinnedSession open(ProbeConfig config, long pidNamespaceInode, long[] watchedInodes) {
        Path root = config.pinDir().orElseThrow();
        PinDirectory.prepare(root);
        int lockFd = PinDirectory.lock(root);
        try {
            return establish(config, root, lockFd, pidNamespaceInode, watchedInodes);
        } catch (RuntimeException | Error e) {
            NativeProbe.closeFd(lockFd);
            throw e;
        }
    }

    private static PinnedSession establish(ProbeConfig config, Path root, int lockFd, long pidNamespaceInode,
            long[] watchedInodes) {
        int variant = NativeProbe.chooseVariant(config.bpfVariant().ordinal());
        KernelInputs in = KernelInputs.of(config, variant, NativeProbe.objectBytes(variant), pidNamespaceInode,
                watchedInodes);
        String generation = PinGeneration.of(in);
        Path dir = root.resolve(PinGeneration.dirName(generation));
        Optional<PinMeta> found = PinDirectory.meta(dir);
        long handle;
        PinState.Mode mode;
        PinMeta meta;
        long[] baseline;
        long lost = 0;
        long idle = 0;
        if (resumable(dir, found, generation, config)) {
            meta = found.get();
            handle = NativeProbe.resume(dir.toString(), meta.variant());
            mode = PinState.Mode.RESUMED;
            baseline = NativeProbe.counters(handle);
            lost += Math.max(0, baseline[EventLayout.CNT_RINGBUF_LOST] - meta.reportedLost());
            idle += Math.max(0, baseline[EventLayout.CNT_IDLE_SKIPPED] - meta.reportedIdle());
        } else {
            setAside(root, dir);
            meta = new PinMeta(PinMeta.LAYOUT_VERSION, false, variant, config.ringBufferBytes(),
                    config.trackedCapacity(), NativeProbe.monotonicNs(), 0, 0, generation,
                    BpfVariant.values()[variant].label() + " " + PinGeneration.dirName(
                            java.util.HexFormat.of().formatHex(sha256(in.object()))));
            handle = loadAndPin(in, dir, meta);
            meta = meta.completed();
            mode = PinState.Mode.FRESH;
            baseline = new long[EventLayout.COUNTERS];
        }
        try {
            // The new reader takes over reporting what it found unreported.
            meta = meta.reported(baseline[EventLayout.CNT_RINGBUF_LOST], baseline[EventLayout.CNT_IDLE_SKIPPED]);
            PinDirectory.writeMeta(dir, meta);
            List<Retiring> retiring = new ArrayList<>();
            int handedOver = 0;
            for (Path other : PinDirectory.generations(root)) {
                if (other.equals(dir)) {
                    continue;
                }
                if (retiring.size() == MAX_HANDOVERS) {
                    // Their programs stay attached (recording twice, losing nothing); the next open takes them.
                    LOG.warn("more than {} generations of pins to hand over at once; {} waits for the next open",
                            MAX_HANDOVERS, other);
                    continue;
                }
                handedOver++;
                long[] delta = handOver(handle, other, config, retiring);
                lost += delta[0];
                idle += delta[1];
            }
            long pending = NativeProbe.pendingBytes(handle, 0);
            for (Retiring r : retiring) {
                pending += NativeProbe.pendingBytes(handle, r.ring);
            }
            long previous = NativeProbe.previousHeartbeat(handle);
            boolean seen = mode == PinState.Mode.RESUMED && previous > 0;
            Duration unread = seen ? Duration.ofNanos(Math.max(0, NativeProbe.monotonicNs() - previous))
                    : Duration.ZERO;
            PinState state = new PinState(mode, Optional.of(dir), generation, handedOver, lost, idle, pending, unread,
                    seen ? Optional.of(Instant.now().minus(unread)) : Optional.empty());
            return new PinnedSession(handle, lockFd, dir, meta, baseline, retiring, state);
        } catch (RuntimeException | Error e) {
            // Resumed or fresh, the pins stay: the next reader takes them up. Only our handle goes.
            NativeProbe.close(handle);
            throw e;
        }
    }

    /** Complete, of this generation and layout, with every map and link pinned. */
    private static boolean resumable(Path dir, Optional<PinMeta> meta, String generation, ProbeConfig config) {
        if (meta.isEmpty() || !meta.get().complete() || meta.get().layoutVersion() != PinMeta.LAYOUT_VERSION
                || !meta.get().generation().equals(generation)) {
            return false;
        }
        for (String map : MAPS) {
            if (!Files.exists(dir.resolve(map))) {
                return false;
            }
        }
        List<String> programs = new ArrayList<>(PROGRAMS);
        if (!config.watchedFiles().isEmpty()) {
            programs.add("rd_open");
        }
        List<String> links = PinDirectory.links(dir).stream().map(p -> p.getFileName().toString()).sorted().toList();
        return links.equals(programs.stream().sorted().toList());
    }

    /** Renames pins of our generation that cannot be resumed, so that they are handed over like any other. */
    private static void setAside(Path root, Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        Path aside = root.resolve(dir.getFileName() + "-stale-" + System.nanoTime());
        try {
            Files.move(dir, aside);
        } catch (IOException e) {
            throw new ProbeException("cannot set aside the incomplete pins in " + dir + ": " + e.getMessage(), e);
        }
        LOG.warn("pins in {} were incomplete or damaged; set aside as {} and handed over", dir, aside);
    }

    /** Loads, attaches and pins a generation, its meta record marked complete last. */
    private static long loadAndPin(KernelInputs in, Path dir, PinMeta meta) {
        long handle = in.load(true);
        try {
            NativeProbe.attach(handle);
            Files.createDirectories(dir.resolve(PinDirectory.LINKS));
            NativeProbe.pin(handle, dir.toString(), meta.encode());
            PinDirectory.writeMeta(dir, meta.completed());
            return handle;
        } catch (IOException | RuntimeException | Error e) {
            NativeProbe.close(handle);
            try {
                PinDirectory.remove(dir);
            } catch (RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            if (e instanceof IOException io) {
                throw new ProbeException("cannot create the pin directory " + dir + ": " + io.getMessage(), io);
            }
            if (e instanceof Error err) {
                throw err;
            }
            throw (RuntimeException) e;
        }
    }

    /**
     * Hands over the generation in {@code other}: copies what it tracks (while its programs
     * are still attached, so that the copy is current), removes its links
     * (its programs detach: ours are attached already, so nothing goes unseen), and adds its
     * ring to what the reader reads first. Pins of another layout, or without a ring, are
     * removed at once. Returns the drops and idle skips it had not reported.
     */
    private static long[] handOver(long handle, Path other, ProbeConfig config, List<Retiring> retiring) {
        Optional<PinMeta> meta = PinDirectory.meta(other);
        Path ring = other.resolve(PinDirectory.EVENTS);
        boolean readable = meta.isPresent() && meta.get().layoutVersion() == PinMeta.LAYOUT_VERSION
                && Files.exists(ring);
        long[] delta = new long[2];
        // Only while its links are pinned were its programs keeping its tracked map current; the map of a
        // generation whose links are gone already (a handover cut short) holds processes long exited.
        boolean attached = !PinDirectory.links(other).isEmpty();
        if (readable && attached && Files.exists(other.resolve(PinDirectory.TRACKED))) {
            NativeProbe.copyTracked(handle, other.resolve(PinDirectory.TRACKED).toString(), config.trackedCapacity());
        }
        PinDirectory.unpinLinks(other);
        if (!readable) {
            LOG.warn("pins in {} are of another layout or have no ring: removed unread", other);
            PinDirectory.remove(other);
            return delta;
        }
        long[] counters = NativeProbe.pinnedCounters(other.resolve(PinDirectory.COUNTERS).toString());
        if (counters != null) {
            delta[0] = Math.max(0, counters[EventLayout.CNT_RINGBUF_LOST] - meta.get().reportedLost());
            delta[1] = Math.max(0, counters[EventLayout.CNT_IDLE_SKIPPED] - meta.get().reportedIdle());
        }
        retiring.add(new Retiring(NativeProbe.addRing(handle, ring.toString()), other));
        LOG.info("handing over the pinned programs of {} (generation {})", other, meta.get().generation());
        return delta;
    }

    PinState state() {
        return state;
    }

    /** The kernel counters since this probe opened (the pinned map counts since the pins were made). */
    long[] sinceOpen(long[] absolute) {
        long[] out = absolute.clone();
        for (int i = 0; i < out.length && i < baseline.length; i++) {
            out[i] -= baseline[i];
        }
        return out;
    }

    /** Records in the meta map what was reported, so that a successor reports only the rest. */
    void reported(long[] absolute) {
        if (closed) {
            return;
        }
        PinMeta next = meta.reported(absolute[EventLayout.CNT_RINGBUF_LOST], absolute[EventLayout.CNT_IDLE_SKIPPED]);
        if (!next.equals(meta)) {
            PinDirectory.writeMeta(dir, next);
            meta = next;
        }
    }

    void release(List<RawEvent> batch) {
        if (!closed) {
            ledger.release(batch);
            finishHandovers();
        }
    }

    /** After each poll, on the reader thread, once its batch is in the ledger. */
    void polled() {
        if (closed) {
            return;
        }
        for (Retiring r : retiring) {
            if (!r.endSeen && NativeProbe.ringEnded(handle, r.ring)) {
                r.endSeen = true;
            }
        }
        finishHandovers();
    }

    /**
     * Removes the pins of each generation handed over whose ring was read to its end and
     * committed. A pin that cannot be removed is logged, not thrown: this runs on the reader
     * thread or in release(), and the next open hands the leftovers over again.
     */
    private void finishHandovers() {
        for (Retiring r : retiring) {
            if (r.endSeen && !r.done && ledger.outstanding(r.ring) == 0) {
                NativeProbe.dropRing(handle, r.ring);
                r.done = true;
                try {
                    PinDirectory.remove(r.dir);
                    LOG.info("handed over the pinned programs of {}: read to the end and removed", r.dir);
                } catch (ProbeException e) {
                    LOG.warn("handed over the pinned programs of {}, but cannot remove their pins: {}", r.dir,
                            e.getMessage());
                }
            }
        }
    }

    /** Whether every generation found at open has been handed over completely. */
    boolean handoversDone() {
        return retiring.stream().allMatch(r -> r.done);
    }

    /** Records the final counters and releases the lock; the pins stay. The caller then frees the handle. */
    void close(long[] absolute) {
        try {
            reported(absolute);
        } finally {
            closed = true;
            NativeProbe.closeFd(lockFd);
        }
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return java.security.MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
