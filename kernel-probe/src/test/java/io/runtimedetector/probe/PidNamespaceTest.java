package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which PID namespace a procfs stands for: the one whose pids the kernel must report.
 * A fake procfs stands in, with plain files as namespace links (only inodes matter).
 */
class PidNamespaceTest {

    @TempDir
    Path proc;

    private Path process(int pid, String nsPid) throws IOException {
        Path dir = Files.createDirectories(proc.resolve(Integer.toString(pid)).resolve("ns"));
        Files.writeString(dir.resolve("pid"), "ns of " + pid);
        Files.writeString(dir.getParent().resolve("status"), "Name:\tx\nNSpid:\t" + nsPid + "\n");
        return dir.resolve("pid");
    }

    private static long inode(Path p) throws IOException {
        return ((Number) Files.getAttribute(p, "unix:ino")).longValue();
    }

    @Test
    void initOfTheProcfsNamespaceDecides() throws IOException {
        Path init = process(1, "1");
        process(40, "40\t1");
        assertEquals(inode(init), KernelProbe.pidNamespaceInode(proc));
    }

    @Test
    void withInitUnreadableAProcessAtTheTopOfTheNamespaceDecidesNeverANestedOne() throws IOException {
        // A container's process (two NSpid entries) lives in a namespace below the procfs' one.
        Path nested = process(40, "40\t1");
        Path top = process(41, "41");
        long found = KernelProbe.pidNamespaceInode(proc);
        assertEquals(inode(top), found);
        assertTrue(found != inode(nested));
    }

    @Test
    void noWitnessIsAClearError() throws IOException {
        process(40, "40\t1");
        ProbeException e = assertThrows(ProbeException.class, () -> KernelProbe.pidNamespaceInode(proc));
        assertTrue(e.getMessage().contains("cannot determine the PID namespace of " + proc), e.getMessage());
    }
}
