package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.RawEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Processes already running at start are found in /proc: those passing the filters get
 * an EXEC once they have lived the minimum duration, and their EXIT later.
 */
class ProcScanTest extends SyntheticTestBase {

    private static final Duration QUIET = Duration.ofMillis(300);

    private static DetectorOptions.Builder filtering(Duration minDuration) {
        return options().envPrefix("MYAPP_").minDuration(minDuration);
    }

    @Test
    void runningProcessPassingTheFiltersGetsExecAndLaterExit() {
        SimProcess p = SimProcess.of(1000, 10.0);
        p.in(procfs).ppid(1).exe("/usr/bin/java").cmdline("java", "-jar", "app.jar").environ("MYAPP_ID=1").create();
        Instant before = Instant.now();
        SyntheticDetector d = start(filtering(Duration.ofMillis(300)));

        // It has lived 10 s already: reported at once, timed when it was found.
        ProcessEvent exec = d.next(EventType.EXEC, 1000);
        assertEquals(List.of("java", "-jar", "app.jar"), exec.process().cmdLine());
        assertEquals("/usr/bin/java", exec.process().exePath());
        assertFalse(exec.time().isBefore(before.minusSeconds(1)), "found now, not at its start");
        assertTrue(d.probe.tracked().containsKey(1000), "the kernel should follow it");

        d.send(p.exit());
        ProcessEvent exit = d.next(EventType.EXIT, 1000);
        assertTrue(exit.exit().lifetime().compareTo(Duration.ofMillis(9_990)) >= 0, "lifetime " + exit.exit().lifetime());
    }

    @Test
    void youngRunningProcessWaitsForTheMinimumDuration() {
        SimProcess p = SimProcess.of(1001, 0.0); // started just as the detector did
        p.in(procfs).environ("MYAPP_ID=1").create();
        SyntheticDetector d = start(filtering(Duration.ofSeconds(1)));

        d.expectNothing(QUIET);
        d.next(EventType.EXEC, 1001);
        d.send(p.exit());
        d.next(EventType.EXIT, 1001);
    }

    @Test
    void execTheKernelSawBeforeTheScanReplacesTheScansExec() {
        // Exec'd just as the probe attached: the kernel's EXEC (with the exec'd path) is
        // handled after the scan found the process, and must not make a second EXEC.
        long ktimeBeforeScan = System.nanoTime(); // CLOCK_MONOTONIC, the kernel's event clock
        SimProcess p = SimProcess.of(1004, 0.0);
        p.in(procfs).exe("/usr/bin/python3.11").cmdline("python3", "app.py").environ("MYAPP_ID=1").create();
        SyntheticDetector d = start(filtering(Duration.ofSeconds(2)));

        RawEvent exec = p.exec(RawEvent.FLAG_ENV_MATCH, "/usr/bin/python3", "python3", "app.py");
        d.send(new RawEvent(exec.type(), exec.flags(), ktimeBeforeScan, exec.startBootTimeNs(), exec.pid(),
                exec.tid(), exec.ppid(), exec.nsPid(), exec.uid(), 0, 0, exec.comm(), exec.filename(), exec.args(),
                exec.exePath(), exec.envs(), exec.cgroupId()));
        ProcessEvent only = d.next(EventType.EXEC, 1004);
        assertEquals("/usr/bin/python3", only.process().exeLink(), "the kernel's EXEC, not the scan's");
        d.expectNothing(QUIET);
        d.send(p.exit());
        d.next(EventType.EXIT, 1004);
    }

    @Test
    void runningProcessWithoutThePrefixGivesNothing() {
        SimProcess p = SimProcess.of(1002, 10.0);
        p.in(procfs).environ("PATH=/usr/bin").create();
        SyntheticDetector d = start(filtering(Duration.ZERO));

        assertEquals(1, d.metrics().filtered(FilterReason.ENV_PREFIX));
        assertFalse(d.probe.tracked().containsKey(1002));
        d.send(p.exit());
        d.expectNothing(QUIET);
    }

    @Test
    void excludedRunningProcessAndKernelThreadsGiveNothing() {
        SimProcess pause = SimProcess.of(1003, 10.0);
        SimProcess kthread = SimProcess.of(2, 100.0);
        pause.in(procfs).exe("/pause").environ("MYAPP_ID=1").create();
        kthread.in(procfs).comm("kthreadd").exe(null).cmdline().environ().create();
        SyntheticDetector d = start(filtering(Duration.ZERO));

        d.expectNothing(QUIET);
        DetectorMetrics m = d.metrics();
        assertEquals(1, m.filtered(FilterReason.EXCLUDED_EXE));
        assertEquals(0, m.filtered(FilterReason.ENV_PREFIX), "a kernel thread is skipped, not judged");
        assertEquals(0, m.liveProcesses());
    }

    @Test
    void scanFindsEveryPassingProcess() {
        for (int pid = 1010; pid < 1020; pid++) {
            SimProcess.of(pid, 10.0).in(procfs).environ(pid % 2 == 0 ? "MYAPP_ID=1" : "OTHER=1").create();
        }
        SyntheticDetector d = start(filtering(Duration.ZERO));

        List<ProcessEvent> execs = d.next(5);
        assertEquals(List.of(1010, 1012, 1014, 1016, 1018), execs.stream().map(ProcessEvent::pid).sorted().toList());
        d.expectNothing(QUIET);
        assertEquals(5, d.metrics().filtered(FilterReason.ENV_PREFIX));
    }
}
