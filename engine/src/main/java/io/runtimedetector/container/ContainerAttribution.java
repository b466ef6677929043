package io.runtimedetector.container;

import io.runtimedetector.event.ContainerInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Attributes a process to its container and pod from the cgroup ids the kernel recorded,
 * with no /proc read: a lookup in the id → path cache of each hierarchy ({@link CgroupTree}).
 * The unified id decides when its cgroup names a container; on a hybrid host whose runtime
 * left the unified tree alone, the v1 memory hierarchy's id does. Thread-safe.
 */
public final class ContainerAttribution implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerAttribution.class);
    /** Long enough for the events of a container's last processes, queued behind a storm. */
    static final Duration REMOVED_GRACE = Duration.ofMinutes(2);

    private final CgroupTree unified;
    private final CgroupTree memoryV1;
    private final LongAdder byUnified = new LongAdder();
    private final LongAdder byV1 = new LongAdder();
    private final LongAdder byProc = new LongAdder();
    private final LongAdder none = new LongAdder();
    private final LongAdder unknown = new LongAdder();

    ContainerAttribution(CgroupTree unified, CgroupTree memoryV1) {
        this.unified = unified;
        this.memoryV1 = memoryV1;
    }

    /** No attribution: every process image is counted as in no container. */
    public static ContainerAttribution off() {
        return new ContainerAttribution(null, null);
    }

    /**
     * Finds the hierarchies and walks them. The host's mounts are read through
     * {@code <procfs>/1/root} when that is reachable (a containerised detector with the
     * host's /proc), else this process' own mounts are used.
     *
     * @return attribution over what could be read; a hierarchy that cannot be is logged once and left out
     */
    public static ContainerAttribution open(Path procfs) {
        return open(procfs, c -> { });
    }

    /**
     * @param onContainer told of every cgroup that names a container, those there at start and
     *                    each one created later, from the watch's thread (it must not block): the
     *                    moment to ask the runtime for names, before the container's first exec
     */
    public static ContainerAttribution open(Path procfs, Consumer<ContainerInfo> onContainer) {
        Path hostRoot = procfs.resolve("1/root");
        Path mountinfo = procfs.resolve("1/mountinfo");
        if (!Files.isReadable(mountinfo) || !Files.isDirectory(hostRoot.resolve("sys"))) {
            hostRoot = Path.of("/");
            mountinfo = Path.of("/proc/self/mountinfo");
        }
        CgroupMounts mounts;
        try {
            mounts = CgroupMounts.read(mountinfo, hostRoot);
        } catch (IOException e) {
            LOG.warn("cgroup mounts unreadable ({}): events carry no container", e.toString());
            return new ContainerAttribution(null, null);
        }
        CgroupTree unifiedTree = tree(mounts.unified(), mounts.unifiedRoot(), onContainer);
        CgroupTree memoryTree = tree(mounts.memoryV1(), mounts.memoryV1Root(), onContainer);
        if (unifiedTree == null && memoryTree == null) {
            LOG.warn("no cgroup hierarchy could be read: events carry no container");
        } else {
            LOG.info("container attribution from cgroups: unified {} ({} cgroups), v1 memory {} ({} cgroups)",
                    mounts.unified(), unifiedTree == null ? 0 : unifiedTree.size(), mounts.memoryV1(),
                    memoryTree == null ? 0 : memoryTree.size());
        }
        return new ContainerAttribution(unifiedTree, memoryTree);
    }

    private static CgroupTree tree(Path mount, String mountRoot, Consumer<ContainerInfo> onContainer) {
        if (mount == null) {
            return null;
        }
        try {
            return CgroupTree.open(mount, mountRoot, REMOVED_GRACE, System::nanoTime, onContainer);
        } catch (IOException e) {
            LOG.warn("cgroup hierarchy {} cannot be followed ({}); it is left out of attribution", mount, e.toString());
            return null;
        }
    }

    /**
     * @param unifiedId the kernel's default-hierarchy cgroup id, 0 when unknown
     * @param v1Id      the kernel's memory-hierarchy cgroup id, 0 when unknown
     * @return the container, or null for a process in none (or in a cgroup not known)
     */
    public ContainerInfo resolve(long unifiedId, long v1Id) {
        CgroupTree.Cgroup u = unifiedId != 0 && unified != null ? unified.get(unifiedId) : null;
        if (u != null && u.container() != null) {
            byUnified.increment();
            return u.container();
        }
        CgroupTree.Cgroup v = v1Id != 0 && memoryV1 != null ? memoryV1.get(v1Id) : null;
        if (v != null && v.container() != null) {
            byV1.increment();
            return v.container();
        }
        if (missing(unifiedId, u, unified) || missing(v1Id, v, memoryV1)) {
            unknown.increment();
        } else {
            none.increment();
        }
        return null;
    }

    /**
     * Whether every id the kernel gave is in its hierarchy's cache. A live process' cgroup
     * exists, so an id that is not there is one whose creation the watch has not applied yet.
     */
    public boolean knows(long unifiedId, long v1Id) {
        return !missing(unifiedId, unifiedId != 0 && unified != null ? unified.get(unifiedId) : null, unified)
                && !missing(v1Id, v1Id != 0 && memoryV1 != null ? memoryV1.get(v1Id) : null, memoryV1);
    }

    private static boolean missing(long id, CgroupTree.Cgroup found, CgroupTree tree) {
        return id != 0 && tree != null && found == null;
    }

    /**
     * A process found running at start, whose ids the kernel never reported: the lines of
     * its /proc/PID/cgroup, the unified line first, then the memory controller's.
     */
    public ContainerInfo resolveProcCgroup(List<String> lines) {
        ContainerInfo found = null;
        for (String line : lines) {
            String[] fields = line.split(":", 3);
            if (fields.length != 3) {
                continue;
            }
            boolean unifiedLine = fields[0].equals("0") && fields[1].isEmpty();
            boolean memoryLine = List.of(fields[1].split(",")).contains("memory");
            if (unifiedLine || memoryLine) {
                ContainerInfo c = CgroupPathParser.parse(fields[2]);
                if (c != null && (found == null || unifiedLine)) {
                    found = c;
                }
            }
        }
        if (found != null) {
            byProc.increment();
        } else {
            none.increment();
        }
        return found;
    }

    public long byUnified() {
        return byUnified.sum();
    }

    public long byV1() {
        return byV1.sum();
    }

    public long byProc() {
        return byProc.sum();
    }

    public long notInContainer() {
        return none.sum();
    }

    public long unknown() {
        return unknown.sum();
    }

    public int cgroupsKnown() {
        return (unified == null ? 0 : unified.size()) + (memoryV1 == null ? 0 : memoryV1.size());
    }

    public long rewalks() {
        return (unified == null ? 0 : unified.rewalks()) + (memoryV1 == null ? 0 : memoryV1.rewalks());
    }

    @Override
    public void close() {
        if (unified != null) {
            unified.close();
        }
        if (memoryV1 != null) {
            memoryV1.close();
        }
    }
}
