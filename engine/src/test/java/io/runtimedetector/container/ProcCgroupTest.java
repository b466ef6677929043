package io.runtimedetector.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.runtimedetector.event.ContainerInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Processes found by the start-up scan: attributed from the lines of their /proc/PID/cgroup, and counted. */
class ProcCgroupTest {

    private static final String ID = "762b9eca87af0927363f82a0973ba6e0b152825d04f1be947d92797b67975991";

    @Test
    void theUnifiedLineFirstThenTheMemoryControllers() {
        ContainerAttribution attribution = ContainerAttribution.off();
        // Hybrid, podman with runc: both lines name the container.
        assertEquals(ContainerInfo.of(ID, ContainerInfo.PODMAN, null), attribution.resolveProcCgroup(List.of(
                "4:memory:/libpod_parent/libpod-" + ID, "1:cpu:/libpod_parent/libpod-" + ID,
                "0::/libpod_parent/libpod-" + ID)));
        // Hybrid, a runtime that left the unified tree alone: the memory line tells.
        assertEquals(ContainerInfo.of(ID, ContainerInfo.DOCKER, null), attribution.resolveProcCgroup(List.of(
                "4:memory:/docker/" + ID, "0::/")));
        // cgroup v2 only.
        assertEquals(ContainerInfo.of(ID, ContainerInfo.CRIO, "4c6e1b2a-7d3f-4e5a-9b8c-0d1e2f3a4b5c"),
                attribution.resolveProcCgroup(List.of("0::/kubepods.slice/kubepods-besteffort.slice/"
                        + "kubepods-besteffort-pod4c6e1b2a_7d3f_4e5a_9b8c_0d1e2f3a4b5c.slice/crio-" + ID + ".scope")));
        // v1 with controllers sharing a hierarchy.
        assertEquals(ContainerInfo.of(ID, ContainerInfo.DOCKER, null),
                attribution.resolveProcCgroup(List.of("5:cpu,memory:/docker/" + ID)));
        assertEquals(4, attribution.byProc());
    }

    @Test
    void aHostProcessOrUnreadableLinesAreNoContainer() {
        ContainerAttribution attribution = ContainerAttribution.off();
        assertNull(attribution.resolveProcCgroup(List.of("4:memory:/user.slice", "0::/init.scope")));
        assertNull(attribution.resolveProcCgroup(List.of()));
        assertNull(attribution.resolveProcCgroup(List.of("not a cgroup line")));
        // Another controller's line is not read: only the unified one and the memory controller's.
        assertNull(attribution.resolveProcCgroup(List.of("1:cpu:/docker/" + ID, "0::/")));
        assertEquals(0, attribution.byProc());
        assertEquals(4, attribution.notInContainer());
    }
}
