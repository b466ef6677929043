package io.runtimedetector.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Pinned mode, from {@code --pin-dir} and {@code --reader-timeout}.
 *
 * @param dir           where the programs, ring and maps stay pinned, on a BPF filesystem
 * @param readerTimeout the pinned programs idle once no reader was seen for this long; zero: never
 * @param stateDir      where a graceful stop leaves the followed processes for the next detector; empty: nowhere
 */
record PinOptions(Path dir, Duration readerTimeout, Optional<Path> stateDir) {

    PinOptions {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(readerTimeout, "readerTimeout");
        Objects.requireNonNull(stateDir, "stateDir");
    }
}
