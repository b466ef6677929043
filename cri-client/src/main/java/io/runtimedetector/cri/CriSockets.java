package io.runtimedetector.cri;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Where container runtimes serve the CRI on a node, under the host's /run: containerd,
 * CRI-O, k3s' embedded containerd and cri-dockerd (docker behind the kubelet), in that
 * order. The first that exists as a socket is used; {@code --cri-socket} overrides.
 */
public final class CriSockets {

    public static final List<String> DEFAULTS = List.of(
            "run/containerd/containerd.sock",
            "run/crio/crio.sock",
            "run/k3s/containerd/containerd.sock",
            "run/cri-dockerd.sock");

    private CriSockets() {
    }

    /**
     * @param roots where to look, in order: "/" for this process' own file system
     * @return the first default socket that exists under one of them
     */
    public static Optional<Path> find(List<Path> roots) {
        for (Path root : roots) {
            for (String candidate : DEFAULTS) {
                Path socket = root.resolve(candidate);
                if (isSocket(socket)) {
                    return Optional.of(socket);
                }
            }
        }
        return Optional.empty();
    }

    /** Whether {@code path} is a unix socket (file type bits S_IFSOCK), not merely a file. */
    static boolean isSocket(Path path) {
        try {
            int mode = (Integer) Files.getAttribute(path, "unix:mode");
            return (mode & 0170000) == 0140000;
        } catch (java.io.IOException | SecurityException | UnsupportedOperationException e) {
            return false;
        }
    }
}
