package io.runtimedetector.app;

import io.runtimedetector.ContainerNameSource;
import io.runtimedetector.cri.CriNameSource;
import io.runtimedetector.cri.CriSockets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The name source the app's {@code --cri-socket} asks for, with one line saying which. */
final class CriNames {

    private static final Logger LOG = LoggerFactory.getLogger(CriNames.class);

    private CriNames() {
    }

    /** @return the source, or empty when names are off or no runtime socket is there */
    static Optional<ContainerNameSource> open(CriChoice choice) {
        if (!choice.enabled()) {
            LOG.info("container names off (--cri-socket none): events carry container ids from the cgroup only");
            return Optional.empty();
        }
        // Only this process' own file system: in a container, only a socket mounted on purpose.
        Optional<Path> socket = choice.socket().or(() -> CriSockets.find(List.of(Path.of("/"))));
        if (socket.isEmpty()) {
            LOG.info("no CRI socket found (/{}): events carry container ids without names; --cri-socket names one",
                    String.join(", /", CriSockets.DEFAULTS));
            return Optional.empty();
        }
        try {
            CriNameSource source = CriNameSource.open(socket.get(), CriNameSource.DEFAULT_DEADLINE);
            LOG.info("pod and container names from the {}", source.describe());
            return Optional.of(source);
        } catch (IllegalStateException e) {
            LOG.warn("container names unavailable: {}", e.getMessage());
            return Optional.empty();
        }
    }
}
