package io.runtimedetector.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The images the deploy tests run: the detector's, built by the one recipe, and a tiny service image. */
final class Images {

    /** A service image made offline: only a static busybox, as {@code podman import} of a directory. */
    static final String BUSYBOX = "localhost/rd-test-busybox:latest";
    private static final Path BUSYBOX_BINARY = Path.of("/bin/busybox");
    private static final Duration PODMAN = Duration.ofSeconds(60);

    /** Builds localhost/runtime-detector:dev with deploy/image/build.sh, exactly as {@code make image} does. */
    static void buildDetector() throws IOException, InterruptedException {
        Path root = ImageIT.repoRoot();
        Path logFile = root.resolve("deploy/target/image-build.log");
        Files.createDirectories(logFile.getParent());
        Process build = new ProcessBuilder(root.resolve("deploy/image/build.sh").toString())
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        if (!build.waitFor(10, TimeUnit.MINUTES)) {
            build.destroyForcibly();
            throw new AssertionError("deploy/image/build.sh did not end within 10 minutes; see " + logFile);
        }
        if (build.exitValue() != 0) {
            throw new AssertionError("deploy/image/build.sh failed:\n" + Files.readString(logFile));
        }
    }

    static void importBusybox() throws IOException {
        if (!Files.isExecutable(BUSYBOX_BINARY)) {
            throw new AssertionError(BUSYBOX_BINARY + " is missing: install busybox-static (scripts/install-deps.sh does)");
        }
        Path dir = Files.createTempDirectory("rd-busybox");
        try {
            Files.createDirectories(dir.resolve("bin"));
            Files.copy(BUSYBOX_BINARY, dir.resolve("bin/busybox"));
            Path tar = dir.resolve("rootfs.tar");
            Process p = new ProcessBuilder("tar", "-C", dir.toString(), "-cf", tar.toString(), "bin").inheritIO().start();
            if (p.waitFor() != 0) {
                throw new IOException("tar of the busybox root failed");
            }
            Podman.check(PODMAN, "import", "--quiet", tar.toString(), BUSYBOX);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    static void removeBusybox() throws IOException {
        Podman.run(PODMAN, "rmi", "--force", BUSYBOX);
    }

    /**
     * Starts a service container: {@code command} as its process, with {@code ODIGOS_POD_NAME}
     * set when {@code podName} is not null (as Odigos injects it). Returns its pid on the node.
     */
    static int service(String name, String podName, List<String> command) throws IOException {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name=" + name, "--network=none"));
        args.addAll(Podman.hostFlags());
        if (podName != null) {
            args.add("--env=ODIGOS_POD_NAME=" + podName);
        }
        args.add(BUSYBOX);
        args.addAll(command);
        Podman.check(PODMAN, args);
        return Integer.parseInt(Podman.check(PODMAN, "inspect", "--format={{.State.Pid}}", name));
    }

    private Images() {
    }
}
