package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runtimedetector.probe.KernelTestSupport;
import io.runtimedetector.sink.kafka.KafkaBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged jar in the roles a cluster gives it: a filter whose reader goes away, a
 * scrape target with health probes, a Kafka producer. Real kernel, real HTTP, real broker.
 */
@Timeout(240)
class FleetIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final Duration WITHIN = Duration.ofSeconds(20);

    @TempDir
    Path dir;

    @BeforeAll
    static void needsTheKernel() {
        KernelTestSupport.requireKernel();
    }

    @Test
    void whenStdoutsReaderGoesAwayTheAppSaysSoAndExitsByItself() throws Exception {
        // Every running process is reported at start, so head gets its line at once and exits.
        Path stderr = dir.resolve("stderr");
        String pipeline = "'" + AppProcess.java() + "' -jar '" + AppProcess.jar() + "' --format json --min-duration 0"
                + " 2>'" + stderr + "' | head -1; echo \"app-status=${PIPESTATUS[0]}\"";
        Process shell = new ProcessBuilder("/bin/bash", "-c", pipeline).redirectErrorStream(true).start();
        long started = System.nanoTime();
        boolean ended = shell.waitFor(60, TimeUnit.SECONDS);
        String out = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String log = Files.exists(stderr) ? Files.readString(stderr) : "";
        if (!ended) {
            shell.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
            shell.destroyForcibly();
        }
        assertTrue(ended, "the app kept running after head exited\n" + out + "\n" + log);
        String[] lines = out.split("\n");
        assertEquals(2, lines.length, out);
        assertTrue(JSON.readTree(lines[0]).has("type"), "head's one JSON line: " + lines[0]);
        assertEquals("app-status=" + ExitCode.OUTPUT_FAILED, lines[1], log);
        assertEquals(1, count(log, "cannot write events to stdout"), "one line saying so:\n" + log);
        Matcher notWritten = Pattern.compile("events could not be written to stdout \\(.*\\); (\\d+) event\\(s\\) not written")
                .matcher(log);
        assertTrue(notWritten.find(), log);
        assertTrue(Long.parseLong(notWritten.group(1)) >= 1, log);
        System.out.printf("EPIPE: the app exited %d ms after start%n", (System.nanoTime() - started) / 1_000_000);
    }

    @Test
    void anOutputFileThatCannotBeWrittenStopsTheApp() throws Exception {
        // /dev/full opens fine and fails every write with ENOSPC, as a full disk does.
        try (AppProcess app = AppProcess.start(AppProcess.javaJar(AppProcess.jar(),
                "--format", "json", "--min-duration", "0", "--output", "/dev/full"), dir)) {
            assertEquals(ExitCode.OUTPUT_FAILED, app.awaitExit(READY_WITHIN), app.transcript());
            String log = String.join("\n", app.stderr());
            assertEquals(1, count(log, "cannot write events to --output /dev/full"), log);
            assertTrue(log.contains("events could not be written to --output /dev/full"), log);
        }
    }

    @Test
    void metricsAndHealthOverHttpMatchWhatTheSinkWrote() throws Exception {
        int port = freePort();
        String id = "metrics-" + UUID.randomUUID();
        try (AppProcess app = AppProcess.start(AppProcess.javaJar(AppProcess.jar(),
                "--format", "json", "--env-prefix", "RDFLEET_", "--env", "RDFLEET_ID", "--min-duration", "0",
                "--metrics-port", String.valueOf(port), "--metrics-address", "127.0.0.1"), dir)) {
            app.awaitStderr(line -> line.contains("detector ready"), READY_WITHIN);
            assertEquals(200, get(port, "/healthz").statusCode());
            assertEquals(200, get(port, "/readyz").statusCode());

            int shells = 5;
            for (int i = 0; i < shells; i++) {
                runTagged("RDFLEET_ID", id, "/bin/true; exit 0");
            }
            // Each shell and its child exit: wait for all those EXIT lines.
            app.awaitStdout(line -> app.stdout().stream().filter(l -> l.contains("\"type\":\"EXIT\"")).count() >= 2L * shells,
                    WITHIN);
            String scrape = awaitScrape(port, app);
            long written = app.stdout().size();
            assertEquals(written, value(scrape, "runtime_detector_sink_delivered_total{sink=\"stdout\"}"), scrape);
            long exits = app.stdout().stream().filter(l -> l.contains("\"type\":\"EXIT\"")).count();
            long execs = app.stdout().stream().filter(l -> l.contains("\"type\":\"EXEC\"")).count();
            long forks = app.stdout().stream().filter(l -> l.contains("\"type\":\"FORK\"")).count();
            assertEquals(exits, value(scrape, "runtime_detector_events_total{type=\"exit\"}"), scrape);
            assertEquals(execs, value(scrape, "runtime_detector_events_total{type=\"exec\"}"), scrape);
            assertEquals(forks, value(scrape, "runtime_detector_events_total{type=\"fork\"}"), scrape);
            assertEquals(0, value(scrape, "runtime_detector_sink_dropped_total{sink=\"stdout\"}"), scrape);
            // Every EXIT came from the kernel (EXECs may also come from the /proc scan at start).
            assertTrue(value(scrape, "runtime_detector_raw_events_total{type=\"exit\"}") >= exits, scrape);
            assertTrue(scrape.contains("jvm_memory_used_bytes"), "JVM metrics too");
            promtoolAccepts(scrape);

            assertTrue(app.process().toHandle().destroy());
            assertEquals(0, app.awaitExit(WITHIN), app.transcript());
        }
    }

    @Test
    void eventsGoToKafkaBesideStdoutAndAreFlushedOnSigterm() throws Exception {
        try (KafkaBroker broker = KafkaBroker.start()) {
            String topic = "app-events";
            broker.createTopic(topic, 3);
            String id = "kafka-" + UUID.randomUUID();
            List<String> stdout;
            try (AppProcess app = AppProcess.start(AppProcess.javaJar(AppProcess.jar(),
                    "--format=json", "--env-prefix=RDFLEET_", "--env=RDFLEET_ID", "--min-duration=0",
                    "--kafka-bootstrap=" + broker.bootstrap(), "--kafka-topic", topic, "--node-name=node-it",
                    "--kafka-property", "linger.ms=20", "--kafka-property=compression.type=gzip"), dir)) {
                app.awaitStderr(line -> line.contains("detector ready"), READY_WITHIN);
                for (int i = 0; i < 5; i++) {
                    runTagged("RDFLEET_ID", id, "/bin/true; exit 0");
                }
                app.awaitStdout(line -> app.stdout().stream().filter(l -> l.contains("\"type\":\"EXIT\"")).count() >= 10,
                        WITHIN);
                // SIGTERM straight away: whatever the producer still holds is flushed on the way out.
                assertTrue(app.process().toHandle().destroy());
                assertEquals(0, app.awaitExit(WITHIN), app.transcript());
                stdout = app.stdout();
            }
            List<ConsumerRecord<String, String>> records = broker.read(topic, stdout.size(), WITHIN);
            Set<String> inKafka = new HashSet<>();
            for (ConsumerRecord<String, String> r : records) {
                JsonNode value = JSON.readTree(r.value());
                assertEquals("node-it", value.get("node").asText(), r.value());
                assertTrue(r.key().startsWith("node-it/" + value.get("pid").asInt() + "/"), r.key());
                inKafka.add(r.value().replace("{\"node\":\"node-it\",", "{"));
            }
            for (String line : stdout) {
                assertTrue(inKafka.contains(line), "in Kafka too: " + line);
            }
        }
    }

    private static void runTagged(String key, String value, String script) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", script);
        builder.environment().put(key, value);
        Process shell = builder.start();
        assertTrue(shell.waitFor(10, TimeUnit.SECONDS));
    }

    /** Scrapes until the stdout counter has caught up with the lines read, which the reader thread may trail. */
    private static String awaitScrape(int port, AppProcess app) throws Exception {
        long deadline = System.nanoTime() + WITHIN.toNanos();
        while (true) {
            String scrape = get(port, "/metrics").body();
            if (value(scrape, "runtime_detector_sink_delivered_total{sink=\"stdout\"}") == app.stdout().size()
                    || System.nanoTime() > deadline) {
                return scrape;
            }
            Thread.sleep(100);
        }
    }

    private static void promtoolAccepts(String scrape) throws Exception {
        Path promtool = Path.of("/usr/bin/promtool");
        if (!Files.isExecutable(promtool)) {
            String why = "promtool is not installed (Debian package prometheus; scripts/install-deps.sh installs it)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                throw new AssertionError(why);
            }
            Assumptions.abort(why);
        }
        Process check = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectErrorStream(true).start();
        check.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
        check.getOutputStream().close();
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, check.exitValue(), "promtool check metrics:\n" + said);
        assertEquals("", said.strip(), "promtool's findings");
    }

    private static long value(String scrape, String series) {
        for (String line : scrape.split("\n")) {
            if (line.startsWith(series + " ")) {
                return (long) Double.parseDouble(line.substring(series.length() + 1).strip());
            }
        }
        throw new AssertionError(series + " not in the scrape:\n" + scrape);
    }

    private static long count(String text, String what) {
        return text.lines().filter(l -> l.contains(what)).count();
    }

    private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
