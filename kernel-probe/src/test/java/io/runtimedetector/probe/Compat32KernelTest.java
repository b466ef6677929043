package io.runtimedetector.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 32-bit process (ia32 on x86-64, AArch32 on arm64) calls through the compat syscall
 * table, whose numbers mean other calls in the 64-bit one: its opens are decoded from
 * the compat table and its arguments' registers, and its fork (ia32's number 2, x86-64's
 * open) is no open. The program is rd_compat32.c, with no C library in between.
 */
class Compat32KernelTest {

    @BeforeEach
    void kernel() {
        KernelTestSupport.requireKernel();
    }

    @Test
    void opensOfA32BitProcessAreReportedAndItsForkIsNoOpen(@TempDir Path dir) throws Exception {
        Path byOpen = Files.writeString(dir.resolve("by-open.conf"), "x");
        Path byOpenat = Files.writeString(dir.resolve("by-openat.conf"), "x");
        Path decoy = Files.writeString(dir.resolve("decoy.conf"), "x");
        Path program = TestProcesses.compat32();
        ProbeConfig config = ProbeConfig.builder().envPrefix("RDKT_").pollInterval(Duration.ofMillis(20))
                .watchedFiles(List.of(byOpen, byOpenat, decoy)).build();
        try (ProbeHarness h = new ProbeHarness(config)) {
            Process p = TestProcesses.start(Map.of("RDKT_ID", "32"), program.toString(),
                    byOpen.toString(), byOpenat.toString(), decoy.toString());
            assertEquals(0, TestProcesses.waitFor(p), "rd_compat32's exit status (10 + the step that failed)");
            int pid = (int) p.pid();

            h.await(RawEventType.EXEC, pid);
            RawEvent fork = h.await(e -> e.type() == RawEventType.FORK && e.ppid() == pid,
                    KernelTestSupport.patience(Duration.ofSeconds(10)));
            h.await(RawEventType.EXIT, fork.pid());
            // The parent's EXIT comes last: everything about both processes is here by then.
            h.await(RawEventType.EXIT, pid);

            List<RawEvent> opens = new ArrayList<>();
            for (int of : new int[] {pid, fork.pid()}) {
                h.eventsOf(of).stream().filter(e -> e.type() == RawEventType.FILE_OPEN).forEach(opens::add);
            }
            assertEquals(List.of(byOpen.toString(), byOpenat.toString()),
                    opens.stream().map(RawEvent::filename).toList(), "the 32-bit opens, and no open by the fork");
            assertEquals(List.of(0, 1), opens.stream().map(RawEvent::watchId).toList());
            assertEquals(List.of(pid, pid), opens.stream().map(RawEvent::pid).toList());
        }
    }
}
