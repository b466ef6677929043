package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A FORK by a followed process is reported with the child's details, and the child is
 * followed from then on, down any number of generations.
 */
class ForkTest extends SyntheticTestBase {

    @Test
    void forkIsReportedWithTheChildsDetailsAndTheChildIsFollowed() {
        SyntheticDetector d = start(options().watchedFiles(List.of(Path.of("/etc/app.conf"))));
        SimProcess parent = SimProcess.of(700, 3.0);
        SimProcess child = SimProcess.of(701, 1.0);
        parent.in(procfs).exe("/usr/bin/bash").cmdline("bash", "serve.sh").create();
        d.send(parent.exec("/bin/bash", "bash", "serve.sh"));
        d.next(EventType.EXEC, 700);

        child.in(procfs).ppid(700).uid(33).exe("/usr/bin/bash").cmdline("bash", "serve.sh").create();
        d.send(child.forkedBy(parent, 33));
        ProcessEvent fork = d.next(EventType.FORK, 701);
        ProcessInfo info = fork.process();
        assertEquals(child.startBootTimeNs(), fork.startBootTimeNs());
        assertEquals(700, info.ppid());
        assertEquals(33, info.uid());
        assertEquals("/usr/bin/bash", info.exePath());
        assertEquals("/bin/bash", info.exeLink(), "the child runs the image its parent exec'd");

        d.send(child.fileOpen("/etc/app.conf", 0), child.exit(4 << 8));
        assertEquals("/etc/app.conf", d.next(EventType.FILE_OPEN, 701).filePath());
        ProcessEvent exit = d.next(EventType.EXIT, 701);
        assertEquals(info, exit.process());
        assertEquals(4, exit.exit().exitCode());

        d.send(parent.exit());
        d.next(EventType.EXIT, 700);
    }

    @Test
    void childThatExecsAtOnceIsForkedWithItsParentsImageThenExecsItsOwn() {
        // /proc already shows the child's new image: the FORK must not take it from there.
        SyntheticDetector d = start(options());
        SimProcess parent = SimProcess.of(710, 3.0);
        SimProcess child = SimProcess.of(711, 1.0);
        parent.in(procfs).exe("/usr/bin/bash").cmdline("bash", "run.sh").create();
        d.send(parent.exec("/bin/bash", "bash", "run.sh"));
        d.next(EventType.EXEC, 710);

        child.in(procfs).ppid(710).exe("/usr/bin/curl").cmdline("curl", "x").create();
        d.send(child.forkedBy(parent), child.exec("/usr/bin/curl", "curl", "x"));
        ProcessInfo forked = d.next(EventType.FORK, 711).process();
        assertEquals("/usr/bin/bash", forked.exePath());
        assertEquals("/bin/bash", forked.exeLink());
        assertEquals(List.of("bash", "run.sh"), forked.cmdLine());
        ProcessInfo execd = d.next(EventType.EXEC, 711).process();
        assertEquals("/usr/bin/curl", execd.exeLink());
        assertEquals(List.of("curl", "x"), execd.cmdLine());
    }

    @Test
    void childThatExecsReportsItsNewImage() {
        SyntheticDetector d = start(options());
        SimProcess parent = SimProcess.of(702, 3.0);
        SimProcess child = SimProcess.of(703, 1.0);
        parent.in(procfs).exe("/usr/bin/bash").create();
        child.in(procfs).ppid(702).exe("/usr/bin/bash").create();
        d.send(parent.exec("/bin/bash", "bash"));
        d.next(EventType.EXEC, 702);
        d.send(child.forkedBy(parent));
        d.next(EventType.FORK, 703);

        child.in(procfs).ppid(702).exe("/usr/bin/curl").cmdline("curl", "-s", "http://x").create();
        d.send(child.exec("/usr/bin/curl", "curl", "-s", "http://x"), child.exit());
        ProcessInfo image = d.next(EventType.EXEC, 703).process();
        assertEquals(List.of("curl", "-s", "http://x"), image.cmdLine());
        assertEquals(image, d.next(EventType.EXIT, 703).process());
    }

    @Test
    void grandchildrenAreFollowedAndEachProcessKeepsItsOrder() {
        SyntheticDetector d = start(options());
        SimProcess root = SimProcess.of(710, 4.0);
        SimProcess child = SimProcess.of(711, 3.0);
        SimProcess grandchild = SimProcess.of(712, 2.0);
        SimProcess greatGrandchild = SimProcess.of(713, 1.0);
        root.in(procfs).exe("/usr/bin/make").create();
        child.in(procfs).ppid(710).exe("/usr/bin/make").create();
        grandchild.in(procfs).ppid(711).exe("/usr/bin/make").create();
        greatGrandchild.in(procfs).ppid(712).exe("/usr/bin/make").create();

        // All in one go: the actors of the four processes run concurrently.
        d.send(root.exec("/usr/bin/make", "make"), child.forkedBy(root), grandchild.forkedBy(child),
                greatGrandchild.forkedBy(grandchild), greatGrandchild.exit(), grandchild.exit(), child.exit(),
                root.exit());
        Map<Integer, List<EventType>> byPid = new HashMap<>();
        for (ProcessEvent e : d.next(8)) {
            byPid.computeIfAbsent(e.pid(), pid -> new ArrayList<>()).add(e.type());
        }
        assertEquals(List.of(EventType.EXEC, EventType.EXIT), byPid.get(710));
        assertEquals(List.of(EventType.FORK, EventType.EXIT), byPid.get(711));
        assertEquals(List.of(EventType.FORK, EventType.EXIT), byPid.get(712));
        assertEquals(List.of(EventType.FORK, EventType.EXIT), byPid.get(713));
        d.awaitMetrics("all four ended", m -> m.liveProcesses() == 0);
    }

    @Test
    void forkOfAChildWhoseParentAlreadyEndedIsStillFollowed() {
        // A daemonizing parent exits at once; its child lives on and is followed on its own.
        SyntheticDetector d = start(options());
        SimProcess parent = SimProcess.of(720, 3.0);
        SimProcess child = SimProcess.of(721, 1.0);
        parent.in(procfs).create();
        child.in(procfs).ppid(1).create();

        d.send(parent.exec("/usr/sbin/daemon", "daemon"));
        d.next(EventType.EXEC, 720);
        d.send(child.forkedBy(parent), parent.exit());
        List<ProcessEvent> two = d.next(2);
        assertTrue(two.stream().anyMatch(e -> e.type() == EventType.FORK && e.pid() == 721), "got " + two);
        d.send(child.exit());
        d.next(EventType.EXIT, 721);
    }
}
