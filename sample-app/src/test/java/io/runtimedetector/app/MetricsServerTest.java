package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.runtimedetector.micrometer.DetectorMeterBinder;
import io.runtimedetector.DetectorMetrics;
import io.runtimedetector.sink.SinkCounters;
import io.runtimedetector.sink.SinkStats;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The metrics and health endpoints over real HTTP, with the health states driven by hand. */
class MetricsServerTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static HttpResponse<String> get(int port, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void healthAndReadinessFollowTheDetectorsState() throws Exception {
        HealthState health = new HealthState();
        try (MetricsServer server = MetricsServer.start(new MetricsOptions("127.0.0.1", 0), List.of(), health)) {
            int port = server.port();
            assertEquals(503, get(port, "/healthz").statusCode(), "not attached yet");
            assertEquals(503, get(port, "/readyz").statusCode());
            health.attached();
            assertEquals(200, get(port, "/healthz").statusCode(), "attached");
            assertEquals(503, get(port, "/readyz").statusCode(), "attached, not scanned");
            health.scanned();
            assertEquals(200, get(port, "/readyz").statusCode(), "attached and scanned");
            health.ended();
            assertEquals(503, get(port, "/healthz").statusCode(), "the detector ended (reader gone)");
            assertEquals(503, get(port, "/readyz").statusCode());
            assertEquals(404, get(port, "/nothing").statusCode());
        }
    }

    @Test
    void metricsAreThePrometheusTextOfTheDetectorAndTheJvm() throws Exception {
        DetectorMetrics metrics = new DetectorMetrics(Map.of(), Map.of(io.runtimedetector.event.EventType.EXEC, 42L),
                Map.of(), 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, io.runtimedetector.ProcReadMetrics.NONE, 0,
                new io.runtimedetector.ReaderQueueMetrics(65536, 0, 0, 0), "bpf-loop", 0, 0, null, null);
        SinkStats sinks = new SinkStats(List.of(new SinkCounters("stdout", 42, 0, 0, 0, false)));
        try (MetricsServer server = MetricsServer.start(new MetricsOptions("127.0.0.1", 0),
                List.of(new DetectorMeterBinder(() -> metrics, () -> sinks)), new HealthState())) {
            HttpResponse<String> scrape = get(server.port(), "/metrics");
            assertEquals(200, scrape.statusCode());
            assertEquals(MetricsServer.PROMETHEUS_TEXT, scrape.headers().firstValue("Content-Type").orElse(""));
            String text = scrape.body();
            assertTrue(text.contains("runtime_detector_events_total{type=\"exec\"} 42.0"), text);
            assertTrue(text.contains("runtime_detector_sink_delivered_total{sink=\"stdout\"} 42.0"), text);
            assertTrue(text.contains("runtime_detector_processes_followed 3.0"), text);
            assertTrue(text.contains("jvm_memory_used_bytes"), text);
        }
    }

    @Test
    void aPortInUseIsRefusedNamingTheFlag() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            UsageException e = assertThrows(UsageException.class, () -> MetricsServer.start(
                    new MetricsOptions("127.0.0.1", taken.getLocalPort()), List.of(), new HealthState()));
            assertTrue(e.getMessage().startsWith("--metrics-port: cannot listen on 127.0.0.1:" + taken.getLocalPort()),
                    e.getMessage());
        }
    }
}
