package io.runtimedetector.deploy;

import io.runtimedetector.probe.BpfFs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The node's BPF filesystem, as the DaemonSet mounts it (hostPath /sys/fs/bpf), for one
 * test class: a private {@link BpfFs}, since this machine has none at /sys/fs/bpf and a
 * shared one could hold another detector's pins, and the node's state directory.
 * Unpinned (the programs detach) and unmounted on close.
 */
final class NodeBpffs implements AutoCloseable {

    /** The host path the DaemonSet mounts, and the chart's default pin directory below it. */
    static final String NODE_PATH = "/sys/fs/bpf";
    static final String PIN_DIR = "runtime-detector";
    static final String STATE_PATH = "/var/lib/runtime-detector";

    private final BpfFs bpffs;
    private final Path state;

    NodeBpffs() throws IOException, InterruptedException {
        state = Files.createTempDirectory("rd-node-state");
        bpffs = new BpfFs(PIN_DIR);
    }

    /** The same container on a node whose BPF filesystem is this one, and whose state directory is {@link #state()}. */
    PodmanRun on(PodmanRun run) {
        return run.withHostPath(NODE_PATH, bpffs.mount).withHostPath(STATE_PATH, state);
    }

    /** The node's directory where a graceful stop leaves the followed processes (the chart's pinning.stateDir). */
    Path state() {
        return state;
    }

    /** The pin directory the DaemonSet's detector uses, as seen from the node. */
    Path pins() {
        return bpffs.pins;
    }

    /** Removes what the detectors pinned and left, so that the next test starts on an empty node. */
    void unpin() throws IOException {
        bpffs.unpin();
        try (var files = Files.list(state)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
    }

    @Override
    public void close() throws IOException {
        try {
            unpin();
        } finally {
            bpffs.close();
            Files.delete(state);
        }
    }
}
