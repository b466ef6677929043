package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refusals of kernels the probe cannot run on, with stand-ins for BTF and the release. */
class KernelSupportTest {

    @TempDir
    Path dir;

    private Path btf;

    @BeforeEach
    void btf() throws IOException {
        btf = Files.writeString(dir.resolve("vmlinux"), "stands in for BTF");
    }

    @AfterEach
    void clearProperties() {
        System.clearProperty(KernelSupport.BTF_PROPERTY);
        System.clearProperty(KernelSupport.RELEASE_PROPERTY);
    }

    @Test
    void releasesParse() {
        assertArrayEquals(new int[] {5, 10}, KernelSupport.version("5.10.0-43-cloud-amd64").orElseThrow());
        assertArrayEquals(new int[] {6, 12}, KernelSupport.version("6.12.95+deb12-cloud-amd64").orElseThrow());
        assertArrayEquals(new int[] {4, 19}, KernelSupport.version("4.19.0").orElseThrow());
        assertEquals(Optional.empty(), KernelSupport.version("unknown"));
        assertEquals(Optional.empty(), KernelSupport.version(""));
    }

    @Test
    void theMinimumAndNewerAreAccepted() {
        for (String release : new String[] {"5.8.0", "5.10.0-43-cloud-amd64", "5.15.0-1", "6.1.0-50-cloud-amd64",
                "6.18.0", "10.0.0"}) {
            assertDoesNotThrow(() -> KernelSupport.check(btf, release), release);
        }
    }

    @Test
    void anOlderKernelGetsOneSentenceNamingTheMinimumAndItsVersion() {
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> KernelSupport.check(btf, "5.4.0-150-generic"));
        String m = e.getMessage();
        assertTrue(m.contains("5.8") && m.contains("5.4.0-150-generic"), m);
        assertFalse(m.contains("\n"), m);
        // 5.7 lacks the ring buffer even with BTF present; the version decides before BTF.
        Path missing = dir.resolve("missing");
        m = assertThrows(UnsupportedKernelException.class, () -> KernelSupport.check(missing, "5.7.19")).getMessage();
        assertTrue(m.contains("5.8") && m.contains("5.7.19"), m);
    }

    @Test
    void aKernelWithoutBtfGetsOneSentenceNamingTheOptionAndTheFile() {
        Path missing = dir.resolve("missing");
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> KernelSupport.check(missing, "6.1.0"));
        String m = e.getMessage();
        assertTrue(m.contains("CONFIG_DEBUG_INFO_BTF") && m.contains("/sys/kernel/btf/vmlinux"), m);
        assertTrue(m.contains(missing.toString()), m);
        assertFalse(m.contains("\n"), m);
    }

    @Test
    void anUnreadableReleaseIsLeftToTheKernel() {
        assertDoesNotThrow(() -> KernelSupport.check(btf, "not-a-version"));
    }

    @Test
    void openRefusesBeforeLoadingAnything() {
        // Neither root nor the native library is needed to get this far: the check comes first.
        System.setProperty(KernelSupport.BTF_PROPERTY, dir.resolve("missing").toString());
        UnsupportedKernelException e = assertThrows(UnsupportedKernelException.class,
                () -> KernelProbe.open(ProbeConfig.builder().build()));
        assertTrue(e.getMessage().contains("CONFIG_DEBUG_INFO_BTF"), e.getMessage());

        System.clearProperty(KernelSupport.BTF_PROPERTY);
        System.setProperty(KernelSupport.RELEASE_PROPERTY, "4.19.0-27-amd64");
        e = assertThrows(UnsupportedKernelException.class, () -> KernelProbe.open(ProbeConfig.builder().build()));
        assertTrue(e.getMessage().contains("4.19.0-27-amd64"), e.getMessage());
    }

    @Test
    void theRunningKernelIsReadWhenNothingIsForced() {
        String release = KernelSupport.release();
        assertTrue(KernelSupport.version(release).isPresent(), release);
    }
}
