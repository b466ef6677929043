package io.runtimedetector.probe;

import java.nio.file.Path;

/**
 * Another reader holds the pin directory's lock: only one detector may read pinned
 * programs (two would commit each other's records away).
 */
public class PinsInUseException extends ProbeException {

    private static final long serialVersionUID = 1L;

    private static final int EWOULDBLOCK = 11;

    public PinsInUseException(Path dir) {
        super("another detector already reads the pinned programs in " + dir, EWOULDBLOCK);
    }
}
