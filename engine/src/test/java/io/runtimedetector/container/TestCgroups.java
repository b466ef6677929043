package io.runtimedetector.container;

import io.runtimedetector.probe.KernelTestSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.stream.Stream;

/**
 * Cgroups a test creates in the real hierarchies, all under one directory named
 * {@code rd-attr-<pid>}: in the unified tree at its root, in the v1 memory tree below this
 * process' own memory cgroup (which carries the machine's memory limit, so nothing leaves it).
 * {@link #close()} removes them, deepest first, whatever is left below them.
 */
final class TestCgroups implements AutoCloseable {

    private final Deque<Path> tops = new ArrayDeque<>();

    /** The tests' directory in the unified hierarchy. */
    Path unified() throws IOException, InterruptedException {
        return top(KernelTestSupport.cgroup2Root());
    }

    /** The tests' directory in the v1 memory hierarchy, or null on a host without one. */
    Path memoryV1() throws IOException {
        Path mount = KernelTestSupport.memoryV1Root();
        return mount == null ? null : top(KernelTestSupport.ownMemoryCgroup(mount));
    }

    private Path top(Path parent) throws IOException {
        Path top = parent.resolve("rd-attr-" + ProcessHandle.current().pid());
        if (!tops.contains(top)) {
            Files.createDirectories(top);
            tops.push(top);
        }
        return top;
    }

    /** Creates {@code relative} below {@code top}, parents included. */
    static Path create(Path top, String relative) throws IOException {
        return Files.createDirectories(top.resolve(relative));
    }

    /** The path of {@code dir} as /proc/PID/cgroup shows it, given the hierarchy's mount. */
    static String cgroupPath(Path mount, Path dir) {
        return "/" + mount.relativize(dir);
    }

    /** Removes a cgroup directory and every cgroup below it, deepest first. */
    static void remove(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        List<Path> dirs;
        try (Stream<Path> walk = Files.walk(dir)) {
            dirs = walk.filter(Files::isDirectory).sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList();
        }
        for (Path d : dirs) {
            Files.deleteIfExists(d);
        }
    }

    @Override
    public void close() throws IOException {
        IOException first = null;
        while (!tops.isEmpty()) {
            try {
                remove(tops.pop());
            } catch (IOException e) {
                first = first == null ? e : first;
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
