package io.runtimedetector.app;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Pinned mode, from {@code --pin-dir} and {@code --reader-timeout}.
 *
 * @param dir           where the programs, ring and maps stay pinned, on a BPF filesystem
 * @param readerTimeout the pinned programs idle once no reader was seen for this long; zero: never
 */
record PinOptions(Path dir, Duration readerTimeout) {

    PinOptions {
        Objects.requireNonNull(dir, "dir");
        Objects.requireNonNull(readerTimeout, "readerTimeout");
    }
}
