package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The eBPF probe: loaded and attached by {@link #open}, detached and freed by
 * {@link #close}. Programs are attached through BPF links held only by this process'
 * file descriptors, so a killed JVM leaves nothing attached.
 */
public final class KernelProbe implements EventProbe {

    private static final Logger LOG = LoggerFactory.getLogger(KernelProbe.class);

    private static final int ENOSPC = 28;
    private static final int E2BIG = 7;

    private final long handle;
    private final ProbeConfig config;
    private final BpfVariant variant;
    private final RingBufferReader reader;
    private final AtomicBoolean sourceTaken = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong userTrackFull = new AtomicLong();
    private long[] finalKernelCounters;

    private KernelProbe(long handle, ProbeConfig config) {
        this.handle = handle;
        this.config = config;
        this.variant = BpfVariant.values()[NativeProbe.variant(handle)];
        this.reader = new RingBufferReader(handle, config);
    }

    /**
     * Loads the programs with {@code config} and attaches them.
     *
     * @throws UnsupportedKernelException on a kernel older than 5.8 or without BTF
     * @throws InsufficientPrivilegesException without CAP_BPF+CAP_PERFMON or CAP_SYS_ADMIN
     * @throws ProbeException on any other failure, with the errno text (and the verifier's last lines)
     */
    public static KernelProbe open(ProbeConfig config) {
        KernelSupport.check();
        Privileges.check();
        NativeLibrary.load();
        byte[][] watchedPaths = utf8(config.watchedFiles());
        long handle = NativeProbe.open(config.bpfVariant().ordinal(), config.envPrefix().getBytes(StandardCharsets.UTF_8),
                pidNamespaceInode(config.procPath()), config.trackedCapacity(), config.ringBufferBytes(),
                config.wakeupBytes(), config.envScanMaxSteps(),
                config.reportedEnvKeys().stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new),
                utf8(config.excludedExecutables()), watchedPaths,
                inodes(config.watchedFiles()));
        try {
            NativeProbe.attach(handle);
        } catch (RuntimeException e) {
            NativeProbe.close(handle);
            throw e;
        }
        KernelProbe probe = new KernelProbe(handle, config);
        LOG.info("eBPF programs attached: variant {} ({}), kernel {}", probe.variant.label(),
                config.bpfVariant() == BpfVariant.AUTO ? "chosen by probing the kernel" : "forced",
                System.getProperty("os.version"));
        return probe;
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

    @Override
    public synchronized ProbeCounters counters() {
        // Both under this lock: the handle is valid exactly until the final counters are taken.
        long[] c = finalKernelCounters != null ? finalKernelCounters : NativeProbe.counters(handle);
        return new ProbeCounters(c[0], c[1] + userTrackFull.get(), c[2], c[3], c[4], c[5], reader.eventsRead(),
                reader.decodeErrors(), reader.queueStats(), reader.recordSizes());
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

    /** Stops the reader (completing {@link #events()}), detaches the programs, frees native memory. */
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
            finalKernelCounters = NativeProbe.counters(handle);
            NativeProbe.close(handle);
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

    private static byte[][] utf8(List<Path> paths) {
        byte[][] out = new byte[paths.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = paths.get(i).toString().getBytes(StandardCharsets.UTF_8);
        }
        return out;
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
