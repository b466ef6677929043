package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessInfo;
import io.runtimedetector.probe.RawEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An EXEC the kernel recorded in full needs no /proc read; /proc is read only for what
 * the record says it lacks, and each such read is counted under its reason. Here /proc
 * always disagrees with the kernel, so a read that should not happen would show.
 */
class KernelCompleteExecTest extends SyntheticTestBase {

    private static final Duration QUIET = Duration.ofMillis(200);

    private static DetectorOptions.Builder reportingTeam() {
        return options().reportedEnvKeys(List.of("TEAM"));
    }

    /** A /proc entry that contradicts every field the kernel sends. */
    private void procDisagrees(SimProcess p) {
        p.in(procfs).exe("/proc/says/other").cmdline("other").environ("TEAM=from-proc", "MYAPP_X=1").create();
    }

    @Test
    void completeExecIsReportedFromTheKernelsRecordAlone() {
        SyntheticDetector d = start(reportingTeam());
        SimProcess p = SimProcess.of(1500, 1.0);
        procDisagrees(p);

        d.send(p.execComplete("/bin/app", "/usr/lib/app/bin/app", Map.of("TEAM", "core"), "app", "-v"), p.exit());
        ProcessInfo image = d.next(EventType.EXEC, 1500).process();
        assertEquals("/usr/lib/app/bin/app", image.exePath());
        assertEquals("/bin/app", image.exeLink());
        assertEquals(List.of("app", "-v"), image.cmdLine());
        assertEquals(Map.of("TEAM", "core"), image.envs());
        assertEquals(image, d.next(EventType.EXIT, 1500).process());
        assertNoProcRead(d.awaitMetrics("nothing live", m -> m.liveProcesses() == 0));
    }

    @Test
    void aRequestedVariableTheKernelFoundAbsentIsAbsentWithoutARead() {
        SyntheticDetector d = start(reportingTeam());
        SimProcess p = SimProcess.of(1501, 1.0);
        procDisagrees(p);

        d.send(p.execComplete("/bin/app", "/usr/bin/app", Map.of(), "app"));
        assertEquals(Map.of(), d.next(EventType.EXEC, 1501).process().envs());
        assertNoProcRead(d.metrics());
    }

    @Test
    void incompleteExePathIsReadFromProc() {
        SyntheticDetector d = start(reportingTeam());
        SimProcess p = SimProcess.of(1502, 1.0);
        procDisagrees(p);

        d.send(p.exec("/bin/app", "app").withImage("", Map.of("TEAM", "core"),
                RawEvent.FLAG_EXE_INCOMPLETE | RawEvent.FLAG_ENVS_COMPLETE));
        ProcessInfo image = d.next(EventType.EXEC, 1502).process();
        assertEquals("/proc/says/other", image.exePath());
        assertEquals(Map.of("TEAM", "core"), image.envs(), "the kernel's values still win");
        DetectorMetrics m = d.metrics();
        assertEquals(1, m.procReads().incompleteExecs());
        assertEquals(1, m.procReads().exe());
        assertEquals(0, m.procReads().envValues());
        assertEquals(0, m.procReads().cmdline());
    }

    @Test
    void truncatedArgvIsReadFromProc() {
        SyntheticDetector d = start(reportingTeam());
        SimProcess p = SimProcess.of(1503, 1.0);
        procDisagrees(p);

        d.send(p.exec(RawEvent.FLAG_ARGS_TRUNCATED, "/bin/app", "ap")
                .withImage("/usr/bin/app", Map.of(), RawEvent.FLAG_ENVS_COMPLETE));
        assertEquals(List.of("other"), d.next(EventType.EXEC, 1503).process().cmdLine());
        DetectorMetrics m = d.metrics();
        assertEquals(1, m.procReads().cmdline());
        assertEquals(0, m.procReads().exe());
    }

    @Test
    void valuesTheKernelCutOrCouldNotFindCompletelyAreReadFromProc() {
        SyntheticDetector d = start(reportingTeam());
        SimProcess cut = SimProcess.of(1504, 1.0);
        SimProcess unread = SimProcess.of(1505, 1.0);
        procDisagrees(cut);
        procDisagrees(unread);

        d.send(cut.exec("/bin/app", "app").withImage("/usr/bin/app", Map.of("TEAM", "fro"),
                RawEvent.FLAG_ENVS_COMPLETE | RawEvent.FLAG_ENVS_TRUNCATED));
        assertEquals(Map.of("TEAM", "from-proc"), d.next(EventType.EXEC, 1504).process().envs());
        // Not the whole environment read, and the key not found: only /proc can tell.
        d.send(unread.exec("/bin/app", "app").withImage("/usr/bin/app", Map.of(), 0));
        assertEquals(Map.of("TEAM", "from-proc"), d.next(EventType.EXEC, 1505).process().envs());
        assertEquals(2, d.metrics().procReads().envValues());
    }

    @Test
    void keysBeyondTheKernelsLimitAreReadFromProcAndMergedWithTheKernelsValues() {
        List<String> keys = List.of("K1", "K2", "K3", "K4", "K5", "K6", "K7", "K8", "TEAM");
        SyntheticDetector d = start(options().reportedEnvKeys(keys));
        assertEquals(keys.subList(0, 8), d.probe.config().reportedEnvKeys(), "the kernel gets what it can hold");
        SimProcess p = SimProcess.of(1506, 1.0);
        p.in(procfs).environ("K1=proc", "TEAM=from-proc").create();

        d.send(p.execComplete("/bin/app", "/usr/bin/app", Map.of("K1", "kernel"), "app"));
        assertEquals(Map.of("K1", "kernel", "TEAM", "from-proc"), d.next(EventType.EXEC, 1506).process().envs());
        assertEquals(1, d.metrics().procReads().envValues());
    }

    @Test
    void prefixIsCheckedInProcOnlyWhenTheKernelWasUnsure() {
        SyntheticDetector d = start(options().envPrefix("MYAPP_"));
        SimProcess unsure = SimProcess.of(1507, 1.0);
        SimProcess without = SimProcess.of(1508, 1.0);
        procDisagrees(unsure);
        procDisagrees(without); // /proc has the prefix; the kernel read it all and did not

        d.send(unsure.exec(RawEvent.FLAG_ENV_UNSURE, "/bin/app", "app")
                .withImage("/usr/bin/app", Map.of(), 0));
        d.next(EventType.EXEC, 1507);
        d.send(without.execComplete("/bin/app", "/usr/bin/app", Map.of(), "app"));
        DetectorMetrics m = d.awaitMetrics("the kernel's verdict", x -> x.filtered(FilterReason.ENV_PREFIX) == 1);
        assertEquals(1, m.procReads().envPrefix());
        assertEquals(1, m.procReads().incompleteExecs());
        d.awaitUntracked(1508);
        d.expectNothing(QUIET);
    }

    @Test
    void interpreterTheKernelResolvedIsExcludedWithoutARead() {
        SyntheticDetector d = start(options().excludedExecutables(List.of(Path.of("/usr/bin/python3"))));
        SimProcess script = SimProcess.of(1509, 2.0);
        SimProcess child = SimProcess.of(1510, 1.0);

        d.send(script.execComplete("/opt/job.py", "/usr/bin/python3", Map.of(), "/opt/job.py"),
                child.forkedBy(script), child.exit(), script.exit());
        d.expectNothing(QUIET);
        DetectorMetrics m = d.awaitMetrics("the exclusion", x -> x.filtered(FilterReason.EXCLUDED_EXE) == 1
                && x.filtered(FilterReason.UNKNOWN_PID) == 3 && x.liveProcesses() == 0);
        assertNoProcRead(m);
        d.awaitUntracked(1509);
        d.awaitUntracked(1510);
    }

    private static void assertNoProcRead(DetectorMetrics m) {
        assertEquals(0, m.procReads().incompleteExecs(), m.summary());
        assertEquals(0, m.procReads().files(), m.summary());
    }
}
