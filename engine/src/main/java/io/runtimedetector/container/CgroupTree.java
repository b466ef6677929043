package io.runtimedetector.container;

import io.runtimedetector.event.ContainerInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One cgroup hierarchy's directories by id, each with what its path says of a container
 * ({@link CgroupPathParser}, parsed once per cgroup, not per event): the kernel's cgroup id is the inode number of
 * the cgroup's directory, so one walk at start maps every id to its path, and inotify
 * (Java's {@link WatchService} on Linux) on every directory keeps the map current as
 * runtimes create and remove cgroups. A removed cgroup stays resolvable for a grace
 * period, for the events of its last processes that arrive after the rmdir.
 *
 * <p>Lookups are lock-free and run on any thread; one daemon thread applies changes.
 */
public final class CgroupTree implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(CgroupTree.class);

    private final Path mount;
    /** The cgroup the mount shows as its root: "/" unless the mount is of a cgroup namespace. */
    private final String mountRoot;
    private final Duration removedGrace;
    private final LongSupplier nanoClock;
    private final Consumer<ContainerInfo> onContainer;
    private final Map<Long, Cgroup> byId = new ConcurrentHashMap<>();
    /** Only the watch thread (and the walk at start, before it) uses these two. */
    private final Map<Path, Long> idsByDir = new ConcurrentHashMap<>();
    private final ArrayDeque<Removed> removed = new ArrayDeque<>();
    private final LongAdder rewalks = new LongAdder();
    private final WatchService watcher;
    private final Thread thread;

    private record Removed(long id, long deadlineNanos) {
    }

    /**
     * @param path      the cgroup's path in its hierarchy, as /proc/PID/cgroup shows it
     * @param container what the path says of a container, null when nothing
     */
    public record Cgroup(String path, ContainerInfo container) {
    }

    private CgroupTree(Path mount, String mountRoot, Duration removedGrace, LongSupplier nanoClock,
            Consumer<ContainerInfo> onContainer) throws IOException {
        this.onContainer = onContainer;
        this.mount = mount;
        this.mountRoot = mountRoot.equals("/") ? "" : mountRoot;
        this.removedGrace = removedGrace;
        this.nanoClock = nanoClock;
        this.watcher = FileSystems.getDefault().newWatchService();
        this.thread = new Thread(this::watchLoop, "runtime-detector-cgroups-" + mount.getFileName());
        thread.setDaemon(true);
    }

    /**
     * Walks the hierarchy mounted at {@code mount} and starts following it.
     *
     * @param mountRoot    the cgroup shown at the mount point, from mountinfo ("/" usually)
     * @param removedGrace how long a removed cgroup still resolves
     * @throws IOException when the mount cannot be read or watched
     */
    public static CgroupTree open(Path mount, String mountRoot, Duration removedGrace) throws IOException {
        return open(mount, mountRoot, removedGrace, System::nanoTime, c -> { });
    }

    /** @param onContainer told of each cgroup that names a container, on the walk's or the watch's thread */
    static CgroupTree open(Path mount, String mountRoot, Duration removedGrace, LongSupplier nanoClock,
            Consumer<ContainerInfo> onContainer) throws IOException {
        if (!Files.isDirectory(mount)) {
            throw new NoSuchFileException(mount.toString(), null, "no cgroup hierarchy mounted there");
        }
        CgroupTree tree = new CgroupTree(mount, mountRoot, removedGrace, nanoClock, onContainer);
        try {
            tree.add(mount);
        } catch (UncheckedIOException e) {
            tree.watcher.close();
            throw e.getCause();
        }
        tree.thread.start();
        return tree;
    }

    /** The cgroup with this id (the inode of its directory), or null when unknown. */
    public Cgroup get(long id) {
        return byId.get(id);
    }

    /** Cgroups known now, the recently removed included. */
    public int size() {
        return byId.size();
    }

    /** Times the kernel's event queue overflowed and the whole tree was walked again. */
    public long rewalks() {
        return rewalks.sum();
    }

    public Path mount() {
        return mount;
    }

    @Override
    public void close() {
        try {
            watcher.close();
        } catch (IOException e) {
            LOG.debug("closing the cgroup watch on {}", mount, e);
        }
        thread.interrupt();
    }

    /**
     * Registers {@code dir} and everything below it. Registering before listing means a
     * child created meanwhile is either listed or reported: none is missed.
     */
    private void add(Path dir) {
        List<Path> pending = new ArrayList<>();
        pending.add(dir);
        while (!pending.isEmpty()) {
            Path next = pending.remove(pending.size() - 1);
            try {
                next.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
                long id = (Long) Files.getAttribute(next, "unix:ino", LinkOption.NOFOLLOW_LINKS);
                idsByDir.put(next, id);
                String path = cgroupPath(next);
                Cgroup cgroup = new Cgroup(path, CgroupPathParser.parse(path));
                byId.put(id, cgroup);
                if (cgroup.container() != null) {
                    onContainer.accept(cgroup.container());
                }
                try (DirectoryStream<Path> children = Files.newDirectoryStream(next, Files::isDirectory)) {
                    children.forEach(pending::add);
                }
            } catch (NoSuchFileException gone) {
                // Removed while being walked: its removal event clears what was recorded.
            } catch (IOException e) {
                if (next.equals(mount)) {
                    throw new UncheckedIOException(e);
                }
                LOG.warn("cgroup {} cannot be followed: {}", next, e.toString());
            }
        }
    }

    private String cgroupPath(Path dir) {
        String rel = mount.relativize(dir).toString();
        String path = mountRoot + "/" + rel;
        return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    private void watchLoop() {
        try {
            while (true) {
                WatchKey key = watcher.poll(1, TimeUnit.SECONDS);
                expireRemoved();
                if (key == null) {
                    continue;
                }
                Path dir = (Path) key.watchable();
                for (WatchEvent<?> event : key.pollEvents()) {
                    apply(dir, event);
                }
                key.reset();
            }
        } catch (InterruptedException | ClosedWatchServiceException stop) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("cgroup watch on {} stopped; new containers are no longer attributed", mount, e);
        }
    }

    private void apply(Path dir, WatchEvent<?> event) {
        if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            // The kernel dropped inotify events: only a new walk knows what changed.
            rewalks.increment();
            LOG.warn("cgroup events on {} overflowed; walking it again", mount);
            add(mount);
            // Removals were lost with the rest: what is gone now enters its grace period.
            for (Path known : List.copyOf(idsByDir.keySet())) {
                if (!Files.isDirectory(known, LinkOption.NOFOLLOW_LINKS)) {
                    removed(known);
                }
            }
            return;
        }
        Path child = dir.resolve((Path) event.context());
        if (event.kind() == StandardWatchEventKinds.ENTRY_CREATE) {
            if (Files.isDirectory(child, LinkOption.NOFOLLOW_LINKS)) {
                add(child);
            }
        } else if (event.kind() == StandardWatchEventKinds.ENTRY_DELETE) {
            removed(child);
        }
    }

    private void removed(Path dir) {
        Long id = idsByDir.remove(dir);
        if (id != null) {
            removed.add(new Removed(id, nanoClock.getAsLong() + removedGrace.toNanos()));
        }
    }

    private void expireRemoved() {
        long now = nanoClock.getAsLong();
        while (!removed.isEmpty() && removed.peekFirst().deadlineNanos() - now <= 0) {
            // kernfs never hands an id out twice on 64-bit (its generation is in the high bits).
            byId.remove(removed.pollFirst().id());
        }
    }
}
