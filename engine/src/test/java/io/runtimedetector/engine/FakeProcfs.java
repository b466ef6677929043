package io.runtimedetector.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A procfs tree in a temporary directory, holding only what {@link ProcReader} reads:
 * {@code uptime} and, per process, {@code stat}, {@code status}, {@code cmdline},
 * {@code environ} and the {@code exe} link. Tests create an entry when their synthetic
 * process "starts" and remove or replace it to play an ended or reused pid.
 */
public final class FakeProcfs {

    /** What {@code uptime} says: every synthetic start time is measured against it. */
    public static final long UPTIME_NS = 1_000_000_000_000L;

    private final Path root;

    public FakeProcfs(Path root) {
        this.root = root;
        write(root.resolve("uptime"), (UPTIME_NS / 1_000_000_000L + ".00 500.00\n").getBytes(StandardCharsets.UTF_8));
    }

    public Path root() {
        return root;
    }

    /**
     * A kernel-precision start time {@code secondsAgo} before the fake "now". The odd
     * nanoseconds keep it apart from a /proc tick value, as a real kernel start is.
     */
    public static long startNs(double secondsAgo) {
        long ns = UPTIME_NS - (long) (secondsAgo * 1e9);
        return ns / ProcessKey.NANOS_PER_TICK * ProcessKey.NANOS_PER_TICK + 4_321;
    }

    /** An entry to fill in and {@link Entry#create() create}; defaults look like a plain user process. */
    public Entry process(int pid, long startBootTimeNs) {
        return new Entry(pid, startBootTimeNs);
    }

    /** The process ended: its directory disappears, as in the real procfs. */
    public void remove(int pid) {
        Path dir = root.resolve(Integer.toString(pid));
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void write(Path file, byte[] bytes) {
        try {
            Files.write(file, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] nulJoined(List<String> parts) {
        StringBuilder b = new StringBuilder();
        parts.forEach(p -> b.append(p).append('\0'));
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    public final class Entry {
        private final int pid;
        private final long startBootTimeNs;
        private String comm = "proc";
        private int ppid = 1;
        private int uid = 1000;
        private int nsPid;
        private String exe = "/usr/bin/true";
        private List<String> cmdline = List.of("true");
        private List<String> environ = List.of("PATH=/usr/bin");

        private Entry(int pid, long startBootTimeNs) {
            this.pid = pid;
            this.startBootTimeNs = startBootTimeNs;
            this.nsPid = pid;
        }

        public Entry comm(String value) {
            comm = value;
            return this;
        }

        public Entry ppid(int value) {
            ppid = value;
            return this;
        }

        public Entry uid(int value) {
            uid = value;
            return this;
        }

        public Entry nsPid(int value) {
            nsPid = value;
            return this;
        }

        /** Target of the exe link: the resolved executable (an interpreter, for a script); null: no link, as for a kernel thread. */
        public Entry exe(String value) {
            exe = value;
            return this;
        }

        public Entry cmdline(String... args) {
            cmdline = List.of(args);
            return this;
        }

        public Entry environ(String... vars) {
            environ = List.of(vars);
            return this;
        }

        /** Writes the entry, replacing whatever the pid had: a new image, or a reused pid. */
        public void create() {
            remove(pid);
            Path dir = root.resolve(Integer.toString(pid));
            try {
                Files.createDirectories(dir);
                if (exe != null) {
                    Files.createSymbolicLink(dir.resolve("exe"), Path.of(exe));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            write(dir.resolve("stat"), stat().getBytes(StandardCharsets.UTF_8));
            write(dir.resolve("status"), ("Name:\t" + comm + "\nState:\tS (sleeping)\nPPid:\t" + ppid
                    + "\nUid:\t" + uid + "\t" + uid + "\t" + uid + "\t" + uid + "\nNSpid:\t" + pid
                    + (nsPid != pid ? "\t" + nsPid : "") + "\n").getBytes(StandardCharsets.UTF_8));
            write(dir.resolve("cmdline"), nulJoined(cmdline));
            write(dir.resolve("environ"), nulJoined(environ));
        }

        /** Field 22 is the start in clock ticks (USER_HZ 100), the only field after comm that the engine reads. */
        private String stat() {
            List<String> fields = new ArrayList<>();
            fields.add("S");                      // 3 state
            fields.add(Integer.toString(ppid));   // 4 ppid
            for (int field = 5; field <= 21; field++) {
                fields.add("0");
            }
            fields.add(Long.toString(startBootTimeNs / ProcessKey.NANOS_PER_TICK)); // 22 starttime
            for (int field = 23; field <= 52; field++) {
                fields.add("0");
            }
            return pid + " (" + comm + ") " + String.join(" ", fields) + "\n";
        }
    }
}
