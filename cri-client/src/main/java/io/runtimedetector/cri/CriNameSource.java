package io.runtimedetector.cri;

import io.grpc.StatusRuntimeException;
import io.runtimedetector.ContainerNameSource;
import io.runtimedetector.event.ContainerInfo;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Container names from a runtime's CRI socket, asked on one thread of its own so that the
 * blocking calls never run on the engine's. A socket that is missing or does not answer is
 * reported once, and once more when it answers again; the callers count each failure.
 */
public final class CriNameSource implements ContainerNameSource {

    private static final Logger LOG = LoggerFactory.getLogger(CriNameSource.class);
    /** Short: a name is only useful within the minimum-duration window events wait in. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(2);

    private final CriClient client;
    private final ExecutorService thread;
    private final AtomicBoolean failing = new AtomicBoolean();
    private volatile String runtimeName;

    private CriNameSource(CriClient client) {
        this.client = client;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "runtime-detector-cri-lookups");
            t.setDaemon(true);
            return t;
        });
    }

    public static CriNameSource open(Path socket, Duration deadline) {
        return new CriNameSource(CriClient.connect(socket, deadline));
    }

    @Override
    public CompletionStage<ContainerInfo> lookup(String containerId) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                ContainerInfo found = client.lookup(containerId);
                String runtime = runtime();
                answered();
                return found == null ? null : new ContainerInfo(found.id(), runtime, found.podUid(), found.podName(),
                        found.podNamespace(), found.containerName());
            } catch (StatusRuntimeException e) {
                failed(e);
                throw e;
            }
        }, thread);
    }

    /** The runtime's own name ("containerd", "cri-o", "docker"), asked once. */
    private String runtime() {
        String name = runtimeName;
        if (name == null) {
            String told = client.version().getRuntimeName();
            name = told.isEmpty() ? null : told;
            runtimeName = name;
        }
        return name;
    }

    private void answered() {
        if (failing.compareAndSet(true, false)) {
            LOG.info("{} answers again: events carry pod and container names", describe());
        }
    }

    private void failed(StatusRuntimeException e) {
        if (failing.compareAndSet(false, true)) {
            LOG.warn("{} does not answer ({}): events carry container ids without names until it does", describe(),
                    e.getStatus());
        }
    }

    @Override
    public String describe() {
        return "CRI at " + client.socket();
    }

    @Override
    public void close() {
        thread.shutdownNow();
        client.close();
    }
}
