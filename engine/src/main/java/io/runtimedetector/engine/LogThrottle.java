package io.runtimedetector.engine;

/**
 * Decides which occurrences of a recurring problem deserve a log line. Logging at the
 * 1st, 2nd, 4th, 8th... occurrence keeps a problem visible however long it lasts,
 * while a flood of millions costs only a few dozen lines; the counters hold the rest.
 */
final class LogThrottle {

    private LogThrottle() {
    }

    static boolean shouldLog(long occurrence) {
        return occurrence > 0 && Long.bitCount(occurrence) == 1;
    }
}
