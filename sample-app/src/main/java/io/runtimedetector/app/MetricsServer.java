package io.runtimedetector.app;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;

/**
 * {@code --metrics-port}: /metrics in the Prometheus text format (the detector's counters
 * and the JVM's), /healthz and /readyz for the kubelet's probes. On the JDK's own HTTP
 * server, with one thread: a scrape every few seconds and two probes need no more.
 */
final class MetricsServer implements AutoCloseable {

    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final HttpServer server;
    private final ExecutorService thread;
    private final JvmGcMetrics gc = new JvmGcMetrics();

    private MetricsServer(HttpServer server, ExecutorService thread) {
        this.server = server;
        this.thread = thread;
    }

    /**
     * Binds the port now, so that a port in use is reported at start.
     *
     * @throws UsageException when the address cannot be bound, naming the flag
     */
    static MetricsServer start(MetricsOptions options, List<MeterBinder> binders, HealthState health)
            throws UsageException {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        // Two of Micrometer's JVM meters break Prometheus' naming rules (promtool check metrics
        // flags them): system_cpu_count ends like a histogram's _count, process_cpu_time_ns_total
        // carries an abbreviated unit. The CPU count is kept under a clean name; the CPU time
        // is dropped, process_cpu_usage says the same.
        registry.config()
                .meterFilter(new MeterFilter() {
                    @Override
                    public Meter.Id map(Meter.Id id) {
                        return id.getName().equals("system.cpu.count") ? id.withName("system.cpu.cores") : id;
                    }
                })
                .meterFilter(MeterFilter.deny(id -> id.getName().equals("process.cpu.time")));
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(options.address(), options.port()), 16);
        } catch (IOException | IllegalArgumentException | SecurityException e) {
            throw new UsageException("--metrics-port", "cannot listen on " + options.address() + ":" + options.port()
                    + " (" + FailFastOutput.reason(e) + ")");
        }
        ExecutorService thread = Executors.newSingleThreadExecutor(runnable -> {
            Thread t = new Thread(runnable, "rd-metrics-http");
            t.setDaemon(true);
            return t;
        });
        MetricsServer metrics = new MetricsServer(server, thread);
        List.of(new JvmMemoryMetrics(), metrics.gc, new JvmThreadMetrics(), new ClassLoaderMetrics(),
                new ProcessorMetrics(), new UptimeMetrics()).forEach(binder -> binder.bindTo(registry));
        binders.forEach(binder -> binder.bindTo(registry));
        server.createContext("/metrics", exchange -> respond(exchange, 200, PROMETHEUS_TEXT, registry.scrape()));
        server.createContext("/healthz", exchange -> status(exchange, health::live));
        server.createContext("/readyz", exchange -> status(exchange, health::ready));
        server.setExecutor(thread);
        server.start();
        return metrics;
    }

    /** The bound port: the given one, or the one chosen for port 0. */
    int port() {
        return server.getAddress().getPort();
    }

    private static void status(HttpExchange exchange, BooleanSupplier ok) throws IOException {
        boolean up = ok.getAsBoolean();
        respond(exchange, up ? 200 : 503, "text/plain; charset=utf-8", up ? "ok\n" : "unavailable\n");
    }

    private static void respond(HttpExchange exchange, int status, String type, String body) throws IOException {
        try (exchange) {
            if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", type);
            boolean head = "HEAD".equals(exchange.getRequestMethod());
            exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
            if (!head) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
        thread.shutdownNow();
        gc.close();
    }
}
