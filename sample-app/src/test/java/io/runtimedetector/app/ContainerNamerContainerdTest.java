package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.runtimedetector.container.ContainerNamer;
import io.runtimedetector.cri.CriNameSource;
import io.runtimedetector.cri.CriPods;
import io.runtimedetector.cri.PrivateContainerd;
import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The engine's name cache against a real containerd over CRI: a name asked for ahead comes
 * with the event, an id the runtime does not know is asked once and then remembered as
 * unknown, and a socket where nothing listens costs three attempts, each counted, and
 * never holds an event.
 */
class ContainerNamerContainerdTest {

    private static final Duration WAIT = Duration.ofSeconds(10);
    private static PrivateContainerd containerd;

    @BeforeAll
    static void start() throws Exception {
        containerd = PrivateContainerd.startOrSkip();
    }

    @AfterAll
    static void stop() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    private static ProcessEvent execIn(ContainerInfo container) {
        ProcessInfo image = new ProcessInfo(1, 0, 1, 42, "/bin/busybox", "/bin/busybox", List.of("sleep"), Map.of(),
                Instant.EPOCH, container);
        return new ProcessEvent(EventType.EXEC, 4242, 1, Instant.EPOCH, image, null, null);
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void namesAskedAheadComeWithTheEventAndUnknownIdsAreAskedOnce() throws Exception {
        CriPods pod = CriPods.run(containerd.cri(), "api-5c4b", "payments");
        String id = pod.start(containerd.cri(), "server", Map.of(), List.of("/bin/busybox", "sleep", "5"));
        // What the kubelet's cgroupfs layout tells: id and pod UID, no runtime.
        ContainerInfo fromCgroup = ContainerInfo.of(id, null, pod.uid());
        try (ContainerNamer namer = ContainerNamer.of(CriNameSource.open(containerd.socket(), Duration.ofSeconds(2)))) {
            namer.prefetch(fromCgroup);
            await(() -> namer.named(execIn(fromCgroup)).process().container().hasNames(), "names within " + WAIT);
            assertEquals(new ContainerInfo(id, "containerd", pod.uid(), "api-5c4b", "payments", "server"),
                    namer.named(execIn(fromCgroup)).process().container());

            ContainerInfo stranger = ContainerInfo.of("e".repeat(64), ContainerInfo.PODMAN, null);
            ProcessEvent event = execIn(stranger);
            assertSame(event, namer.named(event), "no names: the event leaves as it is, at once");
            long lookups = namer.lookups();
            await(() -> namer.lookups() == lookups && namer.named(event) == event && namer.misses() >= 2, "asked");
            Thread.sleep(300);
            namer.named(event);
            assertEquals(lookups, namer.lookups(), "an unknown id is remembered, not asked again");
            assertEquals(0, namer.errors());
        }
    }

    @Test
    void aSocketWhereNothingListensIsTriedThreeTimesAndCounted() throws Exception {
        ContainerInfo c = ContainerInfo.of("d".repeat(64), null, null);
        try (ContainerNamer namer = ContainerNamer.of(CriNameSource.open(
                containerd.directory().resolve("nothing.sock"), Duration.ofSeconds(1)))) {
            ProcessEvent event = execIn(c);
            assertSame(event, namer.named(event));
            await(() -> namer.errors() == 3, "three failed attempts, got " + namer.errors());
            assertEquals(3, namer.lookups());
            Thread.sleep(300);
            assertSame(event, namer.named(event));
            assertEquals(3, namer.lookups(), "after the last attempt the id rests a while");
        }
    }
}
