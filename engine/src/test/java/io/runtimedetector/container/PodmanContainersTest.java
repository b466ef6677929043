package io.runtimedetector.container;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.engine.Detector;
import io.runtimedetector.engine.DetectorOptions;
import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.KernelTestSupport;
import io.runtimedetector.sinks.InMemorySink;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Real podman containers (runc, cgroupfs): the EXEC of a container's process carries the
 * container id podman inspect shows, with runtime podman, and no pod. Not a *KernelTest:
 * the qemu guests of {@code make test-kernels} have no container runtime.
 */
class PodmanContainersTest {

    private static final String TAG = "RDPOD_ID";
    private static final Duration WAIT = KernelTestSupport.patience(Duration.ofSeconds(20));

    @BeforeAll
    static void podman() throws Exception {
        KernelTestSupport.requireKernel();
        if (!PodmanCli.installed()) {
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError("podman is missing: scripts/install-deps.sh installs it");
            }
            Assumptions.abort("podman is not installed");
        }
        PodmanCli.importBusybox();
    }

    @AfterAll
    static void cleanUp() throws Exception {
        if (PodmanCli.installed()) {
            PodmanCli.cleanUp();
        }
    }

    @Test
    void aContainersExecCarriesTheIdPodmanInspectShows() throws Exception {
        InMemorySink sink = new InMemorySink();
        String tag = UUID.randomUUID().toString();
        String name = "rd-attr-" + tag.substring(0, 8);
        try (Detector detector = Detector.create(DetectorOptions.builder().minDuration(Duration.ZERO)
                .envPrefix("RDPOD_").reportedEnvKeys(List.of(TAG)).addSink(sink).build())) {
            detector.start().toCompletableFuture().join();
            List<String> run = new ArrayList<>(List.of("run", "--name=" + name, "--env=" + TAG + "=" + tag));
            run.addAll(PodmanCli.runFlags());
            run.addAll(List.of(PodmanCli.BUSYBOX, "/bin/busybox", "sleep", "0.2"));
            try {
                PodmanCli.run(run);
                String id = PodmanCli.run("inspect", "--format={{.Id}}", name);
                ProcessEvent exec = sink.await(e -> e.type() == EventType.EXEC
                        && tag.equals(e.process().envs().get(TAG)), WAIT)
                        .orElseThrow(() -> new AssertionError("no EXEC from container " + id));
                assertEquals(ContainerInfo.of(id, ContainerInfo.PODMAN, null), exec.process().container());
                assertEquals(1, exec.process().containerPid(), "the container's first process");
                ProcessEvent exit = sink.await(e -> e.type() == EventType.EXIT && e.pid() == exec.pid(), WAIT)
                        .orElseThrow();
                assertEquals(exec.process().container(), exit.process().container());
            } finally {
                PodmanCli.run("rm", "--force", "--time=0", name);
            }
        }
    }

    /** A container running before the detector starts: the start-up scan attributes it from /proc/PID/cgroup. */
    @Test
    void aContainerFoundByTheStartUpScan() throws Exception {
        InMemorySink sink = new InMemorySink();
        String tag = UUID.randomUUID().toString();
        String name = "rd-attr-" + tag.substring(0, 8);
        List<String> run = new ArrayList<>(List.of("run", "--detach", "--name=" + name, "--env=" + TAG + "=" + tag));
        run.addAll(PodmanCli.runFlags());
        run.addAll(List.of(PodmanCli.BUSYBOX, "/bin/busybox", "sleep", "30"));
        PodmanCli.run(run);
        try (Detector detector = Detector.create(DetectorOptions.builder().minDuration(Duration.ZERO)
                .envPrefix("RDPOD_").reportedEnvKeys(List.of(TAG)).addSink(sink).build())) {
            String id = PodmanCli.run("inspect", "--format={{.Id}}", name);
            int pid = Integer.parseInt(PodmanCli.run("inspect", "--format={{.State.Pid}}", name));
            detector.start().toCompletableFuture().join();
            PodmanCli.run("kill", name);
            ProcessEvent exit = sink.await(e -> e.type() == EventType.EXIT && e.pid() == pid, WAIT)
                    .orElseThrow(() -> new AssertionError("no EXIT of the scanned container process " + pid));
            assertEquals(ContainerInfo.of(id, ContainerInfo.PODMAN, null), exit.process().container());
            assertEquals(1, detector.metrics().containers().byProcRead(), detector.metrics().summary());
        } finally {
            PodmanCli.run("rm", "--force", "--time=0", name);
        }
    }
}
