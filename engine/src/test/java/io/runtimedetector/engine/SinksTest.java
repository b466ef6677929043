package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.testkit.SyntheticProbe;
import io.runtimedetector.sinks.InMemorySink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Sinks given in the options see every event, in order, and are flushed and closed at stop. */
class SinksTest extends SyntheticTestBase {

    @Test
    void inMemoryAndLambdaSinksReceiveEveryEventInOrder() throws Exception {
        InMemorySink memory = new InMemorySink();
        List<ProcessEvent> viaLambda = Collections.synchronizedList(new ArrayList<>());
        SyntheticProbe probe = SyntheticProbe.recording();
        Detector detector = Detector.create(DetectorOptions.builder()
                .minDuration(Duration.ZERO)
                .watchedFiles(List.of(Path.of("/etc/app.conf")))
                .procfs(procfs.root())
                .actorSystem(kit.system())
                .addSink(memory)
                .addSink(viaLambda::add)
                .build(), probe::open);
        detector.start().toCompletableFuture().join();

        List<String> expected = new ArrayList<>();
        for (int pid = 1200; pid < 1205; pid++) {
            SimProcess p = SimProcess.of(pid, 1.0);
            p.in(procfs).create();
            // One process at a time: the order across processes is then fixed too.
            probe.send(p.exec("/usr/bin/app", "app"));
            assertTrue(memory.awaitCount(expected.size() + 1, SyntheticDetector.WAIT));
            probe.send(p.fileOpen("/etc/app.conf", 0), p.exit());
            expected.addAll(List.of("EXEC:" + pid, "FILE_OPEN:" + pid, "EXIT:" + pid));
            assertTrue(memory.awaitCount(expected.size(), SyntheticDetector.WAIT));
        }
        detector.stop().toCompletableFuture().join();

        assertEquals(expected, summary(memory.events()));
        assertEquals(expected, summary(viaLambda));
        assertEquals(1, memory.flushCount());
        assertEquals(1, memory.closeCount());
        assertEquals(15, detector.metrics().emitted().values().stream().mapToLong(Long::longValue).sum());
        assertEquals(0, detector.metrics().sinkDropped());
    }

    @Test
    void eventsReachBothTheSinksAndAStreamConsumer() {
        InMemorySink memory = new InMemorySink();
        SyntheticDetector d = start(options().addSink(memory));
        SimProcess p = SimProcess.of(1210, 1.0);
        p.in(procfs).create();

        d.send(p.exec("/usr/bin/app", "app"), p.exit());
        d.next(EventType.EXEC, 1210);
        d.next(EventType.EXIT, 1210);
        d.stopAndExpectComplete();
        assertEquals(List.of("EXEC:1210", "EXIT:1210"), summary(memory.events()));
    }

    private static List<String> summary(List<ProcessEvent> events) {
        synchronized (events) {
            return events.stream().map(e -> e.type() + ":" + e.pid()).toList();
        }
    }
}
