package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eBPF probe: loaded and attached by {@link #open}, detached and freed by
 * {@link #close}. Without {@link ProbeConfig#pinDir()} the programs are attached through
 * BPF links held only by this process' file descriptors, so a killed JVM leaves nothing
 * attached.
 *
 * <h2>Pinned mode</h2>
 * With {@link ProbeConfig#pinDir()} the programs' links and maps are pinned on a BPF
 * filesystem, so that they keep recording into the ring buffer while no JVM reads it
 * (a restart, an upgrade, a crash), and the next probe opened on the directory resumes
 * where the last one stopped: a restart loses nothing the ring can hold.
 * <ul>
 *   <li><b>Generations.</b> The pins of one configuration live in
 *       {@code DIR/<first 16 hex digits of the generation>/}, where the generation is the
 *       SHA-256 of the BPF object, every configuration value that reaches the kernel
 *       (rd_config, including the PID namespace and the heartbeat timeout; map sizes;
 *       excluded and watched paths and inodes) and a layout version. See
 *       {@link PinState} for what {@link #pinState()} reports.
 *   <li><b>Resume.</b> When this configuration's generation is pinned and complete,
 *       nothing is loaded: the probe maps the pinned ring and reads from the kernel's
 *       consumer position, so what accumulated while no reader ran comes first.
 *   <li><b>Handover.</b> Otherwise it loads, attaches and pins a new generation, then,
 *       for every other generation in the directory (an upgrade or a changed
 *       configuration): copies the processes it tracks into the new tracked map, removes
 *       its link pins (its programs detach) and reads its ring to the end before the new
 *       one. The old ring's records come first, not interleaved, because they are older:
 *       a process' EXEC in the old ring then still comes before its EXIT in the new one.
 *       Events of the moment both were attached may come twice (once from each ring);
 *       none is lost. Once the old ring's last batch is released, its pins and directory
 *       are removed. Pins marked incomplete (a crash while pinning) are handed over the
 *       same way (their ring read if there is one).
 *   <li><b>One reader.</b> The probe holds flock(LOCK_EX) on the directory from open to
 *       close (the kernel drops it when the process dies, even by SIGKILL); another open
 *       or {@link #unpin} meanwhile throws {@link PinsInUseException}.
 *   <li><b>Delivery.</b> Records are committed in the ring only when the consumer calls
 *       {@link #release} for their batch; a probe that dies first leaves them for the
 *       next one, which delivers them again: at least once, in order, duplicates only of
 *       batches that were delivered but not released. So a consumer of a pinned probe
 *       must release every batch: what it does not release keeps occupying the ring,
 *       which then fills, and the kernel drops new records
 *       ({@link ProbeCounters#ringBufferLost()}).
 *   <li><b>Heartbeat.</b> The reader stores a heartbeat in the programs' memory on every
 *       poll round; when it is older than {@link ProbeConfig#readerTimeout()} the programs
 *       only count ({@link ProbeCounters#idleSkipped()}) so that a forgotten detector costs
 *       nothing. The next probe's first heartbeat brings them back.
 *   <li><b>close()</b> stops the reader and frees this process' memory and descriptors but
 *       leaves the programs attached and the pins in place; {@link #unpin} removes them.
 * </ul>
 */
public final class KernelProbe implements EventProbe {

    private static final Logger LOG = LoggerFactory.getLogger(KernelProbe.class);

    private static final int ENOSPC = 28;
    private static final int E2BIG = 7;

    private final long handle;
    private final ProbeConfig config;
    private final BpfVariant variant;
    private final RingBufferReader reader;
    private final PinnedSession pins;  // null when unpinned
    private final AtomicBoolean sourceTaken = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong userTrackFull = new AtomicLong();
    private long[] finalKernelCounters;

    private KernelProbe(long handle, ProbeConfig config, PinnedSession pins) {
        this.handle = handle;
        this.config = config;
        this.pins = pins;
        this.variant = BpfVariant.values()[NativeProbe.variant(handle)];
        this.reader = new RingBufferReader(handle, config, pins == null ? RingBufferReader.Observer.NONE
                : new PinnedObserver());
    }

    /**
     * Loads the programs with {@code config} and attaches them; in pinned mode resumes or
     * pins them first (see the class description).
     *
     * @throws UnsupportedKernelException on a kernel older than 5.8 or without BTF
     * @throws InsufficientPrivilegesException without CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN
     * @throws PinsInUseException pinned mode: another probe holds the pin directory
     * @throws ProbeException on any other failure, with the errno text (and the verifier's last lines); pinned
     *         mode: "DIR is not a BPF filesystem; mount one with mount -t bpf bpf DIR" when it is not
     */
    public static KernelProbe open(ProbeConfig config) {
        KernelSupport.check();
        Privileges.check();
        NativeLibrary.load();
        long pidns = pidNamespaceInode(config.procPath());
        long[] inodes = inodes(config.watchedFiles());
        if (config.pinned()) {
            long started = System.nanoTime();
            PinnedSession session = PinnedSession.open(config, pidns, inodes);
            KernelProbe probe = new KernelProbe(session.handle, config, session);
            PinState state = session.state();
            // A loss while no one read is worth a warning: the events of the gap are incomplete.
            org.slf4j.event.Level level = state.lostWhileUnread() > 0 ? org.slf4j.event.Level.WARN
                    : org.slf4j.event.Level.INFO;
            LOG.atLevel(level).log("eBPF programs {} in {}: variant {}, {} generation(s) handed over, {} bytes waiting,"
                    + " {} records lost while unread, in {} ms", state.mode() == PinState.Mode.RESUMED ? "resumed" : "pinned",
                    state.directory().orElseThrow(), probe.variant.label(), state.generationsHandedOver(),
                    state.pendingBytes(), state.lostWhileUnread(), (System.nanoTime() - started) / 1_000_000);
            return probe;
        }
        int requested = config.bpfVariant().ordinal();
        KernelInputs in = KernelInputs.of(config, requested, new byte[0], pidns, inodes);
        long handle = in.load(false);
        try {
            NativeProbe.attach(handle);
        } catch (RuntimeException e) {
            NativeProbe.close(handle);
            throw e;
        }
        KernelProbe probe = new KernelProbe(handle, config, null);
        LOG.info("eBPF programs attached: variant {} ({}), kernel {}", probe.variant.label(),
                config.bpfVariant() == BpfVariant.AUTO ? "chosen by probing the kernel" : "forced",
                System.getProperty("os.version"));
        return probe;
    }

    /**
     * Removes every generation of pins in {@code pinDir}, link pins first, so that their
     * programs detach and the kernel frees them; what their rings held unread is
     * discarded. Idempotent: a directory that is missing or holds nothing is fine, and the
     * directory itself stays.
     *
     * @throws PinsInUseException when a probe reads the pins now (close it first)
     * @throws ProbeException when {@code pinDir} is not on a BPF filesystem, or a pin cannot be removed
     */
    public static void unpin(Path pinDir) {
        NativeLibrary.load();
        if (!Files.exists(pinDir)) {
            return;
        }
        if (NativeProbe.fsMagic(pinDir.toString()) != PinDirectory.BPF_FS_MAGIC) {
            throw new ProbeException(pinDir + " is not a BPF filesystem; mount one with mount -t bpf bpf DIR", 0);
        }
        int fd = PinDirectory.lock(pinDir);
        try {
            for (Path generation : PinDirectory.generations(pinDir)) {
                PinDirectory.remove(generation);
            }
        } finally {
            NativeProbe.closeFd(fd);
        }
    }

    public ProbeConfig config() {
        return config;
    }

    /** The build of the eBPF programs that was loaded (never AUTO). */
    public BpfVariant variant() {
        return variant;
    }

    @Override
    public String programVariant() {
        return variant.label();
    }

    @Override
    public Source<List<RawEvent>, NotUsed> events() {
        if (!sourceTaken.compareAndSet(false, true)) {
            throw new IllegalStateException("the raw event source can be materialized only once");
        }
        return Source.fromGraph(new RawEventSource(reader));
    }

    @Override
    public synchronized boolean track(int pid, long startBootTimeNs) {
        if (closed.get()) {
            return false; // stopping: nothing is followed any more
        }
        int nsPid = innermostPid(config.procPath(), pid).orElse(0);
        int rc = NativeProbe.track(handle, pid, startBootTimeNs, nsPid);
        if (rc == -E2BIG || rc == -ENOSPC) {
            userTrackFull.incrementAndGet();
            return false;
        }
        if (rc != 0) {
            throw new ProbeException("cannot track pid " + pid + ": errno " + -rc, -rc);
        }
        return true;
    }

    @Override
    public synchronized void untrack(int pid) {
        if (closed.get()) {
            return; // the map is gone with the probe
        }
        NativeProbe.untrack(handle, pid);
    }

    /**
     * {@inheritDoc}
     *
     * <p>In pinned mode the kernel counters count from when this probe opened; what the
     * kernel dropped before, while no reader ran, is {@link PinState#lostWhileUnread()}.
     * Each call records in the pins what it reported, so that a successor's
     * {@code lostWhileUnread} holds only what no reader reported.
     */
    @Override
    public synchronized ProbeCounters counters() {
        // Both under this lock: the handle is valid exactly until the final counters are taken.
        long[] c = finalKernelCounters;
        if (c == null) {
            c = NativeProbe.counters(handle);
            if (pins != null) {
                pins.reported(c);
                c = pins.sinceOpen(c);
            }
        }
        return new ProbeCounters(c[0], c[1] + userTrackFull.get(), c[2], c[3], c[4], c[5], reader.eventsRead(),
                reader.decodeErrors(), reader.queueStats(), reader.recordSizes(), c[EventLayout.CNT_IDLE_SKIPPED],
                pins == null ? 0 : pins.state().lostWhileUnread());
    }

    /** What this probe found and did with the pins when it opened; {@link PinState#NONE} when unpinned. */
    public PinState pinState() {
        return pins == null ? PinState.NONE : pins.state();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Pinned mode: commits the batch's records in the kernel's ring buffer (the kernel
     * may then overwrite them), and once the last batch of a ring handed over is released,
     * removes that generation's pins. Unpinned: records are committed as soon as they are
     * read, and this does nothing.
     */
    @Override
    public synchronized void release(List<RawEvent> batch) {
        if (pins != null && !closed.get()) {
            pins.release(batch);
        }
    }

    /** {@link #trackedEntries()}: after a resume or a handover, the predecessor's followed processes. */
    @Override
    public Map<Integer, Long> trackedProcesses() {
        return trackedEntries();
    }

    /**
     * The processes the kernel follows now, pid to start time (ns since boot): after a
     * pinned probe resumed or took over, the set the engine rebuilds its own from (the
     * kernel kept following them while no reader ran). A pid may be missing or added
     * while the map changes under the walk.
     */
    public synchronized Map<Integer, Long> trackedEntries() {
        ensureOpen();
        long[] pairs = NativeProbe.trackedEntries(handle, config.trackedCapacity());
        Map<Integer, Long> out = new TreeMap<>();
        for (int i = 0; i + 1 < pairs.length; i += 2) {
            out.put((int) pairs[i], pairs[i + 1]);
        }
        return out;
    }

    /** Whether every generation handed over at open has been read to its end and removed. */
    synchronized boolean handoversDone() {
        return pins == null || pins.handoversDone();
    }

    /** The reader thread's calls into the pinned session, under this probe's lock. */
    private final class PinnedObserver implements RingBufferReader.Observer {
        @Override
        public void delivered(List<RawEvent> batch, int ring, long end) {
            pins.ledger.delivered(batch, ring, end);
        }

        @Override
        public void skipped(int ring, long end) {
            pins.ledger.skipped(ring, end);
        }

        @Override
        public void polled() {
            synchronized (KernelProbe.this) {
                if (!closed.get()) {
                    pins.polled();
                }
            }
        }
    }

    /** The distinct pids in the kernel's tracked map now: what tests check the programs leave behind. */
    synchronized Set<Integer> trackedPids() {
        ensureOpen();
        Set<Integer> pids = new TreeSet<>();
        for (int pid : NativeProbe.trackedPids(handle, config.trackedCapacity())) {
            pids.add(pid);
        }
        return pids;
    }

    /**
     * Stops the reader (completing {@link #events()}), frees native memory; unpinned, this
     * detaches the programs. Pinned, they stay attached and pinned, records delivered but
     * not released stay uncommitted for the next probe, and the directory's lock is
     * released.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!reader.stop()) {
            // Freeing the ring and the programs under a thread still in a native call on them
            // would be a use after free: left to the process' exit instead, which detaches them.
            LOG.error("the ring buffer reader did not stop; the probe's native resources stay allocated until the"
                    + " process exits");
            return;
        }
        synchronized (this) {
            // Kept for the summary a stopping application prints after the close.
            // Zeros unless taken below: counters() must never read through the freed handle.
            finalKernelCounters = new long[EventLayout.COUNTERS];
            try {
                long[] c = NativeProbe.counters(handle);
                if (pins != null) {
                    pins.close(c);
                    c = pins.sinceOpen(c);
                }
                finalKernelCounters = c;
            } finally {
                NativeProbe.close(handle);
            }
        }
    }

    private void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException("the probe is closed");
        }
    }

    /**
     * The PID namespace of the procfs in use: that of its pid 1 (a host /proc mounted
     * in a container reports host pids), else that of a process at its top, else the
     * host's, with a warning.
     */
    static long pidNamespaceInode(Path procPath) {
        // Init of the namespace the procfs belongs to; its ns link may be unreadable
        // (another user namespace), and then any process at the top of that namespace,
        // one NSpid entry, lives in it too. Not "self": under a mounted host /proc that
        // is this process' own namespace, where host processes have no pid at all.
        OptionalLong init = nsInode(procPath.resolve("1/ns/pid"));
        if (init.isPresent()) {
            return init.getAsLong();
        }
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(procPath, "[0-9]*")) {
            for (Path dir : dirs) {
                if (nsPidDepth(dir) == 1) {
                    OptionalLong ino = nsInode(dir.resolve("ns/pid"));
                    if (ino.isPresent()) {
                        return ino.getAsLong();
                    }
                }
            }
        } catch (IOException e) {
            // falls back below
        }
        return HostPidNamespace.fallbackFor(procPath);
    }

    private static OptionalLong nsInode(Path link) {
        try {
            return OptionalLong.of(((Number) Files.getAttribute(link, "unix:ino")).longValue());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return OptionalLong.empty();
        }
    }

    /** How many namespaces the NSpid line of PROC/PID/status lists, 0 when unreadable. */
    private static int nsPidDepth(Path dir) {
        try {
            for (String line : Files.readAllLines(dir.resolve("status"))) {
                if (line.startsWith("NSpid:")) {
                    return line.substring(6).trim().split("\\s+").length;
                }
            }
        } catch (IOException | RuntimeException e) {
            // vanished or unreadable: not a witness
        }
        return 0;
    }

    /** The last NSpid entry of /proc/PID/status: the pid in the innermost namespace. */
    static OptionalInt innermostPid(Path procPath, int pid) {
        try {
            for (String line : Files.readAllLines(procPath.resolve(pid + "/status"))) {
                if (line.startsWith("NSpid:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return OptionalInt.of(Integer.parseInt(parts[parts.length - 1]));
                }
            }
        } catch (NoSuchFileException e) {
            return OptionalInt.empty();
        } catch (IOException | NumberFormatException e) {
            return OptionalInt.empty();
        }
        return OptionalInt.empty();
    }

    /** (st_dev, st_ino) per watched file; (0, 0) for one absent now, matched by path only. */
    private static long[] inodes(List<Path> paths) {
        long[] out = new long[paths.size() * 2];
        for (int i = 0; i < paths.size(); i++) {
            try {
                out[2 * i] = ((Number) Files.getAttribute(paths.get(i), "unix:dev")).longValue();
                out[2 * i + 1] = ((Number) Files.getAttribute(paths.get(i), "unix:ino")).longValue();
            } catch (IOException e) {
                // absent at start
            }
        }
        return out;
    }
}
