package io.runtimedetector.probe;

/**
 * Offsets of {@code struct rd_event} (bpf/include/rd_event.h). The header is the single
 * definition; these mirror it for decoding, and {@code NativeLayoutTest} checks them
 * against the compiled C values through {@link NativeProbe#layout()}.
 *
 * <p>A record is the fixed header followed by its sections, each as long as its length
 * field says, in this order: envs, filename, args, exe.
 */
final class EventLayout {

    static final int COMM_LEN = 16;
    static final int PATH_MAX = 256;
    static final int ARGS_MAX = 1024;
    static final int EXE_MAX = 512;
    static final int ENV_MAX = 1024;

    static final int TYPE = 0;
    static final int FLAGS = 4;
    static final int KTIME_NS = 8;
    static final int START_BOOTTIME = 16;
    static final int CGROUP_ID = 24;
    static final int CGROUP_V1_ID = 32;
    static final int PID = 40;
    static final int TID = 44;
    static final int PPID = 48;
    static final int NS_PID = 52;
    static final int UID = 56;
    static final int EXIT_CODE = 60;
    static final int WATCH_ID = 64;
    static final int FILENAME_LEN = 68;
    static final int ARGS_LEN = 70;
    static final int EXE_LEN = 72;
    static final int ENVS_LEN = 74;
    static final int COMM = 76;
    static final int DATA = COMM + COMM_LEN;

    static final int HDR_SIZE = DATA;
    static final int MAX_SIZE = HDR_SIZE + PATH_MAX + ARGS_MAX + EXE_MAX + ENV_MAX;

    /** Counter slots of {@code enum rd_counter}. */
    static final int COUNTERS = 7;
    static final int CNT_RINGBUF_LOST = 0;
    static final int CNT_IDLE_SKIPPED = 6;

    /** Batch record: u32 length, u32 reserved, payload padded to 8 bytes. */
    static final int RECORD_HDR = 8;
    static final int RECORD_MAX = RECORD_HDR + ((MAX_SIZE + 7) & ~7);

    /** The same order as probe_jni.c's layout(). */
    static int[] expected() {
        return new int[] {MAX_SIZE, HDR_SIZE, TYPE, FLAGS, KTIME_NS, START_BOOTTIME, CGROUP_ID, CGROUP_V1_ID, PID, TID, PPID,
            NS_PID, UID, EXIT_CODE, WATCH_ID, FILENAME_LEN, ARGS_LEN, EXE_LEN, ENVS_LEN, COMM, DATA, COUNTERS,
            RECORD_MAX, PinMeta.SIZE, PinMeta.LAYOUT_VERSION_OFF, PinMeta.COMPLETE_OFF, PinMeta.VARIANT_OFF,
            PinMeta.RING_BYTES_OFF, PinMeta.TRACKED_CAPACITY_OFF, PinMeta.CREATED_NS_OFF, PinMeta.REPORTED_LOST_OFF,
            PinMeta.REPORTED_IDLE_OFF, PinMeta.GENERATION_OFF, PinMeta.OBJECT_VERSION_OFF, PinMeta.LAYOUT_VERSION};
    }

    private EventLayout() {
    }
}
