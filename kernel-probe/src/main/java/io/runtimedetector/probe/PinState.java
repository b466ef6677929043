package io.runtimedetector.probe;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What a {@link KernelProbe} found and did with the pins when it opened.
 *
 * @param mode                   how the programs came to run
 * @param directory              the generation's directory of pins (under {@link ProbeConfig#pinDir()}); empty
 *                               when {@link Mode#UNPINNED}
 * @param generation             the generation's SHA-256 in hex (see {@link KernelProbe#open}); "" when unpinned
 * @param generationsHandedOver  other generations found and handed over: their links removed, their rings read
 *                               before this one's
 * @param lostWhileUnread        records the kernel dropped because a ring was full and that no reader had
 *                               reported yet: while no reader ran, after the last counters the previous reader
 *                               reported, and in the rings handed over. Report it once, with
 *                               {@link ProbeCounters#ringBufferLost()}, which does not include it
 * @param idleSkippedWhileUnread program runs skipped because no reader had a heartbeat within
 *                               {@link ProbeConfig#readerTimeout()}, not reported yet, likewise (each possibly an
 *                               event lost)
 * @param pendingBytes           bytes that were waiting in the rings when the probe opened: what this probe
 *                               reads first
 * @param unreadFor              how long no reader had a heartbeat, when {@link Mode#RESUMED}; else zero
 * @param lastReaderSeen         when {@link Mode#RESUMED}: the previous reader's last heartbeat (from the
 *                               monotonic clock the programs use, so to within the wall clock's adjustments
 *                               since); else empty
 */
public record PinState(Mode mode, Optional<Path> directory, String generation, int generationsHandedOver,
        long lostWhileUnread, long idleSkippedWhileUnread, long pendingBytes, Duration unreadFor,
        Optional<Instant> lastReaderSeen) {

    /** How the programs came to run. */
    public enum Mode {
        /** No pinned mode: the programs live as long as this process. */
        UNPINNED,
        /** Loaded, attached and pinned by this probe (nothing of this generation was pinned before). */
        FRESH,
        /** Found pinned and complete: nothing loaded, reading resumed where the last reader committed. */
        RESUMED
    }

    public static final PinState NONE = new PinState(Mode.UNPINNED, Optional.empty(), "", 0, 0, 0, 0, Duration.ZERO,
            Optional.empty());
}
