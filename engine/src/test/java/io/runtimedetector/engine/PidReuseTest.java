package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A pid names a process only together with its start time: events of two processes
 * that held the same pid one after the other are never mixed up.
 */
class PidReuseTest extends SyntheticTestBase {

    private static final int PID = 300;

    @Test
    void reusedPidAfterAnExitIsAProcessOfItsOwn() {
        SyntheticDetector d = start(options());
        SimProcess first = SimProcess.of(PID, 5.0);
        SimProcess second = SimProcess.of(PID, 1.0);

        first.in(procfs).cmdline("first").create();
        d.send(first.exec("/usr/bin/first", "first"));
        d.next(EventType.EXEC, PID);
        procfs.remove(PID);
        d.send(first.exit(1 << 8));
        ProcessEvent firstExit = d.next(EventType.EXIT, PID);

        second.in(procfs).cmdline("second").create();
        d.send(second.exec("/usr/bin/second", "second"), second.exit(2 << 8));
        ProcessEvent secondExec = d.next(EventType.EXEC, PID);
        ProcessEvent secondExit = d.next(EventType.EXIT, PID);

        assertEquals(first.startBootTimeNs(), firstExit.startBootTimeNs());
        assertEquals(List.of("first"), firstExit.process().cmdLine());
        assertEquals(1, firstExit.exit().exitCode());
        assertEquals(second.startBootTimeNs(), secondExec.startBootTimeNs());
        assertEquals(List.of("second"), secondExit.process().cmdLine());
        assertEquals(2, secondExit.exit().exitCode());
    }

    @Test
    void lostExitIsCountedAndLateEventsOfTheFormerProcessAreIgnored() {
        SyntheticDetector d = start(options().watchedFiles(List.of(Path.of("/etc/shadow"))));
        SimProcess former = SimProcess.of(PID, 5.0);
        SimProcess current = SimProcess.of(PID, 1.0);

        former.in(procfs).cmdline("former").create();
        d.send(former.exec("/usr/bin/former", "former"));
        d.next(EventType.EXEC, PID);

        // The kernel lost the former's EXIT; the pid now belongs to another process.
        current.in(procfs).cmdline("current").create();
        d.send(current.exec("/usr/bin/current", "current"));
        assertEquals(List.of("current"), d.next(EventType.EXEC, PID).process().cmdLine());

        // Late events carrying the former's start must not be pinned on the current process.
        d.send(former.fileOpen("/etc/shadow", 0), former.exit());
        d.send(current.exit());
        ProcessEvent exit = d.next(EventType.EXIT, PID);
        assertEquals(current.startBootTimeNs(), exit.startBootTimeNs());
        assertEquals(List.of("current"), exit.process().cmdLine());
        d.expectNothing(Duration.ofMillis(200));

        DetectorMetrics m = d.awaitMetrics("one lost exit, two late events", x -> x.liveProcesses() == 0
                && x.lostExits() == 1 && x.filtered(FilterReason.UNKNOWN_PID) == 2);
        assertEquals(2, m.emitted(EventType.EXEC));
        assertEquals(1, m.emitted(EventType.EXIT));
    }

    @Test
    void pendingProcessWhosePidIsReusedIsNeverReported() {
        SyntheticDetector d = start(options().minDuration(Duration.ofMillis(300)));
        SimProcess former = SimProcess.of(PID, 0.5);
        SimProcess current = SimProcess.of(PID, 0.2);

        former.in(procfs).cmdline("former").create();
        d.send(former.exec("/usr/bin/former", "former"));
        current.in(procfs).cmdline("current").create();
        d.send(current.exec("/usr/bin/current", "current"));

        ProcessEvent exec = d.next(EventType.EXEC, PID);
        assertEquals(current.startBootTimeNs(), exec.startBootTimeNs());
        d.expectNothing(Duration.ofMillis(500));
        d.awaitMetrics("the former's lost exit", m -> m.lostExits() == 1 && m.liveProcesses() == 1);
    }

    @Test
    void rawEventsInTheSameClockTickAsAProcStartAreTheSameProcess() {
        // A process found in /proc is keyed at tick precision; the kernel's later events carry nanoseconds.
        SimProcess p = SimProcess.of(PID, 10.0);
        p.in(procfs).environ("APP_MARK=1").create();
        SyntheticDetector d = start(options().envPrefix("APP_"));
        ProcessEvent exec = d.next(EventType.EXEC, PID);
        assertEquals(p.startBootTimeNs() / ProcessKey.NANOS_PER_TICK * ProcessKey.NANOS_PER_TICK,
                exec.startBootTimeNs());

        d.send(p.exit());
        d.next(EventType.EXIT, PID);
    }
}
