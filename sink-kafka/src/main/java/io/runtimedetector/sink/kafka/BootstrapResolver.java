package io.runtimedetector.sink.kafka;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Waits until a bootstrap host resolves. The Kafka client refuses to start when none
 * does, and restarting it would fail the same way over and over; in a cluster the name
 * often appears a little later (a Service not created yet), or never (a typo). So the
 * sink says so once, clearly, lets events wait in its buffer, and looks again
 * periodically, instead of failing in a loop.
 */
final class BootstrapResolver {

    private final String sink;
    private final List<String> hosts;
    private final Duration retry;
    private final ScheduledExecutorService scheduler;
    private final Logger log;
    private final CompletableFuture<Void> resolved = new CompletableFuture<>();
    private boolean started;
    private volatile boolean reported;

    BootstrapResolver(String sink, String bootstrapServers, Duration retry, ScheduledExecutorService scheduler, Logger log) {
        this.sink = sink;
        this.hosts = hostsOf(bootstrapServers);
        this.retry = retry;
        this.scheduler = scheduler;
        this.log = log;
    }

    /** Completes once some bootstrap host resolves; the first call starts looking. */
    synchronized CompletionStage<Void> resolved() {
        if (!started) {
            started = true;
            scheduler.execute(this::attempt);
        }
        return resolved;
    }

    /**
     * The events stopped coming (the detector stops) while no name resolved: waiting on
     * would hold up the stop for good, so the wait ends in a failure that says why.
     */
    void giveUp() {
        resolved.completeExceptionally(new IllegalStateException(
                "stopped before any bootstrap host could be resolved (" + String.join(", ", hosts) + ")"));
    }

    private void attempt() {
        if (resolved.isDone()) {
            return;
        }
        List<String> failures = new ArrayList<>();
        for (String host : hosts) {
            try {
                InetAddress.getAllByName(host);
                if (reported) {
                    log.info("kafka sink {}: bootstrap host {} resolves now; connecting", sink, host);
                }
                resolved.complete(null);
                return;
            } catch (UnknownHostException e) {
                failures.add(host);
            }
        }
        synchronized (this) {
            if (!reported) {
                reported = true;
                log.error("kafka sink {}: no bootstrap host can be resolved ({}); check --kafka-bootstrap."
                        + " Events wait in the sink's buffer; looking the names up again every {} s",
                        sink, String.join(", ", failures), retry.toSeconds());
            }
        }
        scheduler.schedule(this::attempt, retry.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static List<String> hostsOf(String servers) {
        List<String> hosts = new ArrayList<>();
        for (String server : servers.split(",")) {
            String entry = server.strip();
            String host = entry.substring(0, entry.lastIndexOf(':'));
            // [::1]:9092
            hosts.add(host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host);
        }
        return hosts;
    }
}
