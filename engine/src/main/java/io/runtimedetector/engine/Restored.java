package io.runtimedetector.engine;

import io.runtimedetector.event.ProcessInfo;

/**
 * A process the previous detector followed, as this one takes it over at start: see
 * {@link Takeover}.
 *
 * @param key          its identity, at the kernel's precision when the kernel told it
 * @param image        the image the state file kept; null when there was none
 * @param execReported whether its EXEC went out before the restart
 * @param requested    followed on request
 * @param running      /proc still shows it: followed again; else only its EXIT is still to come
 * @param recheck      running, but the kernel did not follow it across the restart: it must be
 *                     tracked again and checked once more
 */
record Restored(ProcessKey key, ProcessInfo image, boolean execReported, boolean requested, boolean running,
        boolean recheck) {
}
