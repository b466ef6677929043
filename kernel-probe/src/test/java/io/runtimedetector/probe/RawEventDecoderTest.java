package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decoding of batches laid out as probe_jni.c writes them, built here byte by byte. */
class RawEventDecoderTest {

    private static ByteBuffer event(int type, int size) {
        ByteBuffer e = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        e.putInt(EventLayout.TYPE, type);
        e.putInt(EventLayout.FLAGS, RawEvent.FLAG_ENV_MATCH);
        e.putLong(EventLayout.KTIME_NS, 123_456_789L);
        e.putLong(EventLayout.START_BOOTTIME, 5_000_000_000L);
        e.putInt(EventLayout.PID, 4242);
        e.putInt(EventLayout.TID, 4243);
        e.putInt(EventLayout.PPID, 1);
        e.putInt(EventLayout.NS_PID, 7);
        e.putInt(EventLayout.UID, 1000);
        e.put(EventLayout.COMM, "python3".getBytes(StandardCharsets.US_ASCII));
        return e;
    }

    private static ByteBuffer batch(ByteBuffer... events) {
        ByteBuffer b = ByteBuffer.allocate(64 * 1024).order(ByteOrder.nativeOrder());
        for (ByteBuffer e : events) {
            b.putInt(e.capacity()).putInt(0).put(e.array());
            b.position((b.position() + 7) & ~7);
        }
        b.flip();
        return b;
    }

    @Test
    void decodesExecWithFilenameAndArgs() {
        ByteBuffer e = event(1, EventLayout.SIZE);
        byte[] file = "/usr/bin/python3".getBytes(StandardCharsets.UTF_8);
        e.put(EventLayout.FILENAME, file);
        e.putShort(EventLayout.FILENAME_LEN, (short) file.length);
        byte[] args = "python3\0app.py\0--port=80\0".getBytes(StandardCharsets.UTF_8);
        e.put(EventLayout.ARGS, args);
        e.putShort(EventLayout.ARGS_LEN, (short) args.length);

        List<RawEvent> out = RawEventDecoder.decodeBatch(batch(e), msg -> { throw new AssertionError(msg); });

        RawEvent exec = out.get(0);
        assertEquals(RawEventType.EXEC, exec.type());
        assertEquals(4242, exec.pid());
        assertEquals(4243, exec.tid());
        assertEquals(7, exec.nsPid());
        assertEquals(1000, exec.uid());
        assertEquals(5_000_000_000L, exec.startBootTimeNs());
        assertEquals("python3", exec.comm());
        assertEquals("/usr/bin/python3", exec.filename());
        assertEquals(List.of("python3", "app.py", "--port=80"), exec.args());
    }

    @Test
    void decodesShortEventsAndKeepsBatchOrder() {
        ByteBuffer fork = event(2, EventLayout.HDR_SIZE);
        ByteBuffer exit = event(3, EventLayout.HDR_SIZE);
        exit.putInt(EventLayout.EXIT_CODE, 3 << 8);
        ByteBuffer open = event(4, EventLayout.FILE_OPEN_SIZE);
        open.put(EventLayout.FILENAME, "/etc/shadow".getBytes(StandardCharsets.UTF_8));
        open.putShort(EventLayout.FILENAME_LEN, (short) 11);
        open.putInt(EventLayout.WATCH_ID, 2);

        List<RawEvent> out = RawEventDecoder.decodeBatch(batch(fork, open, exit), msg -> { });

        assertEquals(List.of(RawEventType.FORK, RawEventType.FILE_OPEN, RawEventType.EXIT),
                out.stream().map(RawEvent::type).toList());
        assertEquals("/etc/shadow", out.get(1).filename());
        assertEquals(2, out.get(1).watchId());
        assertEquals(3, out.get(2).exitCode());
    }

    @Test
    void argsCutShortByTheKernelKeepTheirLastPart() {
        ByteBuffer e = event(1, EventLayout.SIZE);
        byte[] args = "sh\0-c\0abc".getBytes(StandardCharsets.UTF_8);
        e.put(EventLayout.ARGS, args);
        e.putShort(EventLayout.ARGS_LEN, (short) args.length);
        assertEquals(List.of("sh", "-c", "abc"), RawEventDecoder.decode(e).args());
    }

    @Test
    void badRecordsAreReportedAndSkippedNotFatal() {
        ByteBuffer unknown = event(99, EventLayout.HDR_SIZE);
        ByteBuffer shortExec = event(1, EventLayout.HDR_SIZE);
        ByteBuffer good = event(3, EventLayout.HDR_SIZE);
        List<String> errors = new ArrayList<>();

        List<RawEvent> out = RawEventDecoder.decodeBatch(batch(unknown, shortExec, good), errors::add);

        assertEquals(1, out.size());
        assertEquals(RawEventType.EXIT, out.get(0).type());
        assertEquals(List.of("unknown raw event type 99", "EXEC event of 72 bytes, expected 840"), errors);
    }

    @Test
    void shortEventIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> RawEventDecoder.decode(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())));
    }
}
