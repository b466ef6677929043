package io.runtimedetector;

import io.runtimedetector.event.ContainerInfo;
import java.util.concurrent.CompletionStage;

/**
 * Where the names of a container come from: the container runtime, asked over the
 * Kubernetes CRI by module {@code cri-client}. The detector asks once per container,
 * in the background, and never holds an event for the answer.
 */
public interface ContainerNameSource extends AutoCloseable {

    /**
     * @param containerId a container's (or a pod sandbox's) id, as its cgroup names it
     * @return completes with what the runtime tells of it (pod name, namespace, container
     *         name, pod UID and the runtime's name; each null when not told; the id is the
     *         one asked for), with null when the runtime does not know that id, or fails when
     *         the runtime could not be asked
     */
    CompletionStage<ContainerInfo> lookup(String containerId);

    /** For log lines: what is asked, e.g. "CRI at /run/containerd/containerd.sock". */
    String describe();

    @Override
    void close();
}
