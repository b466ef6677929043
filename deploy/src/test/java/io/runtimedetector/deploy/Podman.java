package io.runtimedetector.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Rootful podman as this project's tests and benchmarks drive it, on a machine without
 * systemd: the cgroupfs manager, the file events logger, and runc (crun refuses hybrid
 * cgroup hierarchies). Every container it starts goes under {@link #cgroupParent()}, below
 * this process' own memory cgroup, which carries the machine's memory limit.
 */
final class Podman {

    private static final List<String> GLOBAL = List.of("podman", "--cgroup-manager=cgroupfs", "--events-backend=file");

    /**
     * What every {@code podman run} of the tests adds to what the manifest says: the runtime,
     * explicit rlimits within the hard limits (podman's defaults make runc fail with "error
     * setting rlimit" here), and the cgroup parent.
     */
    static List<String> hostFlags() throws IOException {
        return List.of("--runtime=runc", "--ulimit=nofile=1024:1024", "--ulimit=nproc=4096:4096",
                "--cgroup-parent=" + cgroupParent());
    }

    /** A cgroup of the tests' own below this process' memory cgroup, in every v1 hierarchy. */
    static String cgroupParent() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3 && parts[1].equals("memory")) {
                return (parts[2].equals("/") ? "" : parts[2]) + "/rd-deploy-test";
            }
        }
        // cgroup v2 only: the unified line is the memory cgroup.
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                String own = line.substring(3);
                return (own.equals("/") ? "" : own) + "/rd-deploy-test";
            }
        }
        throw new IOException("no memory cgroup in /proc/self/cgroup");
    }

    /** The cgroup directory of a container, in the memory hierarchy (v1) or the unified one. */
    static Path memoryCgroup(String containerId) throws IOException {
        String leaf = cgroupParent() + "/libpod-" + containerId;
        Path v1 = Path.of("/sys/fs/cgroup/memory" + leaf);
        return Files.isDirectory(v1) ? v1 : Path.of("/sys/fs/cgroup" + leaf);
    }

    /** A container's CPU time so far, in nanoseconds: cpuacct (v1) or cpu.stat (v2). */
    static long cpuNanos(String containerId) throws IOException {
        String leaf = cgroupParent() + "/libpod-" + containerId;
        Path v1 = Path.of("/sys/fs/cgroup/cpuacct" + leaf + "/cpuacct.usage");
        if (Files.exists(v1)) {
            return Long.parseLong(Files.readString(v1).strip());
        }
        for (String line : Files.readAllLines(Path.of("/sys/fs/cgroup" + leaf + "/cpu.stat"))) {
            if (line.startsWith("usage_usec ")) {
                return Long.parseLong(line.substring(11).strip()) * 1000;
            }
        }
        throw new IOException("no CPU usage for container " + containerId);
    }

    /**
     * Removes the tests' cgroup parent, and what cgroupfs created below it (conmon's cgroup,
     * containers' leaves), from every hierarchy once its containers are gone: podman leaves
     * them behind. A cgroup that still has a process after 10 s stays, for a later run to remove.
     */
    static void removeCgroupParent() throws IOException {
        // conmon outlives `podman rm` by a moment, and its cgroup with it: retry for a while.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!removeCgroupTree() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** One pass, leaves first. @return whether nothing of the tests' cgroups is left */
    private static boolean removeCgroupTree() throws IOException {
        String parent = cgroupParent();
        boolean gone = true;
        try (var hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path dir = Path.of(h + parent);
                if (!Files.isDirectory(dir)) {
                    continue;
                }
                List<Path> cgroups;
                try (var tree = Files.walk(dir)) {
                    cgroups = tree.filter(Files::isDirectory).sorted(java.util.Comparator.reverseOrder()).toList();
                }
                for (Path cgroup : cgroups) {
                    try {
                        Files.delete(cgroup); // rmdir: a cgroup's files are not files
                    } catch (IOException stillInUse) {
                        gone = false; // a process still there
                    }
                }
            }
        }
        return gone;
    }

    static boolean installed() {
        try {
            return run(Duration.ofSeconds(30), "version", "--format", "{{.Client.Version}}").ok();
        } catch (IOException e) {
            return false;
        }
    }

    /** Runs podman with these arguments; fails when it does not end within {@code limit}. */
    static Result run(Duration limit, String... args) throws IOException {
        return run(limit, List.of(args));
    }

    static Result run(Duration limit, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(GLOBAL);
        command.addAll(args);
        Path out = Files.createTempFile("podman", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            boolean ended;
            try {
                ended = p.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException("interrupted: " + String.join(" ", command), e);
            }
            if (!ended) {
                p.destroyForcibly();
                throw new IOException("did not end within " + limit + ": " + String.join(" ", command));
            }
            return new Result(command, p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    /** Like {@link #run(Duration, List)}, but a non-zero status is an error naming the command and its output. */
    static String check(Duration limit, List<String> args) throws IOException {
        Result r = run(limit, args);
        if (!r.ok()) {
            throw new IOException(r.describe());
        }
        return r.output().strip();
    }

    static String check(Duration limit, String... args) throws IOException {
        return check(limit, List.of(args));
    }

    record Result(List<String> command, int status, String output) {
        boolean ok() {
            return status == 0;
        }

        String describe() {
            return String.join(" ", command) + " exited " + status + ": " + output.strip();
        }
    }

    private Podman() {
    }
}
