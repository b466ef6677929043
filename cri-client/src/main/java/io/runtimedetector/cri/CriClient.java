package io.runtimedetector.cri;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.netty.shaded.io.netty.util.concurrent.DefaultThreadFactory;
import io.runtimedetector.event.ContainerInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import runtime.v1.Api;
import runtime.v1.RuntimeServiceGrpc;

/**
 * The CRI RuntimeService of a container runtime on its unix socket, through grpc-java over
 * netty's epoll transport. Reads what the kubelet's labels say of a container or pod
 * sandbox. Every call has a deadline, so that a runtime that does not answer cannot hold
 * a caller. Thread-safe.
 */
public final class CriClient implements AutoCloseable {

    public static final String POD_NAME = "io.kubernetes.pod.name";
    public static final String POD_NAMESPACE = "io.kubernetes.pod.namespace";
    public static final String POD_UID = "io.kubernetes.pod.uid";
    public static final String CONTAINER_NAME = "io.kubernetes.container.name";

    private final Path socket;
    private final Duration deadline;
    private final EventLoopGroup loop;
    private final ManagedChannel channel;

    private CriClient(Path socket, Duration deadline, EventLoopGroup loop, ManagedChannel channel) {
        this.socket = socket;
        this.deadline = deadline;
        this.loop = loop;
        this.channel = channel;
    }

    /**
     * A channel to the socket; nothing is sent yet, so a missing socket shows at the first call.
     *
     * @throws IllegalStateException when netty's epoll transport cannot load (not Linux, or its
     *                               native library refused), without which no unix socket is reachable
     */
    public static CriClient connect(Path socket, Duration deadline) {
        if (!Epoll.isAvailable()) {
            throw new IllegalStateException("netty's epoll transport is unavailable, so the CRI socket " + socket
                    + " cannot be reached: " + Epoll.unavailabilityCause());
        }
        EventLoopGroup loop = new EpollEventLoopGroup(1, new DefaultThreadFactory("runtime-detector-cri", true));
        ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                .eventLoopGroup(loop)
                .channelType(EpollDomainSocketChannel.class)
                .usePlaintext()
                // The socket path is no host name; the runtimes ignore the authority.
                .overrideAuthority("localhost")
                .maxInboundMessageSize(16 * 1024 * 1024)
                .build();
        return new CriClient(socket, deadline, loop, channel);
    }

    public Path socket() {
        return socket;
    }

    /** The stub with this client's deadline, for calls of the whole RuntimeService. */
    public RuntimeServiceGrpc.RuntimeServiceBlockingStub stub() {
        return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    public Api.VersionResponse version() {
        return stub().version(Api.VersionRequest.newBuilder().build());
    }

    /**
     * What the runtime tells of a container, or of a pod sandbox when the id is one (the
     * processes of a pod's pause container are in the sandbox's cgroup).
     *
     * @return the names (runtime left null: the caller knows it from {@link #version()}), or
     *         null when the runtime knows no container or sandbox of that id
     * @throws StatusRuntimeException when the runtime could not be asked or answered an error
     */
    public ContainerInfo lookup(String id) {
        try {
            Api.ContainerStatusResponse status = stub()
                    .containerStatus(Api.ContainerStatusRequest.newBuilder().setContainerId(id).build());
            Map<String, String> labels = status.getStatus().getLabelsMap();
            return new ContainerInfo(id, null, labels.get(POD_UID), labels.get(POD_NAME), labels.get(POD_NAMESPACE),
                    labels.get(CONTAINER_NAME));
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
        try {
            Api.PodSandboxStatusResponse sandbox = stub()
                    .podSandboxStatus(Api.PodSandboxStatusRequest.newBuilder().setPodSandboxId(id).build());
            Api.PodSandboxMetadata meta = sandbox.getStatus().getMetadata();
            return new ContainerInfo(id, null, emptyToNull(meta.getUid()), emptyToNull(meta.getName()),
                    emptyToNull(meta.getNamespace()), null);
        } catch (StatusRuntimeException e) {
            if (e.getStatus().getCode() == Status.Code.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    /** Every container the runtime has, with what the labels say: one call to fill a cache at start. */
    public List<ContainerInfo> listContainers() {
        return stub().listContainers(Api.ListContainersRequest.newBuilder().build()).getContainersList().stream()
                .map(c -> new ContainerInfo(c.getId(), null, c.getLabelsMap().get(POD_UID),
                        c.getLabelsMap().get(POD_NAME), c.getLabelsMap().get(POD_NAMESPACE),
                        c.getLabelsMap().get(CONTAINER_NAME)))
                .toList();
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    @Override
    public void close() {
        channel.shutdownNow();
        try {
            channel.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
