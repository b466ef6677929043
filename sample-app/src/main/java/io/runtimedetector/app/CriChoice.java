package io.runtimedetector.app;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Where the pod and container names come from: the CRI socket given with
 * {@code --cri-socket}, the first of the usual ones that exists, or nowhere ({@code none}).
 *
 * @param enabled names are asked for at all
 * @param socket  the socket given; empty: look for the usual ones under the host's /run
 */
public record CriChoice(boolean enabled, Optional<Path> socket) {

    public static final CriChoice SEARCH = new CriChoice(true, Optional.empty());
    public static final CriChoice OFF = new CriChoice(false, Optional.empty());

    public static CriChoice at(Path socket) {
        return new CriChoice(true, Optional.of(socket));
    }
}
