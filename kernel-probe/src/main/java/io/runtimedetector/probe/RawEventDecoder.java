package io.runtimedetector.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
        return decodeBatch(batch, onError, null);
    }

    /** @param tally told the type and size of every record, or null */
    static List<RawEvent> decodeBatch(ByteBuffer batch, Consumer<String> onError, RecordTally tally) {
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
            if (tally != null && len >= EventLayout.HDR_SIZE) {
                tally.add(buf.getInt(pos + EventLayout.RECORD_HDR + EventLayout.TYPE), len);
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
        int flags = e.getInt(EventLayout.FLAGS);
        int envsLen = section(e, EventLayout.ENVS_LEN, EventLayout.ENV_MAX);
        int filenameLen = section(e, EventLayout.FILENAME_LEN, EventLayout.PATH_MAX);
        int argsLen = section(e, EventLayout.ARGS_LEN, EventLayout.ARGS_MAX);
        int exeLen = section(e, EventLayout.EXE_LEN, EventLayout.EXE_MAX);
        int needed = EventLayout.HDR_SIZE + envsLen + filenameLen + argsLen + exeLen;
        if (e.limit() < needed) {
            throw new IllegalArgumentException(type + " event of " + e.limit() + " bytes, its sections need "
                    + needed);
        }
        int at = EventLayout.DATA;
        Map<String, String> envs = envsLen == 0 ? Map.of() : envs(e, at, envsLen);
        at += envsLen;
        String filename = filenameLen == 0 ? "" : string(e, at, filenameLen);
        at += filenameLen;
        List<String> args = splitNul(e, at, argsLen);
        at += argsLen;
        String exePath = "";
        if (exeLen > 0) {
            exePath = string(e, at, exeLen);
            // What /proc/PID/exe shows for an unlinked binary, so both sources agree.
            exePath = (flags & RawEvent.FLAG_EXE_DELETED) != 0 ? exePath + " (deleted)" : exePath;
        }
        return new RawEvent(type,
                flags,
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
                exePath,
                envs,
                e.getLong(EventLayout.CGROUP_ID),
                e.getLong(EventLayout.CGROUP_V1_ID));
    }

    private static int section(ByteBuffer e, int lengthField, int max) {
        int len = Short.toUnsignedInt(e.getShort(lengthField));
        if (len > max) {
            throw new IllegalArgumentException("a section of " + len + " bytes, at most " + max + " are sent");
        }
        return len;
    }

    /** KEY=VALUE strings, each NUL-terminated; a value cut by the kernel keeps what arrived. */
    private static Map<String, String> envs(ByteBuffer e, int offset, int len) {
        Map<String, String> out = new HashMap<>();
        for (String entry : splitNul(e, offset, len)) {
            int eq = entry.indexOf('=');
            if (eq > 0) {
                out.putIfAbsent(entry.substring(0, eq), entry.substring(eq + 1));
            }
        }
        return out;
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
