package io.runtimedetector.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * Turns a batch written by {@link NativeProbe#poll} into {@link RawEvent}s. A record
 * that does not fit the layout is reported to the error handler and skipped; it
 * never stops the batch.
 */
final class RawEventDecoder {

    private RawEventDecoder() {
    }

    /**
     * @param batch   native-order buffer, position 0, limit = bytes written
     * @param onError told about each record that could not be decoded
     */
    static List<RawEvent> decodeBatch(ByteBuffer batch, Consumer<String> onError) {
        ByteBuffer buf = batch.duplicate().order(ByteOrder.nativeOrder());
        List<RawEvent> out = new ArrayList<>();
        int pos = 0;
        while (pos + EventLayout.RECORD_HDR <= buf.limit()) {
            int len = buf.getInt(pos);
            int next = pos + EventLayout.RECORD_HDR + ((len + 7) & ~7);
            if (len <= 0 || next > buf.limit()) {
                onError.accept("truncated batch record of " + len + " bytes at offset " + pos);
                break;
            }
            try {
                out.add(decode(buf.slice(pos + EventLayout.RECORD_HDR, len).order(ByteOrder.nativeOrder())));
            } catch (IllegalArgumentException e) {
                onError.accept(e.getMessage());
            }
            pos = next;
        }
        return out;
    }

    /** Decodes one event; {@code e} holds exactly the bytes the kernel submitted. */
    static RawEvent decode(ByteBuffer e) {
        if (e.limit() < EventLayout.HDR_SIZE) {
            throw new IllegalArgumentException("event of " + e.limit() + " bytes is shorter than the header");
        }
        RawEventType type = RawEventType.fromCode(e.getInt(EventLayout.TYPE));
        int needed = switch (type) {
            case EXEC -> EventLayout.SIZE;
            case FILE_OPEN -> EventLayout.FILE_OPEN_SIZE;
            case FORK, EXIT -> EventLayout.HDR_SIZE;
        };
        if (e.limit() < needed) {
            throw new IllegalArgumentException(type + " event of " + e.limit() + " bytes, expected " + needed);
        }
        String filename = "";
        List<String> args = List.of();
        if (type == RawEventType.EXEC || type == RawEventType.FILE_OPEN) {
            int len = Math.min(Short.toUnsignedInt(e.getShort(EventLayout.FILENAME_LEN)), EventLayout.PATH_MAX);
            filename = string(e, EventLayout.FILENAME, len);
        }
        if (type == RawEventType.EXEC) {
            int len = Math.min(Short.toUnsignedInt(e.getShort(EventLayout.ARGS_LEN)), EventLayout.ARGS_MAX);
            args = splitNul(e, EventLayout.ARGS, len);
        }
        return new RawEvent(type,
                e.getInt(EventLayout.FLAGS),
                e.getLong(EventLayout.KTIME_NS),
                e.getLong(EventLayout.START_BOOTTIME),
                e.getInt(EventLayout.PID),
                e.getInt(EventLayout.TID),
                e.getInt(EventLayout.PPID),
                e.getInt(EventLayout.NS_PID),
                e.getInt(EventLayout.UID),
                e.getInt(EventLayout.EXIT_CODE),
                e.getInt(EventLayout.WATCH_ID),
                cString(e, EventLayout.COMM, EventLayout.COMM_LEN),
                filename,
                args,
                "",
                java.util.Map.of(),
                0);
    }

    private static String string(ByteBuffer e, int offset, int len) {
        byte[] bytes = new byte[len];
        e.get(offset, bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    private static String cString(ByteBuffer e, int offset, int max) {
        int len = 0;
        while (len < max && e.get(offset + len) != 0) {
            len++;
        }
        return string(e, offset, len);
    }

    /** argv as the kernel laid it out: NUL-terminated strings; the last may be cut short. */
    private static List<String> splitNul(ByteBuffer e, int offset, int len) {
        if (len == 0) {
            return Collections.emptyList();
        }
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < len; i++) {
            if (e.get(offset + i) == 0) {
                out.add(string(e, offset + start, i - start));
                start = i + 1;
            }
        }
        if (start < len) {
            out.add(string(e, offset + start, len - start));
        }
        return out;
    }
}
