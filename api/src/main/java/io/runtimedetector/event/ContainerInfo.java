package io.runtimedetector.event;

/**
 * The container a process runs in, as far as it is known. Every field is null when it is
 * not known: nothing is guessed (no default namespace, no pod name made up from the
 * container name). The container id, runtime and pod UID come from the process' cgroup
 * path; the pod name, namespace and container name only from the container runtime
 * (the labels the kubelet sets, read over the Kubernetes CRI).
 *
 * @param id            the runtime's container id (64 hex digits for docker, containerd, CRI-O, podman)
 * @param runtime       {@link #DOCKER}, {@link #CONTAINERD}, {@link #CRIO}, {@link #PODMAN}, ...
 * @param podUid        the Kubernetes pod's UID, with dashes, as {@code kubectl get pod -o yaml} shows it
 * @param podName       label {@code io.kubernetes.pod.name}
 * @param podNamespace  label {@code io.kubernetes.pod.namespace}
 * @param containerName label {@code io.kubernetes.container.name}
 */
public record ContainerInfo(
        String id,
        String runtime,
        String podUid,
        String podName,
        String podNamespace,
        String containerName) {

    public static final String DOCKER = "docker";
    public static final String CONTAINERD = "containerd";
    public static final String CRIO = "cri-o";
    public static final String PODMAN = "podman";

    /** What the cgroup path tells: no names. */
    public static ContainerInfo of(String id, String runtime, String podUid) {
        return new ContainerInfo(id, runtime, podUid, null, null, null);
    }

    /** The same container with the names the runtime reported (each may be null). */
    public ContainerInfo withNames(String podName, String podNamespace, String containerName) {
        return new ContainerInfo(id, runtime, podUid, podName, podNamespace, containerName);
    }

    /** Whether the runtime's names are present. */
    public boolean hasNames() {
        return podName != null || podNamespace != null || containerName != null;
    }
}
