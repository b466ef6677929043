package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.RawEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Excluded executables: matched on the path given to exec and on the resolved exe link,
 * so that a script run by an excluded interpreter is excluded too. Nothing of an
 * excluded process reaches a consumer, its EXIT included.
 */
class ExclusionTest extends SyntheticTestBase {

    private static final String PYTHON = "/usr/bin/python3";
    private static final Duration QUIET = Duration.ofMillis(300);

    private static DetectorOptions.Builder excludingPython() {
        return options().excludedExecutables(List.of(Path.of(PYTHON)))
                .watchedFiles(List.of(Path.of("/etc/app.conf")));
    }

    @Test
    void probeIsConfiguredWithTheExclusionsAndPause() {
        SyntheticDetector d = start(excludingPython());
        assertEquals(List.of(DetectorOptions.ALWAYS_EXCLUDED, Path.of(PYTHON)), d.probe.config().excludedExecutables());
    }

    @Test
    void execTheKernelFlaggedExcludedIsDroppedAndUntracked() {
        SyntheticDetector d = start(excludingPython());
        SimProcess p = SimProcess.of(600, 1.0);
        p.in(procfs).exe(PYTHON).create();

        d.send(p.exec(RawEvent.FLAG_EXCLUDED, PYTHON, "python3"), p.exit());
        d.expectNothing(QUIET);
        assertExcludedAndUntracked(d, 600);
    }

    @Test
    void execPathIsMatchedWithoutTheKernelFlag() {
        SyntheticDetector d = start(excludingPython());
        SimProcess p = SimProcess.of(601, 1.0);
        p.in(procfs).exe(PYTHON).create();

        d.send(p.exec(PYTHON, "python3", "-c", "pass"), p.exit());
        d.expectNothing(QUIET);
        assertExcludedAndUntracked(d, 601);
    }

    @Test
    void scriptRunByAnExcludedInterpreterIsExcludedWithItsExit() {
        SyntheticDetector d = start(excludingPython());
        SimProcess p = SimProcess.of(602, 1.0);
        // The kernel saw the script's path; only the exe link names the interpreter.
        p.in(procfs).exe(PYTHON).cmdline(PYTHON, "/opt/app/job.py").create();

        d.send(p.exec("/opt/app/job.py", "/opt/app/job.py"), p.fileOpen("/etc/app.conf", 0), p.exit());
        d.expectNothing(QUIET);
        assertExcludedAndUntracked(d, 602);
    }

    @Test
    void interpreterReplacedWhileRunningIsStillExcluded() {
        SyntheticDetector d = start(excludingPython());
        SimProcess p = SimProcess.of(603, 1.0);
        p.in(procfs).exe(PYTHON + " (deleted)").create();

        d.send(p.exec("/opt/app/job.py", "/opt/app/job.py"), p.exit());
        d.expectNothing(QUIET);
        assertExcludedAndUntracked(d, 603);
    }

    @Test
    void childForkedByAnExcludedScriptIsNotFollowed() {
        SyntheticDetector d = start(excludingPython());
        SimProcess script = SimProcess.of(604, 2.0);
        SimProcess child = SimProcess.of(605, 1.0);
        script.in(procfs).exe(PYTHON).create();
        child.in(procfs).ppid(604).exe(PYTHON).create();

        d.send(script.exec("/opt/app/job.py", "/opt/app/job.py"), child.forkedBy(script),
                child.fileOpen("/etc/app.conf", 0), child.exit(), script.exit());
        d.expectNothing(QUIET);
        d.awaitUntracked(604);
        d.awaitUntracked(605);
        d.awaitMetrics("nothing live", m -> m.liveProcesses() == 0);
        assertEquals(0, d.metrics().emitted().values().stream().mapToLong(Long::longValue).sum());
    }

    @Test
    void pauseIsAlwaysExcluded() {
        SyntheticDetector d = start(options());
        SimProcess p = SimProcess.of(606, 1.0);
        p.in(procfs).exe("/pause").create();

        d.send(p.exec("/pause", "/pause"), p.exit());
        d.expectNothing(QUIET);
        assertExcludedAndUntracked(d, 606);
    }

    @Test
    void reportedProcessExecingAnExcludedInterpreterReportsNothingOfThatImage() {
        SyntheticDetector d = start(excludingPython());
        SimProcess p = SimProcess.of(607, 1.0);
        p.in(procfs).exe("/usr/bin/bash").cmdline("bash", "run.sh").create();
        d.send(p.exec("/bin/bash", "bash", "run.sh"));
        ProcessEvent exec = d.next(EventType.EXEC, 607);

        p.in(procfs).exe(PYTHON).cmdline("python3", "job.py").create();
        d.send(p.exec(PYTHON, "python3", "job.py"), p.fileOpen("/etc/app.conf", 0), p.exit());
        // The EXIT that the reported EXEC promised still comes, describing what was reported.
        ProcessEvent exit = d.next(EventType.EXIT, 607);
        assertEquals(exec.process(), exit.process());
        d.expectNothing(QUIET);
    }

    private static void assertExcludedAndUntracked(SyntheticDetector d, int pid) {
        DetectorMetrics m = d.awaitMetrics("the exclusion", x -> x.filtered(FilterReason.EXCLUDED_EXE) == 1
                && x.liveProcesses() == 0);
        assertEquals(0, m.emitted(EventType.EXEC));
        assertEquals(0, m.emitted(EventType.EXIT));
        d.awaitUntracked(pid);
    }
}
