package io.runtimedetector.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/**
 * The eBPF programs one process holds, and whether they are still loaded: how a test tells
 * that a stopped detector left nothing attached, even while other detectors (other tests,
 * other checkouts) load programs of their own on the same machine.
 */
final class BpfPrograms {

    /** The ids of the programs {@code pid} holds through a program or link descriptor (its fdinfo's prog_id). */
    static Set<Integer> heldBy(int pid) throws IOException {
        Set<Integer> ids = new HashSet<>();
        try (var fds = Files.list(Path.of("/proc/" + pid + "/fdinfo"))) {
            for (Path fd : fds.toList()) {
                try {
                    for (String line : Files.readAllLines(fd)) {
                        if (line.startsWith("prog_id:")) {
                            ids.add(Integer.parseInt(line.substring(8).trim()));
                        }
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // a descriptor closed while listing
                }
            }
        }
        return ids;
    }

    /** Waits until none of these programs is loaded (the kernel frees them asynchronously). */
    static void awaitUnloaded(Set<Integer> ids) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Set<Integer> left = new HashSet<>(ids);
            left.retainAll(loaded());
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("eBPF programs still loaded after the detector stopped: " + left);
            }
            Thread.sleep(100);
        }
    }

    /** Every program loaded on the machine: bpftool's lines "ID: type name ...". */
    private static Set<Integer> loaded() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bpftool", "prog", "show").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("bpftool prog show failed: " + out);
        }
        Set<Integer> ids = new HashSet<>();
        for (String line : out.lines().toList()) {
            if (!line.isEmpty() && Character.isDigit(line.charAt(0))) {
                ids.add(Integer.parseInt(line.substring(0, line.indexOf(':'))));
            }
        }
        return ids;
    }

    private BpfPrograms() {
    }
}
