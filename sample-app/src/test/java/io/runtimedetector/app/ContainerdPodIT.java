package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runtimedetector.cri.CriPods;
import io.runtimedetector.cri.PrivateContainerd;
import io.runtimedetector.probe.KernelTestSupport;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end with a real container runtime: a private containerd with its CRI plugin,
 * driven over CRI as the kubelet drives it (RunPodSandbox, CreateContainer, StartContainer
 * with the kubelet's labels), and the packaged app with {@code --cri-socket} on it. The
 * EXEC of the pod's process comes out of the app's JSON with the container id, the pod UID
 * from its cgroup, and the pod name, namespace and container name from the runtime.
 */
@Timeout(300)
class ContainerdPodIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final Duration EVENT_WITHIN = Duration.ofSeconds(20);

    private static PrivateContainerd containerd;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() throws Exception {
        KernelTestSupport.requireKernel();
        containerd = PrivateContainerd.startOrSkip();
    }

    @AfterAll
    static void stop() throws Exception {
        if (containerd != null) {
            containerd.close();
        }
    }

    @Test
    void anExecInACriPodCarriesItsPodNameNamespaceAndContainerName() throws Exception {
        String tag = "pod-" + UUID.randomUUID();
        // The default minimum duration: the window in which the names are looked up.
        try (AppProcess app = AppProcess.start(AppProcess.javaJar(AppProcess.jar(), "--format", "json",
                "--env-prefix", "RDCRI_", "--env", "RDCRI_ID", "--min-duration", "1s",
                "--cri-socket", containerd.socket().toString()), dir)) {
            app.awaitStderr(line -> line.contains("detector ready"), READY_WITHIN);

            CriPods pod = CriPods.run(containerd.cri(), "cart-7d9f", "shop");
            String id = pod.start(containerd.cri(), "app", Map.of("RDCRI_ID", tag),
                    List.of("/bin/busybox", "sleep", "3"));

            JsonNode exec = JSON.readTree(app.awaitStdout(line -> line.contains("\"EXEC\"") && line.contains(tag),
                    EVENT_WITHIN));
            JsonNode container = exec.get("container");
            assertTrue(container != null && container.isObject(), exec.toString());
            assertEquals(id, container.get("id").asText(), exec.toString());
            assertEquals("containerd", container.get("runtime").asText(), exec.toString());
            assertEquals(pod.uid(), container.get("podUid").asText(), exec.toString());
            assertEquals("cart-7d9f", container.get("podName").asText(), exec.toString());
            assertEquals("shop", container.get("podNamespace").asText(), exec.toString());
            assertEquals("app", container.get("containerName").asText(), exec.toString());
            assertEquals("/bin/busybox", exec.get("exePath").asText(), exec.toString());
            assertEquals(1, exec.get("containerPid").asInt(), "the container's first process: " + exec);

            JsonNode exit = JSON.readTree(app.awaitStdout(line -> line.contains("\"EXIT\"") && line.contains(tag),
                    EVENT_WITHIN));
            assertEquals(container, exit.get("container"), exit.toString());
        }
    }
}
