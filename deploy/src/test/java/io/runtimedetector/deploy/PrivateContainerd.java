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
 * A containerd of the test's own: its config, root, state and socket in one directory, so
 * that it touches nothing of a containerd the machine may run. Without its CRI plugin: the
 * tests here only import and run images with {@code ctr}, as {@code kind load} and
 * {@code k3s ctr images import} do on a node.
 */
final class PrivateContainerd implements AutoCloseable {

    private static final Duration CTR = Duration.ofSeconds(120);

    private final Path dir;
    private final Process daemon;

    private PrivateContainerd(Path dir, Process daemon) {
        this.dir = dir;
        this.daemon = daemon;
    }

    static boolean installed() {
        return Files.isExecutable(Path.of("/usr/bin/containerd")) && Files.isExecutable(Path.of("/usr/bin/ctr"));
    }

    static PrivateContainerd start(Path dir) throws IOException, InterruptedException {
        Files.createDirectories(dir);
        Path config = dir.resolve("config.toml");
        Files.writeString(config, String.join("\n",
                "version = 2",
                "root = \"" + dir.resolve("root") + "\"",
                "state = \"" + dir.resolve("state") + "\"",
                "disabled_plugins = [\"io.containerd.grpc.v1.cri\"]",
                "[grpc]",
                "  address = \"" + dir.resolve("containerd.sock") + "\"",
                "[ttrpc]",
                "  address = \"" + dir.resolve("containerd.sock.ttrpc") + "\"",
                "[debug]",
                "  address = \"\"",
                "[metrics]",
                "  address = \"\"",
                ""), StandardCharsets.UTF_8);
        Process daemon = new ProcessBuilder("containerd", "--config", config.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("containerd.log").toFile()).start();
        PrivateContainerd containerd = new PrivateContainerd(dir, daemon);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!containerd.ctr("version").ok()) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                containerd.close();
                throw new IOException("the private containerd did not start:\n"
                        + Files.readString(dir.resolve("containerd.log")));
            }
            Thread.sleep(100);
        }
        return containerd;
    }

    /** {@code ctr} against this containerd, in the namespace the kubelet uses. */
    Podman.Result ctr(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ctr", "--address", dir.resolve("containerd.sock").toString(),
                "--namespace", "k8s.io"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile("ctr", ".out");
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile()).start();
            if (!p.waitFor(CTR.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                throw new IOException("did not end within " + CTR + ": " + String.join(" ", command));
            }
            return new Podman.Result(command, p.exitValue(), Files.readString(out));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            Files.deleteIfExists(out);
        }
    }

    String check(String... args) throws IOException {
        Podman.Result r = ctr(args);
        if (!r.ok()) {
            throw new IOException(r.describe());
        }
        return r.output().strip();
    }

    @Override
    public void close() throws IOException {
        daemon.destroy();
        try {
            if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
                daemon.destroyForcibly().waitFor();
            }
            // Overlay mounts of its snapshotter that a task left behind: unmounted before the directory goes.
            new ProcessBuilder("sh", "-c", "grep -o ' " + dir + "[^ ]*' /proc/self/mounts | sort -r | xargs -r -n1 umount -l")
                    .redirectErrorStream(true).start().waitFor(20, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
