package io.runtimedetector.sinks;

import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ExitInfo;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/** Fixed events for the tests; the golden JSON and text lines are written against these values. */
final class TestEvents {

    static final Instant TIME = Instant.parse("2024-05-01T12:00:00.123456789Z");
    static final Instant START = Instant.parse("2024-05-01T11:59:59.500Z");

    private TestEvents() {
    }

    static ProcessInfo python() {
        return new ProcessInfo(1, 1000, 7, 4242, "/usr/bin/python3.11", "/usr/bin/python3",
                List.of("python3", "app.py", "--name", "a \"quoted\" arg"), Map.of("RD_ID", "7", "RD_ENV", "prod"), START);
    }

    static final String CONTAINER_ID = "0a3f5c1b9e2d4f6a8b7c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a";
    static final String POD_UID = "4c6e1b2a-7d3f-4e5a-9b8c-0d1e2f3a4b5c";

    /** The python process in a Kubernetes pod whose name the runtime told. */
    static ProcessEvent execInPod(int pid) {
        ProcessInfo inPod = python().withContainer(
                new ContainerInfo(CONTAINER_ID, ContainerInfo.CONTAINERD, POD_UID, "cart-7d9f", "shop", "app"));
        return new ProcessEvent(EventType.EXEC, pid, 5_000_000L, TIME, inPod, null, null);
    }

    /** The python process in a podman container: no pod, no names. */
    static ProcessEvent exitInPodman(int pid) {
        ProcessInfo inContainer = python().withContainer(ContainerInfo.of(CONTAINER_ID, ContainerInfo.PODMAN, null));
        return new ProcessEvent(EventType.EXIT, pid, 5_000_000L, TIME, inContainer, null,
                new ExitInfo(3, 0, Duration.ofMillis(1234)));
    }

    static ProcessEvent exec(int pid) {
        return new ProcessEvent(EventType.EXEC, pid, 5_000_000L, TIME, python(), null, null);
    }

    static ProcessEvent fork(int pid) {
        return new ProcessEvent(EventType.FORK, pid, 5_000_000L, TIME, python(), null, null);
    }

    static ProcessEvent fileOpen(int pid) {
        return new ProcessEvent(EventType.FILE_OPEN, pid, 5_000_000L, TIME, python(), "/etc/shadow", null);
    }

    static ProcessEvent exit(int pid) {
        return new ProcessEvent(EventType.EXIT, pid, 5_000_000L, TIME, python(), null,
                new ExitInfo(3, 0, Duration.ofMillis(1234)));
    }

    /** EXEC events with pids 1..count, so that order is checkable by pid. */
    static List<ProcessEvent> numbered(int count) {
        return IntStream.rangeClosed(1, count).mapToObj(TestEvents::exec).toList();
    }

    static List<Integer> pids(List<ProcessEvent> events) {
        return events.stream().map(ProcessEvent::pid).toList();
    }
}
