package io.runtimedetector.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads process details from a procfs tree. The root is a parameter so that tests can
 * point it at a fake tree, and so that a detector in a container can read the host's.
 *
 * <p>Processes come and go while they are read. A file that vanished is the normal
 * end of a process and yields empty fields silently; any other failure is counted and
 * logged. Thread-safe: it holds no per-process state.
 */
final class ProcReader {

    private static final Logger LOG = LoggerFactory.getLogger(ProcReader.class);
    private static final int STAT_STARTTIME_AFTER_COMM = 19; // field 22, counted from field 3
    private static final int STAT_FLAGS_AFTER_COMM = 6;      // field 9
    private static final long PF_KTHREAD = 0x00200000L;     // include/linux/sched.h

    private final Path root;
    private final EnvSelector env;
    private final EngineCounters counters;
    private final AtomicLong failures = new AtomicLong();

    ProcReader(Path root, EnvSelector env, EngineCounters counters) {
        this.root = root;
        this.env = env;
        this.counters = counters;
    }

    /**
     * Reads exe, cmdline, environ, status and cgroup, then checks that the pid still belongs to
     * {@code key}: if it does not, what was read may be another process' and is discarded.
     * For the start-up scan and processes followed on request.
     */
    ProcSnapshot read(ProcessKey key) {
        Path dir = processDir(key.pid());
        if (!Files.isDirectory(dir)) {
            // Gone already: spare the reads that would each fail, and each cost an exception.
            return ProcSnapshot.gone();
        }
        String exe = readLink(dir.resolve("exe")).orElse("");
        List<String> cmdLine = readBytes(dir.resolve("cmdline")).map(ProcReader::splitNul).orElse(List.of());
        EnvSelector.Result envs = readEnviron(dir);
        Status status = readBytes(dir.resolve("status")).map(ProcReader::parseStatus).orElse(Status.UNKNOWN);
        List<String> cgroups = cgroupLines(dir);
        if (!isAlive(key)) {
            return ProcSnapshot.gone();
        }
        return new ProcSnapshot(exe, cmdLine, envs.values(), envs.match(), status.ppid, status.uid, status.nsPid, true,
                cgroups);
    }

    /**
     * A fallback: reads only what {@code request} names, the kernel's record having
     * given the rest, then checks that the pid still belongs to {@code key}.
     */
    ProcSnapshot read(ProcessKey key, ProcRequest request) {
        Path dir = processDir(key.pid());
        if (request.readsAnything() && !Files.isDirectory(dir)) {
            return ProcSnapshot.gone();
        }
        String exe = request.exe() ? readLink(dir.resolve("exe")).orElse("") : "";
        List<String> cmdLine = request.cmdline()
                ? readBytes(dir.resolve("cmdline")).map(ProcReader::splitNul).orElse(List.of()) : List.of();
        EnvSelector.Result envs = request.readsEnviron() ? readEnviron(dir)
                : new EnvSelector.Result(Map.of(), EnvMatch.UNREADABLE);
        List<String> cgroups = request.cgroup() ? cgroupLines(dir) : List.of();
        if (!isAlive(key)) {
            return ProcSnapshot.gone();
        }
        return new ProcSnapshot(exe, cmdLine, envs.values(), envs.match(), ProcSnapshot.UNKNOWN,
                ProcSnapshot.UNKNOWN, ProcSnapshot.UNKNOWN, true, cgroups);
    }

    private List<String> cgroupLines(Path dir) {
        return readBytes(dir.resolve("cgroup")).map(b -> new String(b, StandardCharsets.UTF_8).lines().toList())
                .orElse(List.of());
    }

    private EnvSelector.Result readEnviron(Path dir) {
        if (env.keys().isEmpty() && !env.filtersOnPrefix()) {
            return new EnvSelector.Result(Map.of(), EnvMatch.MATCH);
        }
        return readBytes(dir.resolve("environ")).map(env::select)
                .orElse(new EnvSelector.Result(Map.of(), EnvMatch.UNREADABLE));
    }

    /** Start of the process now holding {@code pid}, at clock-tick precision; empty when there is none. */
    OptionalLong startBootTimeNs(int pid) {
        Optional<byte[]> stat = readBytes(processDir(pid).resolve("stat"));
        if (stat.isEmpty()) {
            return OptionalLong.empty();
        }
        String text = new String(stat.get(), StandardCharsets.UTF_8);
        // comm (field 2) may hold spaces and parentheses: the fields resume after the last ')'.
        int close = text.lastIndexOf(')');
        String[] fields = close < 0 ? new String[0] : text.substring(close + 1).trim().split("\\s+");
        if (fields.length <= STAT_STARTTIME_AFTER_COMM) {
            readFailure(processDir(pid).resolve("stat"), "unexpected format");
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(ProcessKey.fromTicks(Long.parseLong(fields[STAT_STARTTIME_AFTER_COMM])));
        } catch (NumberFormatException e) {
            readFailure(processDir(pid).resolve("stat"), "start time is not a number");
            return OptionalLong.empty();
        }
    }

    /** Whether the pid still belongs to the process {@code key} names. */
    boolean isAlive(ProcessKey key) {
        OptionalLong start = startBootTimeNs(key.pid());
        return start.isPresent() && key.sameProcess(key.pid(), start.getAsLong());
    }

    /** The pids of every process visible now (the numeric directories). */
    List<Integer> pids() {
        List<Integer> pids = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(root)) {
            for (Path dir : dirs) {
                String name = dir.getFileName().toString();
                if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
                    pids.add(Integer.parseInt(name));
                }
            }
        } catch (IOException | NumberFormatException e) {
            readFailure(root, e.toString());
        }
        return pids;
    }

    /** Seconds since boot, suspend included (CLOCK_BOOTTIME), from /proc/uptime. */
    OptionalDouble uptimeSeconds() {
        return readBytes(root.resolve("uptime")).flatMap(bytes -> {
            String[] fields = new String(bytes, StandardCharsets.UTF_8).trim().split("\\s+");
            try {
                return Optional.of(Double.parseDouble(fields[0]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }).map(OptionalDouble::of).orElse(OptionalDouble.empty());
    }

    /** Boot time in whole seconds since the epoch, from the btime line of /proc/stat. */
    OptionalLong bootTimeEpochSeconds() {
        Optional<byte[]> stat = readBytes(root.resolve("stat"));
        if (stat.isPresent()) {
            for (String line : new String(stat.get(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("btime ")) {
                    try {
                        return OptionalLong.of(Long.parseLong(line.substring(6).trim()));
                    } catch (NumberFormatException e) {
                        return OptionalLong.empty();
                    }
                }
            }
        }
        return OptionalLong.empty();
    }

    private Path processDir(int pid) {
        return root.resolve(Integer.toString(pid));
    }

    private Optional<byte[]> readBytes(Path file) {
        try {
            return Optional.of(Files.readAllBytes(file));
        } catch (IOException e) {
            if (!vanished(e, file)) {
                readFailure(file, e.toString());
            }
            return Optional.empty();
        }
    }

    private Optional<String> readLink(Path link) {
        try {
            return Optional.of(Files.readSymbolicLink(link).toString());
        } catch (IOException e) {
            // Kernel threads have an exe link that cannot be resolved: the same as vanished.
            if (!vanished(e, link)) {
                readFailure(link, e.toString());
            }
            return Optional.empty();
        }
    }

    /**
     * Whether reading {@code file} of /proc/PID failed because there is nothing to read, which
     * is no failure: ENOENT when the process' directory went first; ESRCH when it has no
     * address space, because it exited between lookup and read (a zombie keeps its directory)
     * or is a kernel thread (whose environ the kernel refuses so since 6.x). Java hands over
     * no errno for ESRCH, only the C library's text in its locale, so instead of the message
     * this asks the kernel again: such a process has no {@code stat}, or one whose state is Z
     * (zombie) or X (dead), or whose flags carry PF_KTHREAD.
     */
    static boolean vanished(IOException e, Path file) {
        if (e instanceof NoSuchFileException) {
            return true;
        }
        byte[] stat;
        try {
            stat = Files.readAllBytes(file.getParent().resolve("stat"));
        } catch (IOException gone) {
            return true;
        }
        String text = new String(stat, StandardCharsets.UTF_8);
        // The fields after comm, which may hold spaces and parentheses: state is field 3, flags field 9.
        int close = text.lastIndexOf(')');
        String[] fields = close < 0 ? new String[0] : text.substring(close + 1).strip().split("\\s+");
        if (fields.length < STAT_FLAGS_AFTER_COMM + 1) {
            return false;
        }
        if (fields[0].equals("Z") || fields[0].equals("X")) {
            return true;
        }
        try {
            return (Long.parseLong(fields[STAT_FLAGS_AFTER_COMM]) & PF_KTHREAD) != 0;
        } catch (NumberFormatException notANumber) {
            return false;
        }
    }

    private void readFailure(Path file, String why) {
        counters.procReadError();
        long n = failures.incrementAndGet();
        if (LogThrottle.shouldLog(n)) {
            LOG.warn("cannot read {} ({}); {} /proc read failures so far", file, why, n);
        } else {
            LOG.debug("cannot read {} ({})", file, why);
        }
    }

    /** NUL-separated strings; the terminating NUL ends the last one, it does not start an empty one. */
    static List<String> splitNul(byte[] bytes) {
        int length = bytes.length > 0 && bytes[bytes.length - 1] == 0 ? bytes.length - 1 : bytes.length;
        List<String> parts = new ArrayList<>();
        if (length == 0) {
            return parts;
        }
        int start = 0;
        for (int i = 0; i <= length; i++) {
            if (i == length || bytes[i] == 0) {
                parts.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return parts;
    }

    private record Status(int ppid, int uid, int nsPid) {
        static final Status UNKNOWN = new Status(ProcSnapshot.UNKNOWN, ProcSnapshot.UNKNOWN, ProcSnapshot.UNKNOWN);
    }

    private static Status parseStatus(byte[] bytes) {
        int ppid = ProcSnapshot.UNKNOWN;
        int uid = ProcSnapshot.UNKNOWN;
        int nsPid = ProcSnapshot.UNKNOWN;
        for (String line : new String(bytes, StandardCharsets.UTF_8).split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String[] values = line.substring(colon + 1).trim().split("\\s+");
            switch (line.substring(0, colon)) {
                case "PPid" -> ppid = parseIntOr(values[0]);
                case "Uid" -> uid = parseIntOr(values[0]);
                case "NSpid" -> nsPid = parseIntOr(values[values.length - 1]);
                default -> {
                }
            }
        }
        return new Status(ppid, uid, nsPid);
    }

    private static int parseIntOr(String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            return ProcSnapshot.UNKNOWN;
        }
    }
}
