package io.runtimedetector.probe;

/**
 * Offsets of {@code struct rd_event} (bpf/include/rd_event.h). The header is the single
 * definition; these mirror it for decoding, and {@code EventLayoutKernelTest} checks
 * them against the compiled C values through {@link NativeProbe#layout()}.
 */
final class EventLayout {

    static final int COMM_LEN = 16;
    static final int PATH_MAX = 256;
    static final int ARGS_MAX = 512;

    static final int TYPE = 0;
    static final int FLAGS = 4;
    static final int KTIME_NS = 8;
    static final int START_BOOTTIME = 16;
    static final int PID = 24;
    static final int TID = 28;
    static final int PPID = 32;
    static final int NS_PID = 36;
    static final int UID = 40;
    static final int EXIT_CODE = 44;
    static final int WATCH_ID = 48;
    static final int FILENAME_LEN = 52;
    static final int ARGS_LEN = 54;
    static final int COMM = 56;
    static final int FILENAME = COMM + COMM_LEN;
    static final int ARGS = FILENAME + PATH_MAX;
    static final int SIZE = ARGS + ARGS_MAX;

    static final int HDR_SIZE = FILENAME;
    static final int FILE_OPEN_SIZE = ARGS;

    /** Counter slots of {@code enum rd_counter}. */
    static final int COUNTERS = 6;

    /** Batch record: u32 length, u32 reserved, payload padded to 8 bytes. */
    static final int RECORD_HDR = 8;
    static final int RECORD_MAX = RECORD_HDR + ((SIZE + 7) & ~7);

    /** The same order as probe_jni.c's layout(). */
    static int[] expected() {
        return new int[] {SIZE, HDR_SIZE, FILE_OPEN_SIZE, TYPE, FLAGS, KTIME_NS, START_BOOTTIME, PID, TID, PPID,
            NS_PID, UID, EXIT_CODE, WATCH_ID, FILENAME_LEN, ARGS_LEN, COMM, FILENAME, ARGS, COUNTERS, RECORD_MAX};
    }

    private EventLayout() {
    }
}
