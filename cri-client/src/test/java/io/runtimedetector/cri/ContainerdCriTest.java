package io.runtimedetector.cri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.event.ContainerInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The CRI client against a real containerd with its CRI plugin (a private instance): the
 * names the kubelet's labels give a container and a pod sandbox, an id the runtime does not
 * know, and a socket where nothing listens.
 */
class ContainerdCriTest {

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

    @Test
    void namesOfAContainerAndItsSandboxFromTheKubeletsLabels() throws Exception {
        CriClient cri = containerd.cri();
        assertEquals("containerd", cri.version().getRuntimeName());
        CriPods pod = CriPods.run(cri, "web-7d9f", "shop");
        String id = pod.start(cri, "app", Map.of(), List.of("/bin/busybox", "sleep", "5"));

        assertEquals(new ContainerInfo(id, null, pod.uid(), "web-7d9f", "shop", "app"), cri.lookup(id));
        assertEquals(new ContainerInfo(pod.sandboxId(), null, pod.uid(), "web-7d9f", "shop", null),
                cri.lookup(pod.sandboxId()), "the pause container's processes are the sandbox's");
        assertTrue(cri.listContainers().contains(new ContainerInfo(id, null, pod.uid(), "web-7d9f", "shop", "app")));
        assertNull(cri.lookup("0".repeat(64)), "an id the runtime does not know");
    }

    @Test
    void theNameSourceAddsTheRuntimesNameAndSaysUnknownIdsAreUnknown() throws Exception {
        CriPods pod = CriPods.run(containerd.cri(), "batch-1", "jobs");
        String id = pod.start(containerd.cri(), "worker", Map.of(), List.of("/bin/busybox", "sleep", "5"));
        try (CriNameSource source = CriNameSource.open(containerd.socket(), Duration.ofSeconds(2))) {
            assertEquals(new ContainerInfo(id, "containerd", pod.uid(), "batch-1", "jobs", "worker"),
                    source.lookup(id).toCompletableFuture().get(10, TimeUnit.SECONDS));
            assertNull(source.lookup("f".repeat(64)).toCompletableFuture().get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aSocketWhereNothingListensFailsTheLookup() throws Exception {
        Path nowhere = containerd.directory().resolve("nothing.sock");
        try (CriNameSource source = CriNameSource.open(nowhere, Duration.ofSeconds(1))) {
            var lookup = source.lookup("a".repeat(64)).toCompletableFuture();
            java.util.concurrent.ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
                    java.util.concurrent.ExecutionException.class, () -> lookup.get(10, TimeUnit.SECONDS));
            assertTrue(e.getCause() instanceof io.grpc.StatusRuntimeException, e.toString());
        }
    }
}
