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
}
