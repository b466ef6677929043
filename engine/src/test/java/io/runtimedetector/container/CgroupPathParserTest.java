package io.runtimedetector.container;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.runtimedetector.event.ContainerInfo;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Table of cgroup paths as runtimes and the kubelet create them (seen in /proc/PID/cgroup). */
class CgroupPathParserTest {

    private static final String ID = "0a3f5c1b9e2d4f6a8b7c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a";
    private static final String INNER = "f1e2d3c4b5a69788796a5b4c3d2e1f0f1e2d3c4b5a69788796a5b4c3d2e1f0a9";
    private static final String UID = "4c6e1b2a-7d3f-4e5a-9b8c-0d1e2f3a4b5c";
    private static final String UID_ = UID.replace('-', '_');

    private record Row(String path, String id, String runtime, String podUid) {
    }

    private static final List<Row> CONTAINERS = List.of(
            // docker, cgroupfs and systemd drivers
            new Row("/docker/" + ID, ID, "docker", null),
            new Row("/system.slice/docker-" + ID + ".scope", ID, "docker", null),
            // containerd under the kubelet, systemd driver, each QoS class
            new Row("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/cri-containerd-"
                    + ID + ".scope", ID, "containerd", UID),
            new Row("/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + UID_
                    + ".slice/cri-containerd-" + ID + ".scope", ID, "containerd", UID),
            new Row("/kubepods.slice/kubepods-pod" + UID_ + ".slice/cri-containerd-" + ID + ".scope", ID,
                    "containerd", UID),
            // the kubelet's cgroupfs driver: the runtime is not in the name, and is not guessed
            new Row("/kubepods/burstable/pod" + UID + "/" + ID, ID, null, UID),
            new Row("/kubepods/besteffort/pod" + UID + "/" + ID, ID, null, UID),
            new Row("/kubepods/pod" + UID + "/" + ID, ID, null, UID),
            // containerd without CRI (ctr run): /<namespace>/<id>
            new Row("/default/" + ID, ID, "containerd", null),
            new Row("/k8s.io/" + ID, ID, "containerd", null),
            // CRI-O
            new Row("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/crio-" + ID
                    + ".scope", ID, "cri-o", UID),
            new Row("/kubepods/burstable/pod" + UID + "/crio-" + ID, ID, "cri-o", UID),
            // podman: cgroupfs (libpod_parent), systemd (machine.slice), rootless, crun's leaf
            new Row("/libpod_parent/libpod-" + ID, ID, "podman", null),
            new Row("/libpod_parent/libpod-" + ID + "/container", ID, "podman", null),
            new Row("/machine.slice/libpod-" + ID + ".scope", ID, "podman", null),
            new Row("/machine.slice/libpod-" + ID + ".scope/container", ID, "podman", null),
            new Row("/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + ID + ".scope", ID, "podman",
                    null),
            new Row("/process_api/f05d75d326354daf243587f238e4f238/rd-attr/libpod-" + ID, ID, "podman", null),
            // kind (systemd driver inside a docker node container): the innermost container wins
            new Row("/system.slice/docker-" + ID + ".scope/kubelet.slice/kubelet-kubepods.slice/"
                    + "kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod" + UID_
                    + ".slice/cri-containerd-" + INNER + ".scope", INNER, "containerd", UID),
            // minikube / kind with cgroupfs inside the node: /docker/<node>/kubepods/...
            new Row("/docker/" + ID + "/kubepods/burstable/pod" + UID + "/" + INNER, INNER, null, UID),
            // docker in docker
            new Row("/docker/" + ID + "/docker/" + INNER, INNER, "docker", null),
            // a static pod: its UID is its manifest's hash
            new Row("/kubepods/burstable/pod6d2b8f4f7bd0c9e3d0fe57d61f5f4c9c/" + ID, ID, null,
                    "6d2b8f4f7bd0c9e3d0fe57d61f5f4c9c"));

    @Test
    void containerPaths() {
        for (Row row : CONTAINERS) {
            assertEquals(ContainerInfo.of(row.id(), row.runtime(), row.podUid()), CgroupPathParser.parse(row.path()),
                    row.path());
        }
    }

    @Test
    void monitorsAreNotContainers() {
        assertNull(CgroupPathParser.parse("/system.slice/crio-conmon-" + ID + ".scope"));
        assertNull(CgroupPathParser.parse("/machine.slice/libpod-conmon-" + ID + ".scope"));
        assertNull(CgroupPathParser.parse("/libpod_parent/conmon"));
        // CRI-O's monitor in a pod: the pod, but no container
        assertEquals(ContainerInfo.of(null, null, UID), CgroupPathParser.parse(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice/crio-conmon-" + ID
                        + ".scope"));
        // inside a container, a monitor belongs to that container
        assertEquals(ContainerInfo.of(ID, "docker", null),
                CgroupPathParser.parse("/docker/" + ID + "/system.slice/crio-conmon-" + INNER + ".scope"));
    }

    @Test
    void aProcessInAPodCgroupItselfHasThePodOnly() {
        assertEquals(ContainerInfo.of(null, null, UID), CgroupPathParser.parse(
                "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + UID_ + ".slice"));
        assertEquals(ContainerInfo.of(null, null, UID), CgroupPathParser.parse("/kubepods/besteffort/pod" + UID));
    }

    @Test
    void hostPathsAreNoContainer() {
        for (String path : List.of("", "/", "/init.scope", "/system.slice/containerd.service",
                "/system.slice/docker.service", "/user.slice/user-1000.slice/session-3.scope", "/kubepods",
                "/kubepods.slice/kubepods-burstable.slice", "/kubepods/burstable", "/libpod_parent",
                "/process_api/f05d75d326354daf243587f238e4f238", "/system.slice/podman-1234.scope",
                "/docker/notanid", "/docker/" + ID.substring(1), "/docker/" + ID.toUpperCase())) {
            assertNull(CgroupPathParser.parse(path), path);
        }
        assertNull(CgroupPathParser.parse(null));
    }

    @Test
    void aBareIdUnderAnUnknownParentHasNoRuntime() {
        assertEquals(ContainerInfo.of(ID, null, null), CgroupPathParser.parse("/actions_job/runner/" + ID));
    }
}
