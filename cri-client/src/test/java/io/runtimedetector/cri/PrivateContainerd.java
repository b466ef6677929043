package io.runtimedetector.cri;

import io.grpc.StatusRuntimeException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A containerd of the test's own (Debian's package), started with a private config, root,
 * state and socket in a temporary directory, its CRI plugin loaded with the cgroupfs driver
 * and runc, and a sandbox image of its own: nothing can be pulled here, so the busybox
 * image and the pause image are made offline and imported with {@code ctr}. Pods use the
 * node's network (no CNI). {@link #close()} removes the pods, stops containerd, kills any
 * shim of its own still there and removes the directory and the cgroups.
 */
public final class PrivateContainerd implements AutoCloseable {

    public static final String BUSYBOX = "localhost/rd-attr-busybox:latest";
    public static final String PAUSE = "localhost/rd-attr-pause:latest";
    private static final List<String> PODMAN = List.of("podman", "--cgroup-manager=cgroupfs", "--events-backend=file");
    private static final Duration START = Duration.ofSeconds(30);

    private final Path dir;
    private final Process containerd;
    private final CriClient cri;

    private PrivateContainerd(Path dir, Process containerd, CriClient cri) {
        this.dir = dir;
        this.containerd = containerd;
        this.cri = cri;
    }

    /** Whether containerd, ctr, runc and podman (which makes the images) are installed. */
    public static String missingTools() {
        for (String tool : List.of("/usr/bin/containerd", "/usr/bin/ctr", "/usr/sbin/runc", "/usr/bin/podman",
                "/bin/busybox")) {
            if (!Files.isExecutable(Path.of(tool))) {
                return tool + " is missing: scripts/install-deps.sh installs containerd, runc, podman, busybox-static";
            }
        }
        return null;
    }

    /**
     * Starts one for a test class, or says why it cannot: without the tools or root, the
     * tests are skipped, and fail under {@code CI=true}, where a skipped test hides a gap.
     */
    public static PrivateContainerd startOrSkip() throws IOException, InterruptedException {
        String missing = missingTools();
        if (missing == null && !"root".equals(System.getProperty("user.name"))) {
            missing = "needs root (containerd, cgroups)";
        }
        if (missing != null) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(missing);
            }
            org.junit.jupiter.api.Assumptions.abort(missing);
        }
        return start();
    }

    public static PrivateContainerd start() throws IOException, InterruptedException {
        // Short: a unix socket's path must fit in 108 bytes.
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "rd-attr-ctd");
        Path socket = dir.resolve("containerd.sock");
        Files.writeString(dir.resolve("config.toml"), config(dir, socket));
        Process p = new ProcessBuilder("/usr/bin/containerd", "--config", dir.resolve("config.toml").toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
        CriClient cri = null;
        try {
            cri = awaitCri(p, socket, dir);
            PrivateContainerd ctd = new PrivateContainerd(dir, p, cri);
            ctd.importImages();
            return ctd;
        } catch (IOException | RuntimeException | InterruptedException e) {
            if (cri != null) {
                cri.close();
            }
            p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            removeDir(dir);
            throw e;
        }
    }

    private static String config(Path dir, Path socket) {
        return """
                version = 2
                root = "%1$s/root"
                state = "%1$s/state"
                [grpc]
                  address = "%2$s"
                [ttrpc]
                  address = "%2$s.ttrpc"
                [debug]
                  address = ""
                [metrics]
                  address = ""
                [plugins."io.containerd.grpc.v1.cri"]
                  sandbox_image = "%3$s"
                  disable_apparmor = true
                  # A pod sandbox asks for oom_score_adj -998; lowering it is refused here, so
                  # containerd keeps what it has itself, as it does when run rootless.
                  restrict_oom_score_adj = true
                  stream_server_address = "127.0.0.1"
                  stream_server_port = "0"
                  [plugins."io.containerd.grpc.v1.cri".containerd]
                    snapshotter = "native"
                    default_runtime_name = "runc"
                    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
                      runtime_type = "io.containerd.runc.v2"
                      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
                        SystemdCgroup = false
                  [plugins."io.containerd.grpc.v1.cri".cni]
                    bin_dir = "%1$s/cni/bin"
                    conf_dir = "%1$s/cni/conf"
                """.formatted(dir, socket, PAUSE);
    }

    private static CriClient awaitCri(Process p, Path socket, Path dir) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + START.toNanos();
        CriClient cri = null;
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IOException("containerd exited " + p.exitValue() + ": "
                        + Files.readString(dir.resolve("containerd.log")));
            }
            if (CriSockets.isSocket(socket)) {
                cri = cri == null ? CriClient.connect(socket, Duration.ofSeconds(5)) : cri;
                try {
                    cri.version();
                    return cri;
                } catch (StatusRuntimeException notYet) {
                    // the CRI plugin starts after the socket is served
                }
            }
            Thread.sleep(100);
        }
        if (cri != null) {
            cri.close();
        }
        throw new IOException("containerd's CRI did not answer within " + START.toSeconds() + " s: "
                + Files.readString(dir.resolve("containerd.log")));
    }

    /** A static busybox as two images (the sandbox's runs a long sleep), saved by podman, imported by ctr. */
    private void importImages() throws IOException {
        Path root = dir.resolve("image-root");
        Files.createDirectories(root.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), root.resolve("bin/busybox"));
        Path rootfs = dir.resolve("rootfs.tar");
        run(List.of("tar", "-C", root.toString(), "-cf", rootfs.toString(), "bin"));
        importImage(rootfs, BUSYBOX, List.of());
        importImage(rootfs, PAUSE, List.of("--change", "CMD [\"/bin/busybox\",\"sleep\",\"2147483647\"]"));
    }

    private void importImage(Path rootfs, String name, List<String> changes) throws IOException {
        Path archive = dir.resolve(name.replaceAll("[^a-z0-9]", "_") + ".tar");
        List<String> importCmd = new ArrayList<>(PODMAN);
        importCmd.addAll(List.of("import", "--quiet"));
        importCmd.addAll(changes);
        importCmd.addAll(List.of(rootfs.toString(), name));
        run(importCmd);
        try {
            List<String> save = new ArrayList<>(PODMAN);
            save.addAll(List.of("save", "--quiet", "--format", "docker-archive", "-o", archive.toString(), name));
            run(save);
        } finally {
            List<String> rmi = new ArrayList<>(PODMAN);
            rmi.addAll(List.of("rmi", "--force", name));
            run(rmi);
        }
        run(List.of("/usr/bin/ctr", "--address", socket().toString(), "--namespace", "k8s.io", "images", "import",
                archive.toString()));
        Files.delete(archive);
    }

    public Path socket() {
        return dir.resolve("containerd.sock");
    }

    public Path directory() {
        return dir;
    }

    public CriClient cri() {
        return cri;
    }

    /** The cgroup parent of the tests' pods: below this process' memory cgroup, which carries the machine's limit. */
    public static String cgroupParent() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            String[] parts = line.split(":", 3);
            if (parts.length == 3 && List.of(parts[1].split(",")).contains("memory")) {
                return (parts[2].equals("/") ? "" : parts[2]) + "/rd-attr-cri";
            }
        }
        for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
            if (line.startsWith("0::")) {
                return (line.substring(3).equals("/") ? "" : line.substring(3)) + "/rd-attr-cri";
            }
        }
        throw new IOException("no memory cgroup in /proc/self/cgroup");
    }

    @Override
    public void close() throws IOException, InterruptedException {
        try {
            CriPods.removeAll(cri);
        } finally {
            cri.close();
            containerd.destroy();
            if (!containerd.waitFor(20, TimeUnit.SECONDS)) {
                containerd.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            killOwnShims();
            unmountBelow(dir);
            removeDir(dir);
            removeCgroups();
        }
    }

    /** Shims outlive containerd by design; those started for this socket are this test's. */
    private void killOwnShims() {
        String address = socket().toString();
        ProcessHandle.allProcesses()
                .filter(ph -> ph.info().commandLine().map(c -> c.contains("containerd-shim") && c.contains(address))
                        .orElse(false))
                .forEach(ph -> {
                    ph.destroyForcibly();
                    ph.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(t -> ph).join();
                });
    }

    private static void unmountBelow(Path dir) throws IOException {
        List<String> mounts = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String point = line.split(" ")[4];
            if (point.startsWith(dir.toString() + "/")) {
                mounts.add(point);
            }
        }
        mounts.sort(Comparator.comparingInt(String::length).reversed());
        for (String m : mounts) {
            run(List.of("umount", "-l", m));
        }
    }

    private static void removeDir(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }

    /**
     * The pods' cgroup parent in every hierarchy, deepest first (cgroupfs leaves the parents
     * behind). A process still in one (a container whose removal failed: every process there
     * is one this test started) is killed first.
     */
    private static void removeCgroups() throws IOException {
        String parent = cgroupParent();
        try (Stream<Path> hierarchies = Files.list(Path.of("/sys/fs/cgroup"))) {
            for (Path h : hierarchies.toList()) {
                Path top = Path.of(h + parent);
                if (Files.isDirectory(top)) {
                    try (Stream<Path> walk = Files.walk(top)) {
                        for (Path d : walk.filter(Files::isDirectory)
                                .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).toList()) {
                            killMembers(d);
                            Files.deleteIfExists(d);
                        }
                    }
                }
            }
        }
    }

    private static void killMembers(Path cgroup) throws IOException {
        Path procs = cgroup.resolve("cgroup.procs");
        if (!Files.exists(procs)) {
            return;
        }
        for (String pid : Files.readAllLines(procs)) {
            ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ph -> {
                ph.destroyForcibly();
                ph.onExit().completeOnTimeout(ph, 10, TimeUnit.SECONDS).join();
            });
        }
    }

    static String run(List<String> command) throws IOException {
        Path out = Files.createTempFile("rd-attr-cmd", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("did not end within 120 s: " + String.join(" ", command));
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
