package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import io.runtimedetector.probe.RawEvent;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The environment-variable prefix: the kernel's ENV_MATCH is trusted; where the kernel
 * was unsure, or said nothing, the engine decides from /proc/PID/environ, and a process
 * without the prefix is dropped and no longer followed by the kernel.
 */
class EnvPrefixTest extends SyntheticTestBase {

    private static final String PREFIX = "MYAPP_";
    private static final Duration QUIET = Duration.ofMillis(300);

    private static DetectorOptions.Builder withPrefix() {
        return options().envPrefix(PREFIX).reportedEnvKeys(List.of("MYAPP_ID"));
    }

    @Test
    void probeIsConfiguredWithThePrefix() {
        SyntheticDetector d = start(withPrefix());
        assertEquals(PREFIX, d.probe.config().envPrefix());
    }

    @Test
    void unsureProcessWithoutThePrefixIsDroppedAndUntracked() {
        SyntheticDetector d = start(withPrefix());
        SimProcess p = SimProcess.of(500, 1.0);
        p.in(procfs).environ("PATH=/usr/bin", "MYAPPX=no", "NOT_MYAPP_ID=no").create();

        d.send(p.exec(RawEvent.FLAG_ENV_UNSURE, "/usr/bin/env", "env"));
        d.awaitMetrics("the prefix verdict", m -> m.filtered(FilterReason.ENV_PREFIX) == 1 && m.liveProcesses() == 0);
        d.awaitUntracked(500);
        d.send(p.exit());
        d.expectNothing(QUIET);
    }

    @Test
    void unsureProcessWithThePrefixIsReported() {
        SyntheticDetector d = start(withPrefix());
        SimProcess p = SimProcess.of(501, 1.0);
        p.in(procfs).environ("PATH=/usr/bin", "MYAPP_ID=42").create();

        d.send(p.exec(RawEvent.FLAG_ENV_UNSURE, "/usr/bin/env", "env"));
        assertEquals(Map.of("MYAPP_ID", "42"), d.next(EventType.EXEC, 501).process().envs());
        d.send(p.exit());
        d.next(EventType.EXIT, 501);
        assertFalse(d.probe.untracked().contains(501));
    }

    @Test
    void execWithoutEnvMatchIsCheckedInProcToo() {
        SyntheticDetector d = start(withPrefix());
        SimProcess without = SimProcess.of(502, 1.0);
        SimProcess with = SimProcess.of(503, 1.0);
        without.in(procfs).environ("PATH=/usr/bin").create();
        with.in(procfs).environ("MYAPP_ID=7").create();

        d.send(without.exec("/usr/bin/a", "a"), with.exec("/usr/bin/b", "b"));
        d.next(EventType.EXEC, 503);
        d.expectNothing(QUIET);
        d.awaitMetrics("one dropped", m -> m.filtered(FilterReason.ENV_PREFIX) == 1);
        d.awaitUntracked(502);
    }

    @Test
    void kernelEnvMatchIsTrusted() {
        // The kernel read the environment the exec was given; /proc may show a later, edited one.
        SyntheticDetector d = start(withPrefix());
        SimProcess p = SimProcess.of(504, 1.0);
        p.in(procfs).environ("PATH=/usr/bin").create();

        d.send(p.exec(RawEvent.FLAG_ENV_MATCH, "/usr/bin/app", "app"));
        d.next(EventType.EXEC, 504);
        assertEquals(0, d.metrics().filtered(FilterReason.ENV_PREFIX));
    }

    @Test
    void unreadableEnvironmentIsPassedOnAndCounted() {
        // No /proc entry at all: dropping what might match would lose a wanted process.
        SyntheticDetector d = start(withPrefix());
        SimProcess p = SimProcess.of(505, 1.0);

        d.send(p.exec(RawEvent.FLAG_ENV_UNSURE, "/usr/bin/app", "app"));
        d.next(EventType.EXEC, 505);
        d.awaitMetrics("the unreadable environment", m -> m.envUnreadable() == 1);
    }

    @Test
    void childOfAnUnsureParentIsReportedWhenItCarriesThePrefix() {
        SyntheticDetector d = start(withPrefix());
        SimProcess parent = SimProcess.of(506, 2.0);
        SimProcess child = SimProcess.of(507, 1.0);
        parent.in(procfs).environ("MYAPP_ID=1").create();
        child.in(procfs).ppid(506).environ("MYAPP_ID=1").create();

        d.send(parent.exec(RawEvent.FLAG_ENV_UNSURE, "/usr/bin/app", "app"));
        d.next(EventType.EXEC, 506);
        d.send(child.forkedBy(parent));
        assertEquals(Map.of("MYAPP_ID", "1"), d.next(EventType.FORK, 507).process().envs());
    }
}
