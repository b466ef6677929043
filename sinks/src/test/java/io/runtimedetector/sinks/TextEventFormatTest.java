package io.runtimedetector.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextEventFormatTest {

    private static final String COMMON = "pid=42 ppid=1 uid=1000 exe=/usr/bin/python3.11 link=/usr/bin/python3"
            + " cmd=\"python3 app.py --name a \\\"quoted\\\" arg\" envs={RD_ENV=prod, RD_ID=7} container_pid=7";

    private final TextEventFormat format = new TextEventFormat();

    @Test
    void eachType() {
        assertEquals("EXEC " + COMMON, format.format(TestEvents.exec(42)));
        assertEquals("FORK " + COMMON, format.format(TestEvents.fork(42)));
        assertEquals("FILE_OPEN " + COMMON + " file=/etc/shadow", format.format(TestEvents.fileOpen(42)));
        assertEquals("EXIT " + COMMON + " exit_code=3 signal=0 lifetime=1234ms", format.format(TestEvents.exit(42)));
    }

    @Test
    void containerWithOnlyWhatIsKnown() {
        assertEquals("EXEC " + COMMON + " container={id=" + TestEvents.CONTAINER_ID + ", runtime=containerd, pod_uid="
                + TestEvents.POD_UID + ", namespace=shop, pod=cart-7d9f, name=app}",
                format.format(TestEvents.execInPod(42)));
        assertEquals("EXIT " + COMMON + " container={id=" + TestEvents.CONTAINER_ID + ", runtime=podman}"
                + " exit_code=3 signal=0 lifetime=1234ms", format.format(TestEvents.exitInPodman(42)));
    }

    @Test
    void sameLinkAndNoEnvsAreLeftOut() {
        ProcessInfo sh = new ProcessInfo(1, 0, 1, 0, "/bin/sh", "/bin/sh", List.of("sh", "-c", "true"), Map.of(), Instant.EPOCH);
        ProcessEvent event = new ProcessEvent(EventType.EXEC, 5, 0, Instant.EPOCH, sh, null, null);
        assertEquals("EXEC pid=5 ppid=1 uid=0 exe=/bin/sh cmd=\"sh -c true\" container_pid=1", format.format(event));
    }

    @Test
    void anExitWithoutAnImageSaysSo() {
        ProcessEvent event = new ProcessEvent(EventType.EXIT, 6001, 1, Instant.EPOCH, ProcessInfo.unknownImage(Instant.EPOCH),
                null, new io.runtimedetector.event.ExitInfo(-1, 9, java.time.Duration.ofMillis(5)));
        assertEquals("EXIT pid=6001 ppid=0 uid=-1 exe= cmd=\"\" container_pid=0 exit_code=-1 signal=9 lifetime=5ms"
                + " image=unknown", format.format(event));
    }

    @Test
    void escapesWhatWouldBreakTheLine() {
        assertEquals("a\\nb\\tc\\\\d\\x01", TextEventFormat.escape("a\nb\tc\\d\u0001"));
        assertEquals("plain", TextEventFormat.escape("plain"));
    }
}
