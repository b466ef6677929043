package io.runtimedetector.probe;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The pin directory on a BPF filesystem: its check, its lock, and the generations in it.
 * Layout, for a generation {@code G} (the first 16 hex digits of its digest):
 * <pre>
 * DIR/G/events          the ring buffer
 * DIR/G/tracked         the processes followed
 * DIR/G/counters        the kernel's counters
 * DIR/G/wakeup          .data.wakeup: the reader's sleeping flag and heartbeat
 * DIR/G/meta            the {@link PinMeta} record, complete flag written last
 * DIR/G/links/rd_exec   one link per program (rd_exec, rd_fork, rd_exit, rd_open when files are watched)
 * </pre>
 */
final class PinDirectory {

    /** BPF_FS_MAGIC of statfs(2). */
    static final long BPF_FS_MAGIC = 0xcafe4a11L;

    static final String LINKS = "links";
    static final String EVENTS = "events";
    static final String TRACKED = "tracked";
    static final String COUNTERS = "counters";
    static final String META = "meta";

    private PinDirectory() {
    }

    /**
     * Checks that {@code dir}, or the nearest directory above it that exists, is on a BPF
     * filesystem, and creates {@code dir} if it is missing (never on another filesystem).
     */
    static void prepare(Path dir) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || NativeProbe.fsMagic(existing.toString()) != BPF_FS_MAGIC) {
            throw new ProbeException(dir + " is not a BPF filesystem; mount one with mount -t bpf bpf DIR", 0);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new ProbeException("cannot create the pin directory " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Takes the one-reader lock of {@code dir}: the descriptor holding it. */
    static int lock(Path dir) {
        int fd = NativeProbe.lockDir(dir.toString());
        if (fd < 0) {
            throw new PinsInUseException(dir);
        }
        return fd;
    }

    /** The generation directories in {@code dir}, oldest first (by when they were pinned, unknown ones first). */
    static List<Path> generations(Path dir) {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                    out.add(p);
                }
            }
        } catch (IOException e) {
            throw new ProbeException("cannot list the pin directory " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparingLong((Path p) -> meta(p).map(PinMeta::createdNs).orElse(0L))
                .thenComparing(Path::toString));
        return out;
    }

    /** The meta record of a generation, empty when none is pinned or it is not one this code can read. */
    static Optional<PinMeta> meta(Path generation) {
        try {
            byte[] value = NativeProbe.mapValue(generation.resolve(META).toString(), 0);
            return value == null || value.length != PinMeta.SIZE ? Optional.empty()
                    : Optional.of(PinMeta.decode(value));
        } catch (ProbeException e) {
            return Optional.empty();  // not a map, or not ours: judged by what else is there
        }
    }

    static void writeMeta(Path generation, PinMeta meta) {
        NativeProbe.setMapValue(generation.resolve(META).toString(), 0, meta.encode());
    }

    /** The link pins of a generation. */
    static List<Path> links(Path generation) {
        Path links = generation.resolve(LINKS);
        if (!Files.isDirectory(links)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(links)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new ProbeException("cannot list " + links + ": " + e.getMessage(), e);
        }
    }

    /**
     * Removes the link pins of a generation, and so (as a pin is a link's last reference once
     * its reader has gone) detaches its programs. The kernel frees them shortly after.
     */
    static void unpinLinks(Path generation) {
        for (Path link : links(generation)) {
            delete(link);
        }
        delete(generation.resolve(LINKS));
    }

    /** Removes every pin of a generation, links first, then the directory. */
    static void remove(Path generation) {
        unpinLinks(generation);
        try (Stream<Path> s = Files.walk(generation)) {
            s.sorted(Comparator.reverseOrder()).forEach(PinDirectory::delete);
        } catch (NoSuchFileException e) {
            // gone already
        } catch (IOException | UncheckedIOException e) {
            throw new ProbeException("cannot remove the pins in " + generation + ": " + e.getMessage(), e);
        }
    }

    private static void delete(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new ProbeException("cannot remove the pin " + p + ": " + e.getMessage(), e);
        }
    }
}
