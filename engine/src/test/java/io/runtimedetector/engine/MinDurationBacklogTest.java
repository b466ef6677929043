package io.runtimedetector.engine;

import static io.runtimedetector.engine.Backlog.at;
import static io.runtimedetector.engine.Backlog.secondsAgo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.FilterReason;
import io.runtimedetector.event.EventType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The minimum duration counts from the kernel's times also for events handled long after
 * they happened, as the ring's backlog is after a restart: how long ago the EXEC was says
 * nothing about how long the process lived.
 */
class MinDurationBacklogTest extends SyntheticTestBase {

    private static DetectorOptions.Builder oneSecond() {
        return options().minDuration(Duration.ofSeconds(1)).attributeContainers(false);
    }

    @Test
    void aPairTwoSecondsApartDeliveredAMinuteLaterIsReported() {
        SyntheticDetector d = start(oneSecond());
        SimProcess p = SimProcess.of(400, 62.0);
        d.send(List.of(at(p.execComplete("/usr/bin/job", "/usr/bin/job", Map.of(), "job"), secondsAgo(62)),
                at(p.exit(), secondsAgo(60))));

        d.next(EventType.EXEC, 400);
        assertEquals(Duration.ofSeconds(2), d.next(EventType.EXIT, 400).exit().lifetime().withNanos(0));
    }

    @Test
    void aPairHalfASecondApartDeliveredAMinuteLaterIsNot() {
        SyntheticDetector d = start(oneSecond());
        SimProcess p = SimProcess.of(401, 61.0);
        d.send(List.of(at(p.execComplete("/usr/bin/job", "/usr/bin/job", Map.of(), "job"), secondsAgo(61)),
                at(p.exit(), secondsAgo(60.5))));

        DetectorMetrics m = d.awaitMetrics("the short-lived process dropped",
                x -> x.filtered(FilterReason.MIN_DURATION) == 1 && x.liveProcesses() == 0);
        assertEquals(0, m.emitted(EventType.EXEC));
        assertEquals(0, m.emitted(EventType.EXIT));
        d.expectNothing(Duration.ofMillis(300));
    }

    @Test
    void anOldExecOfAProcessStillRunningIsReportedWithoutWaitingForItsExit() {
        SyntheticDetector d = start(oneSecond());
        SimProcess p = SimProcess.of(402, 61.0);
        p.in(procfs).exe("/usr/bin/server").cmdline("server").create();
        d.send(at(p.execComplete("/usr/bin/server", "/usr/bin/server", Map.of(), "server"), secondsAgo(61)));

        d.next(EventType.EXEC, 402);
    }
}
