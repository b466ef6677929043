package io.runtimedetector.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The record in a generation's pinned {@code meta} map ({@code struct rd_meta} in
 * rd_event.h, whose offsets {@code NativeLayoutTest} checks): what a later reader needs to
 * judge the pins it finds, and what the last reader reported.
 *
 * @param layoutVersion    {@link #LAYOUT_VERSION} of the reader that pinned
 * @param complete         every pin was in place when this was written (written last)
 * @param variant          {@link BpfVariant} ordinal of the loaded object
 * @param ringBytes        ring buffer size
 * @param trackedCapacity  tracked map capacity
 * @param createdNs        CLOCK_MONOTONIC when the programs were pinned
 * @param reportedLost     the kernel's ring-buffer drop counter as last reported by a reader
 * @param reportedIdle     the kernel's idle-skip counter likewise
 * @param generation       the generation's hex digest
 * @param objectVersion    variant and object digest, for humans
 */
record PinMeta(int layoutVersion, boolean complete, int variant, int ringBytes, int trackedCapacity, long createdNs,
        long reportedLost, long reportedIdle, String generation, String objectVersion) {

    /** RD_LAYOUT_VERSION: pins of another version are handed over, never resumed. */
    static final int LAYOUT_VERSION = 1;

    static final int LAYOUT_VERSION_OFF = 0;
    static final int COMPLETE_OFF = 4;
    static final int VARIANT_OFF = 8;
    static final int RING_BYTES_OFF = 12;
    static final int TRACKED_CAPACITY_OFF = 16;
    static final int CREATED_NS_OFF = 24;
    static final int REPORTED_LOST_OFF = 32;
    static final int REPORTED_IDLE_OFF = 40;
    static final int GENERATION_OFF = 48;
    static final int GENERATION_LEN = 64 + 8;
    static final int OBJECT_VERSION_OFF = GENERATION_OFF + GENERATION_LEN;
    static final int OBJECT_VERSION_LEN = 48;
    static final int SIZE = OBJECT_VERSION_OFF + OBJECT_VERSION_LEN;

    PinMeta {
        if (generation.getBytes(StandardCharsets.US_ASCII).length >= GENERATION_LEN) {
            throw new IllegalArgumentException("generation: " + generation.length() + " characters, at most "
                    + (GENERATION_LEN - 1) + " fit");
        }
        if (objectVersion.getBytes(StandardCharsets.US_ASCII).length >= OBJECT_VERSION_LEN) {
            objectVersion = objectVersion.substring(0, OBJECT_VERSION_LEN - 1);
        }
    }

    PinMeta completed() {
        return withComplete(true);
    }

    PinMeta withComplete(boolean value) {
        return new PinMeta(layoutVersion, value, variant, ringBytes, trackedCapacity, createdNs, reportedLost,
                reportedIdle, generation, objectVersion);
    }

    PinMeta reported(long lost, long idle) {
        return new PinMeta(layoutVersion, complete, variant, ringBytes, trackedCapacity, createdNs, lost, idle,
                generation, objectVersion);
    }

    byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder());
        b.putInt(LAYOUT_VERSION_OFF, layoutVersion);
        b.putInt(COMPLETE_OFF, complete ? 1 : 0);
        b.putInt(VARIANT_OFF, variant);
        b.putInt(RING_BYTES_OFF, ringBytes);
        b.putInt(TRACKED_CAPACITY_OFF, trackedCapacity);
        b.putLong(CREATED_NS_OFF, createdNs);
        b.putLong(REPORTED_LOST_OFF, reportedLost);
        b.putLong(REPORTED_IDLE_OFF, reportedIdle);
        b.put(GENERATION_OFF, generation.getBytes(StandardCharsets.US_ASCII));
        b.put(OBJECT_VERSION_OFF, objectVersion.getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /** @throws IllegalArgumentException when {@code value} is not a record of this size */
    static PinMeta decode(byte[] value) {
        if (value.length != SIZE) {
            throw new IllegalArgumentException("meta record of " + value.length + " bytes, expected " + SIZE);
        }
        ByteBuffer b = ByteBuffer.wrap(value).order(ByteOrder.nativeOrder());
        return new PinMeta(b.getInt(LAYOUT_VERSION_OFF), b.getInt(COMPLETE_OFF) != 0, b.getInt(VARIANT_OFF),
                b.getInt(RING_BYTES_OFF), b.getInt(TRACKED_CAPACITY_OFF), b.getLong(CREATED_NS_OFF),
                b.getLong(REPORTED_LOST_OFF), b.getLong(REPORTED_IDLE_OFF),
                string(value, GENERATION_OFF, GENERATION_LEN), string(value, OBJECT_VERSION_OFF, OBJECT_VERSION_LEN));
    }

    private static String string(byte[] value, int off, int len) {
        int end = off;
        while (end < off + len && value[end] != 0) {
            end++;
        }
        return new String(Arrays.copyOfRange(value, off, end), StandardCharsets.US_ASCII);
    }
}
