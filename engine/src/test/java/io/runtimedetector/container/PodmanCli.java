package io.runtimedetector.container;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Rootful podman as the attribution tests drive it on a host without systemd: the cgroupfs
 * manager, the file events logger, runc (crun refuses hybrid hierarchies), rlimits within
 * the hard limits, and every container under a cgroup parent of the tests' own below this
 * process' memory cgroup, which carries the machine's memory limit.
 */
final class PodmanCli {

    /** An image made offline: a static busybox, imported from a directory. */
    static final String BUSYBOX = "localhost/rd-attr-busybox:latest";
    private static final List<String> GLOBAL = List.of("podman", "--cgroup-manager=cgroupfs", "--events-backend=file");
    private static final long LIMIT_SECONDS = 60;

    private PodmanCli() {
    }

    static boolean installed() {
        try {
            run("version", "--format", "{{.Client.Version}}");
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** The parent cgroup of the tests' containers, relative to each hierarchy's root. */
    static String cgroupParent() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3 && List.of(parts[1].split(",")).contains("memory")) {
                return (parts[2].equals("/") ? "" : parts[2]) + "/rd-attr-podman";
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                String own = line.substring(3);
                return (own.equals("/") ? "" : own) + "/rd-attr-podman";
            }
        }
        throw new IOException("no memory cgroup in /proc/self/cgroup");
    }

    static List<String> runFlags() throws IOException {
        return List.of("--runtime=runc", "--network=none", "--ulimit=nofile=1024:1024", "--ulimit=nproc=4096:4096",
                "--cgroup-parent=" + cgroupParent());
    }

    static void importBusybox() throws IOException {
        Path dir = Files.createTempDirectory("rd-attr-busybox");
        try {
            Files.createDirectories(dir.resolve("bin"));
            Files.copy(Path.of("/bin/busybox"), dir.resolve("bin/busybox"));
            Path tar = dir.resolve("rootfs.tar");
            exec(List.of("tar", "-C", dir.toString(), "-cf", tar.toString(), "bin"));
            run("import", "--quiet", tar.toString(), BUSYBOX);
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** Removes the image and the cgroup parent cgroupfs leaves behind (with conmon's cgroup in it). */
    static void cleanUp() throws IOException {
        run("rmi", "--force", BUSYBOX);
        String parent = cgroupParent();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                TestCgroups.remove(Path.of(h + parent));
            }
        }
    }

    static String run(String... args) throws IOException {
        List<String> command = new ArrayList<>(GLOBAL);
        command.addAll(List.of(args));
        return exec(command);
    }

    static String run(List<String> args) throws IOException {
        return run(args.toArray(String[]::new));
    }

    private static String exec(List<String> command) throws IOException {
        Path out = Files.createTempFile("rd-attr-podman", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("did not end within " + LIMIT_SECONDS + " s: " + String.join(" ", command));
            }
            String output = Files.readString(out, StandardCharsets.UTF_8).strip();
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + output);
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + String.join(" ", command), e);
        } finally {
            Files.deleteIfExists(out);
        }
    }
}
