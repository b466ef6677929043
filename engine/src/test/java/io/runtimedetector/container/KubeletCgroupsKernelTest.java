package io.runtimedetector.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.ContainerMetrics;
import io.runtimedetector.engine.Detector;
import io.runtimedetector.engine.DetectorOptions;
import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.probe.KernelTestSupport;
import io.runtimedetector.probe.TestProcesses;
import io.runtimedetector.sinks.InMemorySink;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cgroups shaped as the kubelet and containerd make them, created in the real hierarchies
 * while the detector runs, a process moved into each: its EXEC carries the pod UID and
 * container id the path names, from the kernel's cgroup ids and no /proc read.
 */
class KubeletCgroupsKernelTest {

    private static final String PREFIX = "RDATTR_";
    private static final String TAG = "RDATTR_ID";
    private static final Duration WAIT = KernelTestSupport.patience(Duration.ofSeconds(10));

    private static TestCgroups cgroups;
    private static Detector detector;
    private static final InMemorySink SINK = new InMemorySink();

    private record Layout(String dirs, String id, String runtime, String podUid) {
    }

    @BeforeAll
    static void start() throws Exception {
        KernelTestSupport.requireKernel();
        // Mounted first where nothing mounts cgroup2 (a bare qemu guest), so that the detector sees it.
        KernelTestSupport.cgroup2Root();
        cgroups = new TestCgroups();
        detector = Detector.create(DetectorOptions.builder().minDuration(Duration.ZERO).envPrefix(PREFIX)
                .reportedEnvKeys(List.of(TAG)).addSink(SINK).build());
        detector.start().toCompletableFuture().join();
    }

    @AfterAll
    static void stop() throws Exception {
        if (detector != null) {
            detector.close();
        }
        if (cgroups != null) {
            cgroups.close();
        }
    }

    private static String hex64() {
        return (UUID.randomUUID().toString() + UUID.randomUUID()).replace("-", "");
    }

    /** The kubelet's layouts, systemd and cgroupfs drivers, each QoS class; fresh ids each time. */
    private static List<Layout> layouts() {
        List<Layout> all = new java.util.ArrayList<>();
        for (String qos : List.of("guaranteed", "burstable", "besteffort")) {
            String uid = UUID.randomUUID().toString();
            String id = hex64();
            String qosSlice = qos.equals("guaranteed") ? "" : "kubepods-" + qos + ".slice/";
            String podSlice = "kubepods-" + (qos.equals("guaranteed") ? "" : qos + "-") + "pod"
                    + uid.replace('-', '_') + ".slice";
            all.add(new Layout("kubepods.slice/" + qosSlice + podSlice + "/cri-containerd-" + id + ".scope", id,
                    ContainerInfo.CONTAINERD, uid));
            String uid2 = UUID.randomUUID().toString();
            String id2 = hex64();
            String qosDir = qos.equals("guaranteed") ? "" : qos + "/";
            all.add(new Layout("kubepods/" + qosDir + "pod" + uid2 + "/" + id2, id2, null, uid2));
        }
        return all;
    }

    /** Moves a shell into {@code cgroup} (its cgroup.procs), which then execs sleep: that EXEC is checked. */
    private static ProcessEvent execIn(Path cgroup) throws Exception {
        String tag = UUID.randomUUID().toString();
        Process p = TestProcesses.start(Map.of(TAG, tag), "/bin/sh", "-c",
                "echo $$ > " + cgroup.resolve("cgroup.procs") + " && exec /bin/sleep 0.05");
        assertEquals(0, TestProcesses.waitFor(p), "moved into " + cgroup);
        return SINK.await(e -> e.type() == EventType.EXEC && e.pid() == p.pid()
                && e.process().exeLink().equals("/bin/sleep"), WAIT)
                .orElseThrow(() -> new AssertionError("no EXEC of sleep in " + cgroup));
    }

    /**
     * Every hierarchy of this host that attribution reads: the unified one, where the
     * unified id decides, and on a hybrid host the v1 memory one, for runtimes that leave the
     * unified tree alone: the process then stays at the unified root (which names no
     * container) and the memory hierarchy's id, which the kernel records too, attributes it.
     */
    @Test
    void everyLayoutInEveryHierarchy() throws Exception {
        List<Path> tops = new java.util.ArrayList<>(List.of(cgroups.unified()));
        Path memory = cgroups.memoryV1();
        if (memory != null) {
            tops.add(memory);
        }
        for (Path top : tops) {
            boolean v1 = top.equals(memory);
            ContainerMetrics before = detector.metrics().containers();
            for (Layout layout : layouts()) {
                Path dir = TestCgroups.create(top, layout.dirs());
                ProcessEvent exec = execIn(dir);
                assertEquals(ContainerInfo.of(layout.id(), layout.runtime(), layout.podUid()),
                        exec.process().container(), top + "/" + layout.dirs());
            }
            // Each cgroup is made a moment before its process enters: the cache has it by then,
            // or, when its inotify event is still on the way, /proc/PID/cgroup is read (counted).
            ContainerMetrics after = detector.metrics().containers();
            long fromCache = v1 ? after.byV1Cgroup() - before.byV1Cgroup()
                    : after.byUnifiedCgroup() - before.byUnifiedCgroup();
            assertEquals(6, fromCache + after.byProcRead() - before.byProcRead(), top + ": " + after);
        }
    }

    /** A cgroup made long enough before its process enters is attributed from the cache alone. */
    @Test
    void aSettledCgroupNeedsNoProcRead() throws Exception {
        Path top = cgroups.unified();
        String uid = UUID.randomUUID().toString();
        String id = hex64();
        Path dir = TestCgroups.create(top, "kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod"
                + uid.replace('-', '_') + ".slice/cri-containerd-" + id + ".scope");
        // Far longer than the watch takes to apply a mkdir (a few milliseconds).
        Thread.sleep(500);
        ContainerMetrics before = detector.metrics().containers();
        ProcessEvent exec = execIn(dir);
        assertEquals(ContainerInfo.of(id, ContainerInfo.CONTAINERD, uid), exec.process().container());
        ContainerMetrics after = detector.metrics().containers();
        assertEquals(before.byProcRead(), after.byProcRead(), after.toString());
        assertEquals(1, after.byUnifiedCgroup() - before.byUnifiedCgroup(), after.toString());
    }

    @Test
    void aHostProcessHasNoContainer() throws Exception {
        String tag = UUID.randomUUID().toString();
        Process p = TestProcesses.start(Map.of(TAG, tag), "/bin/sleep", "0.05");
        TestProcesses.waitFor(p);
        ProcessEvent exec = SINK.await(e -> e.type() == EventType.EXEC && e.pid() == p.pid(), WAIT).orElseThrow();
        assertNull(exec.process().container());
        assertTrue(detector.metrics().containers().notInContainer() > 0);
    }
}
