package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

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
    void noWitnessFallsBackToTheHostNamespaceWithOneWarning() throws IOException {
        process(40, "40\t1");
        Logger logger = (Logger) LoggerFactory.getLogger(KernelProbe.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            assertEquals(HostPidNamespace.INODE, KernelProbe.pidNamespaceInode(proc));
        } finally {
            logger.detachAppender(logged);
        }
        List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
        assertEquals(1, warnings.size(), warnings.toString());
        String message = warnings.get(0).getFormattedMessage();
        assertTrue(message.contains(proc.toString()) && message.contains("host's PID namespace"), message);
    }

    @Test
    void theFallbackIsTheInodeOfTheInitialNamespace() throws IOException {
        // A JVM on the host (one NSpid entry) is in the initial namespace; its own link shows the inode.
        Assumptions.assumeTrue(isInitialNamespace(), "this JVM runs in a nested PID namespace");
        assertEquals(HostPidNamespace.INODE, inode(Path.of("/proc/self/ns/pid")));
    }

    private static boolean isInitialNamespace() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("NSpid:")) {
                return line.substring(6).trim().split("\\s+").length == 1;
            }
        }
        return false;
    }
}
