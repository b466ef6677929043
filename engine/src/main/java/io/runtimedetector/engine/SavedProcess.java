package io.runtimedetector.engine;

import io.runtimedetector.event.ProcessInfo;
import java.util.Objects;

/**
 * A followed process as a graceful stop leaves it for the next detector.
 *
 * @param key          its identity
 * @param image        what its EXIT is to describe: the image its last EXEC or FORK reported, or the one
 *                     it ran while it waited for the minimum duration
 * @param execReported whether its EXEC (or FORK) went out: the next detector must not report it again
 * @param requested    followed on request: its EXIT is due whatever the filters say
 */
record SavedProcess(ProcessKey key, ProcessInfo image, boolean execReported, boolean requested) {

    SavedProcess {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(image, "image");
    }
}
