package io.runtimedetector.app;

import io.runtimedetector.ContainerNameSource;
import io.runtimedetector.cri.CriNameSource;
import io.runtimedetector.cri.CriSockets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The name source {@code --cri-socket} asks for, and the line that says which. The line is
 * logged once the detector is ready: a node that cannot run the detector gets its one
 * sentence on stderr and nothing else.
 *
 * @param source the source, empty when names are off or no runtime socket is there
 * @param line   what the log should say about it
 */
record CriNames(Optional<ContainerNameSource> source, String line) {

    static CriNames open(CriChoice choice) {
        if (!choice.enabled()) {
            return new CriNames(Optional.empty(),
                    "container names off (--cri-socket none): events carry container ids from the cgroup only");
        }
        // Only this process' own file system: in a container, only a socket mounted on purpose.
        Optional<Path> socket = choice.socket().or(() -> CriSockets.find(List.of(Path.of("/"))));
        if (socket.isEmpty()) {
            return new CriNames(Optional.empty(), "no CRI socket found (/" + String.join(", /", CriSockets.DEFAULTS)
                    + "): events carry container ids without names; --cri-socket names one");
        }
        try {
            CriNameSource source = CriNameSource.open(socket.get(), CriNameSource.DEFAULT_DEADLINE);
            return new CriNames(Optional.of(source), "pod and container names from the " + source.describe());
        } catch (IllegalStateException e) {
            return new CriNames(Optional.empty(), "container names unavailable: " + e.getMessage());
        }
    }
}
