package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Decoding of batches laid out as probe_jni.c writes them, built here byte by byte. */
class RawEventDecoderTest {

    /** A record as the kernel submits it: the header, then envs, filename, args, exe. */
    private static ByteBuffer event(int type, int flags, String envs, String filename, String args, String exe) {
        byte[][] sections = {bytes(envs), bytes(filename), bytes(args), bytes(exe)};
        int size = EventLayout.HDR_SIZE;
        for (byte[] s : sections) {
            size += s.length;
        }
        ByteBuffer e = ByteBuffer.allocate(size).order(ByteOrder.nativeOrder());
        e.putInt(EventLayout.TYPE, type);
        e.putInt(EventLayout.FLAGS, flags);
        e.putLong(EventLayout.KTIME_NS, 123_456_789L);
        e.putLong(EventLayout.START_BOOTTIME, 5_000_000_000L);
        e.putLong(EventLayout.CGROUP_ID, 9_876L);
        e.putLong(EventLayout.CGROUP_V1_ID, 5_432L);
        e.putInt(EventLayout.PID, 4242);
        e.putInt(EventLayout.TID, 4243);
        e.putInt(EventLayout.PPID, 1);
        e.putInt(EventLayout.NS_PID, 7);
        e.putInt(EventLayout.UID, 1000);
        e.put(EventLayout.COMM, "python3".getBytes(StandardCharsets.US_ASCII));
        e.putShort(EventLayout.ENVS_LEN, (short) sections[0].length);
        e.putShort(EventLayout.FILENAME_LEN, (short) sections[1].length);
        e.putShort(EventLayout.ARGS_LEN, (short) sections[2].length);
        e.putShort(EventLayout.EXE_LEN, (short) sections[3].length);
        int at = EventLayout.DATA;
        for (byte[] s : sections) {
            e.put(at, s);
            at += s.length;
        }
        return e;
    }

    private static ByteBuffer header(int type) {
        return event(type, 0, "", "", "", "");
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
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
    void decodesAKernelCompleteExec() {
        ByteBuffer e = event(1, RawEvent.FLAG_ENV_MATCH | RawEvent.FLAG_ENVS_COMPLETE,
                "APP_ID=42\0APP_ENV=a=b\0", "/usr/bin/python3", "python3\0app.py\0--port=80\0",
                "/usr/bin/python3.11");

        List<RawEvent> out = RawEventDecoder.decodeBatch(batch(e), msg -> { throw new AssertionError(msg); });

        RawEvent exec = out.get(0);
        assertEquals(RawEventType.EXEC, exec.type());
        assertEquals(4242, exec.pid());
        assertEquals(4243, exec.tid());
        assertEquals(7, exec.nsPid());
        assertEquals(1000, exec.uid());
        assertEquals(9_876L, exec.cgroupId());
        assertEquals(5_432L, exec.cgroupV1Id());
        assertEquals(5_000_000_000L, exec.startBootTimeNs());
        assertEquals("python3", exec.comm());
        assertEquals("/usr/bin/python3", exec.filename());
        assertEquals(List.of("python3", "app.py", "--port=80"), exec.args());
        assertEquals("/usr/bin/python3.11", exec.exePath());
        assertEquals(Map.of("APP_ID", "42", "APP_ENV", "a=b"), exec.envs(), "split at the first '='");
    }

    @Test
    void anUnlinkedBinaryReadsAsProcShowsIt() {
        ByteBuffer e = event(1, RawEvent.FLAG_EXE_DELETED, "", "/tmp/x", "x\0", "/tmp/x");
        assertEquals("/tmp/x (deleted)", RawEventDecoder.decode(e).exePath());
    }

    @Test
    void decodesHeaderOnlyEventsAndKeepsBatchOrder() {
        ByteBuffer fork = header(2);
        ByteBuffer exit = header(3);
        exit.putInt(EventLayout.EXIT_CODE, 3 << 8);
        ByteBuffer open = event(4, RawEvent.FLAG_WATCH_BY_INODE, "", "/etc/shadow", "", "");
        open.putInt(EventLayout.WATCH_ID, 2);

        List<RawEvent> out = RawEventDecoder.decodeBatch(batch(fork, open, exit), msg -> { });

        assertEquals(List.of(RawEventType.FORK, RawEventType.FILE_OPEN, RawEventType.EXIT),
                out.stream().map(RawEvent::type).toList());
        assertEquals("/etc/shadow", out.get(1).filename());
        assertEquals(2, out.get(1).watchId());
        assertEquals(3, out.get(2).exitCode());
        assertEquals(9_876L, out.get(2).cgroupId());
        assertEquals("", out.get(0).exePath());
    }

    @Test
    void argsCutShortByTheKernelKeepTheirLastPart() {
        ByteBuffer e = event(1, RawEvent.FLAG_ARGS_TRUNCATED, "", "/bin/sh", "sh\0-c\0abc", "/usr/bin/dash");
        assertEquals(List.of("sh", "-c", "abc"), RawEventDecoder.decode(e).args());
    }

    @Test
    void badRecordsAreReportedAndSkippedNotFatal() {
        ByteBuffer unknown = header(99);
        ByteBuffer cut = event(1, 0, "", "/bin/sh", "sh\0", "");
        ByteBuffer shortExec = ByteBuffer.allocate(cut.capacity() - 2).order(ByteOrder.nativeOrder())
                .put(0, cut.array(), 0, cut.capacity() - 2);
        ByteBuffer oversized = header(3);
        oversized.putShort(EventLayout.EXE_LEN, (short) 4000);
        ByteBuffer good = header(3);
        List<String> errors = new ArrayList<>();

        List<RawEvent> out = RawEventDecoder.decodeBatch(batch(unknown, shortExec, oversized, good), errors::add);

        assertEquals(1, out.size());
        assertEquals(RawEventType.EXIT, out.get(0).type());
        assertEquals(List.of("unknown raw event type 99",
                "EXEC event of " + (cut.capacity() - 2) + " bytes, its sections need " + cut.capacity(),
                "a section of 4000 bytes, at most 512 are sent"), errors);
    }

    @Test
    void shortEventIsRejected() {
        assertThrows(IllegalArgumentException.class,
                () -> RawEventDecoder.decode(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())));
    }
}
