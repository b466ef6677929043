package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeConfigTest {

    private static String rejected(Runnable build) {
        return assertThrows(IllegalArgumentException.class, build::run).getMessage();
    }

    @Test
    void defaultsAreUsable() {
        ProbeConfig c = ProbeConfig.builder().build();
        assertEquals("", c.envPrefix());
        assertEquals(131_072, c.trackedCapacity());
        assertEquals(16 << 20, c.ringBufferBytes());
        assertEquals(Path.of("/proc"), c.procPath());
    }

    @Test
    void prefixTooLongOrWithEqualsIsRefusedByName() {
        assertTrue(rejected(() -> ProbeConfig.builder().envPrefix("A".repeat(64)).build())
                .startsWith("envPrefix: '" + "A".repeat(64) + "' is 64 bytes long"));
        ProbeConfig.builder().envPrefix("A".repeat(63)).build();
        assertTrue(rejected(() -> ProbeConfig.builder().envPrefix("A=B").build()).startsWith("envPrefix:"));
    }

    @Test
    void pathsMustBeAbsoluteShortAndFew() {
        assertEquals("excludedExecutables: 'bin/sh' is a relative path; give an absolute one",
                rejected(() -> ProbeConfig.builder().excludedExecutables(List.of(Path.of("bin/sh"))).build()));
        assertTrue(rejected(() -> ProbeConfig.builder()
                .watchedFiles(List.of(Path.of("/" + "x".repeat(255)))).build()).startsWith("watchedFiles:"));
        assertEquals("excludedExecutables: given for 33 paths; at most 32 are supported",
                rejected(() -> ProbeConfig.builder()
                        .excludedExecutables(Collections.nCopies(33, Path.of("/bin/true"))).build()));
        assertEquals("watchedFiles: given for 65 paths; at most 64 are supported",
                rejected(() -> ProbeConfig.builder()
                        .watchedFiles(Collections.nCopies(65, Path.of("/etc/hosts"))).build()));
    }

    @Test
    void sizesAreChecked() {
        assertTrue(rejected(() -> ProbeConfig.builder().ringBufferBytes(3 << 20).build())
                .startsWith("ringBufferBytes:"));
        assertTrue(rejected(() -> ProbeConfig.builder().trackedCapacity(0).build()).startsWith("trackedCapacity:"));
        assertTrue(rejected(() -> ProbeConfig.builder().wakeupBytes(16 << 20).build()).startsWith("wakeupBytes:"));
        assertTrue(rejected(() -> ProbeConfig.builder().pollInterval(Duration.ZERO).build())
                .startsWith("pollInterval:"));
    }

    @Test
    void pinnedModeIsOffByDefaultAndNeedsTheAdaptiveWakeup() {
        ProbeConfig plain = ProbeConfig.builder().build();
        assertTrue(plain.pinDir().isEmpty());
        assertEquals(0, plain.heartbeatTimeoutNanos(), "no heartbeat check without pins");
        ProbeConfig pinned = ProbeConfig.builder().pinDir(Path.of("/sys/fs/bpf/rd")).build();
        assertEquals(Duration.ofMinutes(10), pinned.readerTimeout());
        assertEquals(Duration.ofMinutes(10).toNanos(), pinned.heartbeatTimeoutNanos());
        assertEquals("wakeupBytes: pinned mode needs the adaptive wake-up (wakeupBytes > 0), because the reader"
                + " commits records only once the sinks have them and the kernel's own rule would then stop waking it",
                rejected(() -> ProbeConfig.builder().pinDir(Path.of("/sys/fs/bpf/rd")).wakeupBytes(0).build()));
        assertEquals("pinDir: sys/fs/bpf is not an absolute path",
                rejected(() -> ProbeConfig.builder().pinDir(Path.of("sys/fs/bpf")).build()));
    }

    @Test
    void theReaderTimeoutIsZeroOrClearlyLongerThanAPollRound() {
        ProbeConfig.builder().pinDir(Path.of("/sys/fs/bpf/rd")).readerTimeout(Duration.ZERO).build();
        ProbeConfig.builder().pinDir(Path.of("/sys/fs/bpf/rd")).readerTimeout(Duration.ofSeconds(1)).build();
        assertEquals("readerTimeout: must be 0 (never idle) or at least 1 s and more than twice pollInterval (PT0.1S),"
                + " at most 365 days, was PT0.5S", rejected(() -> ProbeConfig.builder().readerTimeout(Duration.ofMillis(500)).build()));
        assertTrue(rejected(() -> ProbeConfig.builder().readerTimeout(Duration.ofSeconds(-1)).build())
                .startsWith("readerTimeout:"));
        ProbeConfig.builder().readerTimeout(ProbeConfig.MAX_READER_TIMEOUT).build();
        assertTrue(rejected(() -> ProbeConfig.builder().readerTimeout(Duration.ofDays(366)).build())
                .startsWith("readerTimeout:"));
        assertTrue(rejected(() -> ProbeConfig.builder().pollInterval(Duration.ofSeconds(1))
                .readerTimeout(Duration.ofSeconds(2)).build()).startsWith("readerTimeout:"));
    }

    @Test
    void theConfigurationOfBeforePinnedModeStillBuilds() {
        ProbeConfig c = ProbeConfig.builder().build();
        ProbeConfig old = new ProbeConfig(c.envPrefix(), c.excludedExecutables(), c.watchedFiles(),
                c.trackedCapacity(), c.ringBufferBytes(), c.wakeupBytes(), c.pollInterval(), c.drainInterval(),
                c.batchBytes(), c.envScanMaxSteps(), c.reportedEnvKeys(), c.queueEvents(), c.bpfVariant(), c.procPath());
        assertEquals(c, old);
    }
}
