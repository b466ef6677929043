package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A private BPF filesystem for one test: mounted on a temporary directory (the machine's
 * /sys/fs/bpf may not be mounted, and other detectors may pin there), unpinned and
 * unmounted on close. The kernel tests here, the app's and the image's pinned-mode tests
 * all pin on one of these.
 */
public final class BpfFs implements AutoCloseable {

    private static final Pattern PROG_ID = Pattern.compile("\"prog_id\":(\\d+)");

    public final Path mount;
    /** The pin directory the tests use: below the mount, so that open() has to create it. */
    public final Path pins;

    public BpfFs() throws IOException, InterruptedException {
        this("rd");
    }

    /** @param pinDir the pin directory's name below the mount */
    public BpfFs(String pinDir) throws IOException, InterruptedException {
        mount = Files.createTempDirectory("rd-bpffs");
        run("mount", "-t", "bpf", "bpf", mount.toString());
        pins = mount.resolve(pinDir);
    }

    /** The generation directories now in the pin directory. */
    List<Path> generations() throws IOException {
        if (!Files.exists(pins)) {
            return List.of();
        }
        try (var s = Files.list(pins)) {
            return s.filter(Files::isDirectory).sorted().toList();
        }
    }

    /** The ids of the programs the pinned links of {@code generation} attach. */
    static Set<Integer> linkedPrograms(Path generation) throws IOException, InterruptedException {
        Set<Integer> ids = new HashSet<>();
        for (Path link : PinDirectory.links(generation)) {
            Matcher m = PROG_ID.matcher(run("bpftool", "-j", "link", "show", "pinned", link.toString()));
            if (!m.find()) {
                throw new AssertionError("bpftool shows no program for the link " + link);
            }
            ids.add(Integer.parseInt(m.group(1)));
        }
        return ids;
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out.trim());
        }
        return out;
    }

    /** Unpins whatever the detectors left in the pin directory: the programs detach. */
    public void unpin() {
        KernelProbe.unpin(pins);
    }

    @Override
    public void close() throws IOException {
        List<Throwable> failures = new ArrayList<>();
        try {
            KernelProbe.unpin(pins);
        } catch (RuntimeException e) {
            failures.add(e);
        }
        try {
            run("umount", mount.toString());
            Files.delete(mount);
        } catch (IOException e) {
            failures.add(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failures.add(e);
        }
        if (!failures.isEmpty()) {
            AssertionError e = new AssertionError("cleaning up the BPF filesystem at " + mount + " failed");
            failures.forEach(e::addSuppressed);
            throw e;
        }
    }
}
