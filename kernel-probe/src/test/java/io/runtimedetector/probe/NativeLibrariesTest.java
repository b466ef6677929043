package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The jar carries one JNI library per machine, each an ELF shared object for that machine
 * and each embedding the eBPF objects built for its kernel architecture (sys_exit reads
 * arch-specific registers: {@code orig_ax} on x86-64, {@code syscallno} on arm64).
 */
class NativeLibrariesTest {

    private static final short ET_DYN = 3;

    /** Platform directory, ELF e_machine, a register field only that architecture's object reads. */
    private record Expected(String platform, short machine, String ownRegister, String otherRegister) {
    }

    private static final Map<String, Expected> EXPECTED = Map.of(
            "x86_64", new Expected("linux-x86_64", (short) 62, "orig_ax", "syscallno"),
            "aarch64", new Expected("linux-aarch64", (short) 183, "syscallno", "orig_ax"));

    @Test
    void bothMachinesAreBundled() throws IOException {
        for (Expected e : EXPECTED.values()) {
            byte[] lib = read("/native/" + e.platform() + "/" + NativeLibrary.LIBRARY);
            ByteBuffer elf = ByteBuffer.wrap(lib).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0x464c457f, elf.getInt(0), e.platform() + ": not an ELF file");
            assertEquals(2, elf.get(4), e.platform() + ": not ELFCLASS64");
            assertEquals(1, elf.get(5), e.platform() + ": not little-endian");
            assertEquals(ET_DYN, elf.getShort(16), e.platform() + ": not a shared object");
            assertEquals(e.machine(), elf.getShort(18), e.platform() + ": built for another machine");
            String text = new String(lib, StandardCharsets.ISO_8859_1);
            assertTrue(text.contains(e.ownRegister()),
                    e.platform() + ": the embedded eBPF object does not read " + e.ownRegister());
            assertTrue(!text.contains(e.otherRegister()),
                    e.platform() + ": the embedded eBPF object reads " + e.otherRegister() + ", another architecture's register");
        }
    }

    @Test
    void theJvmsArchitectureNamesTheDirectory() {
        String machine = NativeLibrary.platform().substring("linux-".length());
        assertNotNull(EXPECTED.get(machine), "no bundled library for this JVM's os.arch: " + machine);
    }

    private static byte[] read(String resource) throws IOException {
        try (InputStream in = NativeLibrariesTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource + " is not in the build");
            return in.readAllBytes();
        }
    }
}
