package io.runtimedetector.probe;

import java.util.concurrent.atomic.AtomicLongArray;

/** Counts records and their bytes by type, written by the reader thread, read by anyone. */
final class RecordTally {

    private static final int EXEC = 0;
    private static final int EXIT = 2;
    private static final int OTHER = 4;

    private final AtomicLongArray cells = new AtomicLongArray(6);

    void add(int typeCode, int bytes) {
        int at = typeCode == RawEventType.EXEC.code() ? EXEC : typeCode == RawEventType.EXIT.code() ? EXIT : OTHER;
        cells.incrementAndGet(at);
        cells.addAndGet(at + 1, bytes);
    }

    RecordSizes snapshot() {
        return new RecordSizes(cells.get(EXEC), cells.get(EXEC + 1), cells.get(EXIT), cells.get(EXIT + 1),
                cells.get(OTHER), cells.get(OTHER + 1));
    }
}
