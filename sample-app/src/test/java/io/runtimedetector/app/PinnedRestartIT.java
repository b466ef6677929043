package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runtimedetector.probe.BpfFs;
import io.runtimedetector.probe.KernelTestSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pinned mode end to end, the packaged app on the real kernel: the programs and their ring
 * outlive a detector, and the next one on the same pins reports what happened in between.
 * Each test pins on a private BPF filesystem and tags its processes with a variable of its
 * own prefix, so that it counts only its own. Needs root, like the kernel tests.
 */
@Timeout(600)
class PinnedRestartIT {

    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    private BpfFs bpffs;
    private Path pins;
    private String prefix;
    private final List<AppProcess> apps = new ArrayList<>();

    @BeforeEach
    void mountBpffs() throws Exception {
        KernelTestSupport.requireKernel();
        bpffs = new BpfFs();
        pins = bpffs.pins;
        prefix = "RDPIN" + ThreadLocalRandom.current().nextInt(1_000_000) + "_";
    }

    @AfterEach
    void unpinAndUnmount() throws Exception {
        apps.forEach(AppProcess::close);
        bpffs.close();
    }

    /**
     * {@code kill -9} of the detector in the middle of a storm, then a restart on the same
     * pins: every process of the storm is reported, EXEC and EXIT, at least once; what the
     * dead JVM had taken off the ring but not yet handed to its sinks comes again, and the
     * duplicates are recognisable by (pid, start, type), the Kafka key.
     */
    @Test
    void aKilledDetectorsSuccessorReportsEveryProcessAtLeastOnce() throws Exception {
        int n = 20_000;
        Path out = dir.resolve("events.jsonl");
        AppProcess first = start(out);
        Process storm = storm(n);
        awaitLines(out, 2_000, Duration.ofSeconds(60));
        first.process().destroyForcibly(); // SIGKILL: no flush, no snapshot, nothing
        assertEquals(137, first.awaitExit(Duration.ofSeconds(30)), first.transcript());
        assertEquals(0, storm.waitFor(), "the storm");

        AppProcess second = start(out);
        Map<String, Set<String>> byTag = awaitAll(out, n, Duration.ofSeconds(180));
        stop(second);

        Counts counts = counts(out);
        for (int i = 0; i < n; i++) {
            Set<String> types = byTag.getOrDefault(Integer.toString(i), Set.of());
            assertTrue(types.contains("EXEC") && types.contains("EXIT"), "process " + i + " was reported as " + types);
        }
        assertTrue(counts.distinct >= 2 * n, counts.toString());
        System.out.println("kill -9 during a storm of " + n + ": " + counts);
    }

    /**
     * A rolling upgrade: the detector stops gracefully, 5 000 processes start and end before
     * the next one runs, and two processes it followed end meanwhile. The next detector
     * reports each process of the gap once, EXEC and EXIT, the two EXITs with the image the
     * first detector reported (from the state it left), and does not report the still
     * running one a second time.
     */
    @Test
    void aGracefulRestartReportsTheGapOnceAndTheEndedFollowedProcessesWithTheirImage() throws Exception {
        int n = 5_000;
        Path out = dir.resolve("events.jsonl");
        Path state = Files.createDirectories(dir.resolve("state"));
        AppProcess first = start(out, "--state-dir", state.toString());
        List<Process> followed = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ProcessBuilder sleeper = new ProcessBuilder("/bin/sleep", "600" + i);
            sleeper.environment().put(prefix + "T", "L" + i);
            followed.add(sleeper.start());
        }
        try {
            for (int i = 0; i < 3; i++) {
                String tag = "L" + i;
                awaitEvent(out, e -> tag.equals(tagOf(e)) && "EXEC".equals(e.get("type").asText()), Duration.ofSeconds(30));
            }
            stop(first);

            followed.get(0).destroyForcibly().waitFor();
            followed.get(1).destroyForcibly().waitFor();
            assertEquals(0, storm(n).waitFor(), "the storm");

            AppProcess second = start(out, "--state-dir", state.toString());
            Map<String, Set<String>> byTag = awaitAll(out, n, Duration.ofSeconds(120));
            for (int i = 0; i < 2; i++) {
                String tag = "L" + i;
                JsonNode exit = awaitEvent(out, e -> tag.equals(tagOf(e)) && "EXIT".equals(e.get("type").asText()),
                        Duration.ofSeconds(30));
                assertEquals("[\"/bin/sleep\",\"600" + i + "\"]", exit.get("cmdLine").toString(),
                        "the image the first detector reported: " + exit);
                assertEquals(-1, exit.get("exitCode").asInt(), exit.toString());
                assertEquals(9, exit.get("signal").asInt(), exit.toString());
            }
            stop(second);

            for (int i = 0; i < n; i++) {
                assertEquals(Set.of("EXEC", "EXIT"), byTag.get(Integer.toString(i)), "process " + i);
            }
            Counts counts = counts(out);
            assertEquals(0, counts.duplicates(), "a graceful restart delivers everything once: " + counts);
            assertEquals(2 * n + 3 + 2, counts.total(), counts.toString());
            System.out.println("graceful restart with " + n + " processes in the gap: " + counts);
        } finally {
            followed.forEach(Process::destroyForcibly);
        }
    }

    /** Two readers on one ring would take each other's records: the second detector is refused, in one sentence. */
    @Test
    void aSecondDetectorOnTheSamePinsIsRefused() throws Exception {
        start(dir.resolve("first.jsonl"));
        try (AppProcess second = AppProcess.start(command(dir.resolve("second.jsonl")), dir)) {
            int status = second.awaitExit(READY_WITHIN);
            assertEquals(ExitCode.FAILED, status, second.transcript());
            List<String> said = second.stderr().stream().filter(l -> l.startsWith(Main.PROGRAM + ":")).toList();
            assertEquals(1, said.size(), second.transcript());
            assertTrue(said.get(0).contains("another detector already reads the pinned programs in " + pins),
                    second.transcript());
            assertTrue(second.stderr().stream().noneMatch(l -> l.contains("Exception") || l.startsWith("\tat ")),
                    second.transcript());
        }
    }

    private AppProcess start(Path out, String... more) throws Exception {
        AppProcess app = AppProcess.start(command(out, more), dir);
        apps.add(app);
        app.awaitStderr(line -> line.contains("detector ready"), READY_WITHIN);
        return app;
    }

    private List<String> command(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("--pin-dir", pins.toString(), "--min-duration", "0",
                "--env-prefix", prefix, "--env", prefix + "T", "--format", "json", "--output", out.toString(),
                "--containers", "off"));
        args.addAll(List.of(more));
        return AppProcess.javaJar(AppProcess.jar(), args.toArray(String[]::new));
    }

    private String tagOf(JsonNode event) {
        return event.path("envs").path(prefix + "T").asText(null);
    }

    private static JsonNode awaitEvent(Path out, java.util.function.Predicate<JsonNode> match, Duration limit)
            throws Exception {
        long deadline = System.nanoTime() + KernelTestSupport.patience(limit).toNanos();
        while (true) {
            for (JsonNode e : events(out)) {
                if (match.test(e)) {
                    return e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no such event within " + limit + " in " + out);
            }
            Thread.sleep(100);
        }
    }

    private static void stop(AppProcess app) throws InterruptedException {
        assertTrue(app.process().toHandle().destroy(), "SIGTERM");
        assertEquals(0, app.awaitExit(Duration.ofSeconds(60)), app.transcript());
    }

    /** {@code n} short processes, one after the other, each tagged {@code <prefix>T=<i>}. */
    private Process storm(int n) throws IOException {
        String script = "i=0; while [ $i -lt " + n + " ]; do " + prefix + "T=$i /bin/true; i=$((i+1)); done";
        return new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    private static void awaitLines(Path out, int lines, Duration limit) throws Exception {
        long deadline = System.nanoTime() + KernelTestSupport.patience(limit).toNanos();
        while (lineCount(out) < lines) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + lines + " events in " + out + " within " + limit);
            }
            Thread.sleep(20);
        }
    }

    private static long lineCount(Path out) throws IOException {
        if (!Files.exists(out)) {
            return 0;
        }
        try (var lines = Files.lines(out, StandardCharsets.UTF_8)) {
            return lines.count();
        }
    }

    /** Waits until every tag 0..n-1 has an EXEC and an EXIT in {@code out}; returns the types seen per tag (all tags). */
    private Map<String, Set<String>> awaitAll(Path out, int n, Duration limit) throws Exception {
        long deadline = System.nanoTime() + KernelTestSupport.patience(limit).toNanos();
        while (true) {
            Map<String, Set<String>> byTag = new HashMap<>();
            List<JsonNode> events = events(out);
            Map<String, String> tags = tagsByIdentity(events);
            for (JsonNode e : events) {
                String tag = tags.get(identity(e));
                if (tag != null) {
                    byTag.computeIfAbsent(tag, t -> new TreeSet<>()).add(e.get("type").asText());
                }
            }
            long complete = java.util.stream.IntStream.range(0, n).mapToObj(Integer::toString)
                    .map(tag -> byTag.getOrDefault(tag, Set.of()))
                    .filter(t -> t.contains("EXEC") && t.contains("EXIT")).count();
            if (complete >= n || System.nanoTime() > deadline) {
                return byTag;
            }
            Thread.sleep(500);
        }
    }

    /**
     * The events in {@code out}, in order; a line the killed JVM left half-written is skipped
     * (its event comes again, from the successor).
     */
    private static List<JsonNode> events(Path out) throws IOException {
        List<JsonNode> events = new ArrayList<>();
        for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
            try {
                events.add(JSON.readTree(line));
            } catch (IOException torn) {
                // the last line of a killed writer
            }
        }
        return events;
    }

    private Counts counts(Path out) throws IOException {
        List<JsonNode> events = events(out);
        Map<String, String> tags = tagsByIdentity(events);
        Map<String, Integer> byKey = new HashMap<>();
        for (JsonNode e : events) {
            if (tags.containsKey(identity(e))) {
                // The Kafka key and the type: what a consumer drops repeats by.
                byKey.merge(identity(e) + "/" + e.get("type").asText(), 1, Integer::sum);
            }
        }
        int total = byKey.values().stream().mapToInt(Integer::intValue).sum();
        return new Counts(total, byKey.size(), total - byKey.size());
    }

    /**
     * This test's processes, (pid, startBootTimeNs) to tag: from the events that carry the
     * tag, so that an EXIT without its image (its EXEC went with a killed detector) is this
     * test's too.
     */
    private Map<String, String> tagsByIdentity(List<JsonNode> events) {
        Map<String, String> tags = new HashMap<>();
        for (JsonNode e : events) {
            String tag = tagOf(e);
            if (tag != null) {
                tags.put(identity(e), tag);
            }
        }
        return tags;
    }

    private static String identity(JsonNode event) {
        return event.get("pid").asText() + "/" + event.get("startBootTimeNs").asText();
    }

    /** Events of this test's processes: all of them, distinct by (pid, startBootTimeNs, type), and the repeats. */
    private record Counts(int total, int distinct, int duplicates) {
    }
}
