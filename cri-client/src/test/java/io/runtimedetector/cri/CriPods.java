package io.runtimedetector.cri;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import runtime.v1.Api;
import runtime.v1.RuntimeServiceGrpc;

/**
 * Pods driven over CRI as the kubelet drives them: RunPodSandbox with the pod's metadata
 * and the kubelet's labels, a cgroup parent shaped as the kubelet's cgroupfs driver makes it
 * (below the tests' own memory cgroup), the node's network; then CreateContainer with the
 * kubelet's container labels, and StartContainer.
 *
 * @param sandboxId the pod sandbox's id (its pause container's)
 * @param uid       the pod's UID
 * @param name      the pod's name
 * @param namespace the pod's namespace
 */
public record CriPods(String sandboxId, String uid, String name, String namespace, Api.PodSandboxConfig config) {

    /** Runs a pod sandbox in QoS class besteffort. */
    public static CriPods run(CriClient cri, String name, String namespace) throws IOException {
        String uid = UUID.randomUUID().toString();
        Map<String, String> labels = Map.of(CriClient.POD_NAME, name, CriClient.POD_NAMESPACE, namespace,
                CriClient.POD_UID, uid);
        Api.PodSandboxConfig config = Api.PodSandboxConfig.newBuilder()
                .setMetadata(Api.PodSandboxMetadata.newBuilder().setName(name).setNamespace(namespace).setUid(uid)
                        .setAttempt(0))
                .putAllLabels(labels)
                .setLinux(Api.LinuxPodSandboxConfig.newBuilder()
                        .setCgroupParent(PrivateContainerd.cgroupParent() + "/kubepods/besteffort/pod" + uid)
                        .setSecurityContext(Api.LinuxSandboxSecurityContext.newBuilder()
                                .setNamespaceOptions(Api.NamespaceOption.newBuilder()
                                        .setNetwork(Api.NamespaceMode.NODE)
                                        .setPid(Api.NamespaceMode.CONTAINER)
                                        .setIpc(Api.NamespaceMode.POD))))
                .build();
        String id = cri.stub().runPodSandbox(Api.RunPodSandboxRequest.newBuilder().setConfig(config).build())
                .getPodSandboxId();
        return new CriPods(id, uid, name, namespace, config);
    }

    /** Creates and starts a container of the pod; returns its id. */
    public String start(CriClient cri, String containerName, Map<String, String> env, List<String> command) {
        Api.ContainerConfig.Builder container = Api.ContainerConfig.newBuilder()
                .setMetadata(Api.ContainerMetadata.newBuilder().setName(containerName).setAttempt(0))
                .setImage(Api.ImageSpec.newBuilder().setImage(PrivateContainerd.BUSYBOX))
                .addAllCommand(command)
                .putLabels(CriClient.CONTAINER_NAME, containerName)
                .putLabels(CriClient.POD_NAME, name)
                .putLabels(CriClient.POD_NAMESPACE, namespace)
                .putLabels(CriClient.POD_UID, uid)
                .setLinux(Api.LinuxContainerConfig.newBuilder()
                        .setSecurityContext(Api.LinuxContainerSecurityContext.newBuilder()
                                .setNamespaceOptions(Api.NamespaceOption.newBuilder()
                                        .setNetwork(Api.NamespaceMode.NODE)
                                        .setPid(Api.NamespaceMode.CONTAINER)
                                        .setIpc(Api.NamespaceMode.POD))));
        env.forEach((k, v) -> container.addEnvs(Api.KeyValue.newBuilder().setKey(k).setValue(com.google.protobuf.ByteString.copyFromUtf8(v))));
        RuntimeServiceGrpc.RuntimeServiceBlockingStub stub = cri.stub();
        String id = stub.createContainer(Api.CreateContainerRequest.newBuilder().setPodSandboxId(sandboxId)
                .setConfig(container).setSandboxConfig(config).build()).getContainerId();
        cri.stub().startContainer(Api.StartContainerRequest.newBuilder().setContainerId(id).build());
        return id;
    }

    /** Stops and removes every pod sandbox (and so its containers), as the kubelet does when pods go. */
    public static void removeAll(CriClient cri) {
        for (Api.PodSandbox pod : cri.stub().listPodSandbox(Api.ListPodSandboxRequest.newBuilder().build())
                .getItemsList()) {
            cri.stub().stopPodSandbox(Api.StopPodSandboxRequest.newBuilder().setPodSandboxId(pod.getId()).build());
            cri.stub().removePodSandbox(Api.RemovePodSandboxRequest.newBuilder().setPodSandboxId(pod.getId())
                    .build());
        }
    }
}
