package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ExitInfo;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;
import io.runtimedetector.probe.RawEventType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An EXIT tells how the process ended and describes what it ran, from the details read
 * at its EXEC: by exit time /proc has nothing left to read.
 */
class ExitCorrelationTest extends SyntheticTestBase {

    @Test
    void execCarriesProcDetailsAndExitCarriesCodeLifetimeAndTheSameDetails() {
        SyntheticDetector d = start(options().reportedEnvKeys(List.of("APP_ENV")));
        SimProcess p = SimProcess.of(200, 2.0);
        p.in(procfs).ppid(42).uid(1001).nsPid(7).exe("/usr/bin/python3.11").cmdline("python3", "app.py")
                .environ("PATH=/usr/bin", "APP_ENV=prod", "SECRET=x").create();

        // ppid, uid, container pid and argv as the kernel captured them at exec; exe and envs from /proc.
        d.send(new RawEvent(RawEventType.EXEC, 0, 0, p.startBootTimeNs(), 200, 200, 42, 7, 1001, 0, 0, "python3",
                "/usr/bin/python3", List.of("python3", "app.py"), "", Map.of(), 0));
        ProcessEvent exec = d.next(EventType.EXEC, 200);
        ProcessInfo info = exec.process();
        assertEquals(p.startBootTimeNs(), exec.startBootTimeNs());
        assertEquals(42, info.ppid());
        assertEquals(1001, info.uid());
        assertEquals(7, info.containerPid());
        assertEquals("/usr/bin/python3.11", info.exePath());
        assertEquals("/usr/bin/python3", info.exeLink());
        assertEquals(List.of("python3", "app.py"), info.cmdLine());
        assertEquals(Map.of("APP_ENV", "prod"), info.envs(), "only the requested variables");

        procfs.remove(200); // gone, as at a real exit
        d.send(p.exit(3 << 8));
        ProcessEvent exit = d.next(EventType.EXIT, 200);
        assertEquals(info, exit.process(), "the EXIT describes what the EXEC reported");
        assertEquals(3, exit.exit().exitCode());
        assertEquals(0, exit.exit().signal());
        // Started 2 s before the fake boot clock's "now"; the upper bound only catches nonsense.
        Duration lifetime = exit.exit().lifetime();
        assertTrue(lifetime.compareTo(Duration.ofMillis(1_990)) >= 0 && lifetime.compareTo(Duration.ofMinutes(1)) < 0,
                "lifetime " + lifetime);
        assertTrue(!exit.time().isBefore(exec.time()), "EXIT after EXEC");
    }

    @Test
    void exitBySignalReportsTheSignalAndNoCode() {
        SyntheticDetector d = start(options());
        SimProcess killed = SimProcess.of(201, 1.0);
        SimProcess dumped = SimProcess.of(202, 1.0);
        killed.in(procfs).create();
        dumped.in(procfs).create();
        d.send(killed.exec("/usr/bin/sleep", "sleep", "60"));
        d.next(EventType.EXEC, 201);
        d.send(dumped.exec("/usr/bin/crash", "crash"));
        d.next(EventType.EXEC, 202);

        d.send(killed.exit(9));
        ExitInfo kill = d.next(EventType.EXIT, 201).exit();
        assertEquals(-1, kill.exitCode());
        assertEquals(9, kill.signal());
        d.send(dumped.exit(0x80 | 11)); // SIGSEGV with a core dump
        ExitInfo segv = d.next(EventType.EXIT, 202).exit();
        assertEquals(-1, segv.exitCode());
        assertEquals(11, segv.signal());
    }

    @Test
    void execOfANewImageByTheSameProcessIsReportedAndItEndsWithOneExit() {
        SyntheticDetector d = start(options());
        SimProcess p = SimProcess.of(203, 1.0);
        p.in(procfs).exe("/usr/bin/bash").cmdline("sh", "-c", "exec python3 job.py").create();
        d.send(p.exec("/bin/sh", "sh", "-c", "exec python3 job.py"));
        assertEquals(List.of("sh", "-c", "exec python3 job.py"), d.next(EventType.EXEC, 203).process().cmdLine());

        // Same pid and start: an exec replacing the image, possibly by a non-leader thread.
        p.in(procfs).exe("/usr/bin/python3.11").cmdline("python3", "job.py").create();
        d.send(p.exec("/usr/bin/python3", "python3", "job.py"));
        ProcessInfo second = d.next(EventType.EXEC, 203).process();
        assertEquals(List.of("python3", "job.py"), second.cmdLine());
        assertEquals("/usr/bin/python3", second.exeLink());

        d.send(p.exit());
        assertEquals(second, d.next(EventType.EXIT, 203).process(), "the EXIT describes the newest image");
        d.expectNothing(Duration.ofMillis(200));
        d.awaitMetrics("one process, ended", m -> m.liveProcesses() == 0 && m.emitted(EventType.EXIT) == 1);
    }
}
