package io.runtimedetector.probe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The eBPF programs one process holds, and whether they are still loaded: how a test tells
 * that a closed probe, a killed JVM or a stopped container left nothing attached, even while
 * other detectors on the machine (other tests, other checkouts) load programs of the same
 * names. Used by the kernel tests here and by deploy's image test.
 */
public final class BpfPrograms {

    private BpfPrograms() {
    }

    /** The ids of the programs {@code pid} holds through a program or link descriptor (its fdinfo's prog_id). */
    public static Set<Integer> heldBy(long pid) throws IOException {
        Set<Integer> held = new HashSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc", Long.toString(pid), "fdinfo"))) {
            for (Path fd : fds) {
                try {
                    for (String line : Files.readAllLines(fd)) {
                        if (line.startsWith("prog_id:")) {
                            held.add(Integer.parseInt(line.substring(8).trim()));
                        }
                    }
                } catch (NoSuchFileException closedMeanwhile) {
                    // a descriptor closed while listing: not one of the probe's
                }
            }
        }
        return held;
    }

    /** Those of {@code ids} whose program has this name, e.g. rd_exec. */
    public static Set<Integer> named(Set<Integer> ids, String name) throws IOException, InterruptedException {
        Set<Integer> named = new HashSet<>();
        for (int id : ids) {
            if (bpftool("prog", "show", "id", Integer.toString(id)).contains(" name " + name + " ")) {
                named.add(id);
            }
        }
        return named;
    }

    /** Those of {@code ids} still loaded now. */
    public static Set<Integer> stillLoaded(Set<Integer> ids) throws IOException, InterruptedException {
        Set<Integer> left = new HashSet<>(ids);
        left.retainAll(loaded());
        return left;
    }

    /** Waits until none of these programs is loaded any more (the kernel frees them asynchronously). */
    public static void awaitUnloaded(Set<Integer> ids, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Set<Integer> left = new HashSet<>(ids);
            left.retainAll(loaded());
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": programs " + left + " are still loaded");
            }
            Thread.sleep(50);
        }
    }

    /** The ids of every eBPF program loaded on the machine: the lines {@code ID: type name ...}. */
    private static Set<Integer> loaded() throws IOException, InterruptedException {
        Set<Integer> ids = new HashSet<>();
        for (String line : bpftool("prog", "show").lines().toList()) {
            if (!line.isEmpty() && Character.isDigit(line.charAt(0))) {
                ids.add(Integer.parseInt(line.substring(0, line.indexOf(':'))));
            }
        }
        return ids;
    }

    private static String bpftool(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("bpftool"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }
}
