package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A FORK describes the child as it was at the fork: its parent's image, even when the
 * child execs a moment later, or the parent does. With kernel-complete records no
 * /proc is read, and /proc (which would show the later images) is not consulted.
 */
class ForkImageTest extends SyntheticTestBase {

    @Test
    void childThatExecsInTheSameBatchIsForkedWithItsParentsImage() {
        SyntheticDetector d = start(options().reportedEnvKeys(List.of("TEAM")));
        SimProcess parent = SimProcess.of(1600, 3.0);
        SimProcess child = SimProcess.of(1601, 1.0);
        // What /proc would show a moment later: the child already runs curl.
        child.in(procfs).ppid(1600).exe("/usr/bin/curl").cmdline("curl", "x").environ("TEAM=later").create();

        d.send(parent.execComplete("/bin/sh", "/usr/bin/dash", Map.of("TEAM", "core"), "sh", "-c", "curl x"),
                child.forkedBy(parent),
                child.execComplete("/usr/bin/curl", "/usr/bin/curl", Map.of("TEAM", "edge"), "curl", "x"),
                child.exit(), parent.exit());
        ProcessInfo parentImage = null;
        ProcessInfo forked = null;
        ProcessInfo execd = null;
        for (ProcessEvent e : d.next(5)) {
            if (e.type() == EventType.EXEC && e.pid() == 1600) {
                parentImage = e.process();
            } else if (e.type() == EventType.FORK) {
                forked = e.process();
            } else if (e.type() == EventType.EXEC) {
                execd = e.process();
            }
        }
        assertEquals("/usr/bin/dash", forked.exePath());
        assertEquals("/bin/sh", forked.exeLink());
        assertEquals(List.of("sh", "-c", "curl x"), forked.cmdLine());
        assertEquals(Map.of("TEAM", "core"), forked.envs());
        assertEquals(1600, forked.ppid());
        assertEquals(parentImage.exePath(), forked.exePath());
        assertEquals("/usr/bin/curl", execd.exePath());
        assertEquals(List.of("curl", "x"), execd.cmdLine());
        assertEquals(Map.of("TEAM", "edge"), execd.envs());
        assertEquals(0, d.awaitMetrics("both ended", m -> m.liveProcesses() == 0).procReads().incompleteExecs());
    }

    @Test
    void parentThatExecsRightAfterTheForkStillForksItsOldImage() {
        SyntheticDetector d = start(options());
        SimProcess parent = SimProcess.of(1602, 3.0);
        SimProcess child = SimProcess.of(1603, 1.0);

        d.send(parent.execComplete("/bin/sh", "/usr/bin/dash", Map.of(), "sh"), child.forkedBy(parent),
                parent.execComplete("/usr/bin/make", "/usr/bin/make", Map.of(), "make"));
        List<ProcessEvent> three = d.next(3);
        ProcessInfo forked = three.stream().filter(e -> e.type() == EventType.FORK).findFirst().orElseThrow().process();
        assertEquals("/usr/bin/dash", forked.exePath());
        assertEquals(List.of("sh"), forked.cmdLine());
    }

    @Test
    void childOfAParentWaitingForAProcFallbackWaitsForItsVerdict() {
        // The parent's exe path is incomplete: it is read from /proc, and the child's FORK
        // follows once the parent knows its image.
        SyntheticDetector d = start(options().minDuration(Duration.ZERO));
        SimProcess parent = SimProcess.of(1604, 3.0);
        SimProcess child = SimProcess.of(1605, 1.0);
        parent.in(procfs).exe("/usr/bin/bash").cmdline("bash").create();

        d.send(parent.exec("/bin/bash", "bash"), child.forkedBy(parent), child.exit());
        d.next(EventType.EXEC, 1604);
        ProcessEvent fork = d.next(EventType.FORK, 1605);
        assertEquals("/usr/bin/bash", fork.process().exePath());
        assertEquals(fork.process(), d.next(EventType.EXIT, 1605).process());
    }
}
