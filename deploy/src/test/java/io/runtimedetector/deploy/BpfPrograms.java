package io.runtimedetector.deploy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;

/** The detector's eBPF programs loaded on this machine, as bpftool lists them (all named rd_*). */
final class BpfPrograms {

    static Set<Integer> detectors() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("bpftool", "prog", "show").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IOException("bpftool prog show failed: " + out);
        }
        Set<Integer> ids = new HashSet<>();
        for (String line : out.lines().toList()) {
            // "123: tracing  name rd_exec  tag ..."
            if (!line.isEmpty() && Character.isDigit(line.charAt(0)) && line.contains(" name rd_")) {
                ids.add(Integer.parseInt(line.substring(0, line.indexOf(':'))));
            }
        }
        return ids;
    }

    /** Waits until no detector program is loaded but these (the kernel frees them asynchronously). */
    static void awaitNoneBut(Set<Integer> before) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (true) {
            Set<Integer> left = detectors();
            left.removeAll(before);
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("eBPF programs still loaded after the detector stopped: " + left);
            }
            Thread.sleep(100);
        }
    }

    private BpfPrograms() {
    }
}
