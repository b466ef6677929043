package io.runtimedetector.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.runtimedetector.probe.BpfPrograms;
import io.runtimedetector.probe.KernelTestSupport;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Go library's own try-it path, short of the cluster: build the image here, run it
 * exactly as the chart's DaemonSet says ({@link PodmanRun}), start "services" in other
 * containers, some with the prefix variable and some without, and read the detector's log
 * as {@code kubectl logs} would. Needs root and a kernel with BTF, like the kernel tests.
 */
@Timeout(600)
class ImageIT {

    private static final String NAME_PREFIX = "rd-it-";
    private static final String DETECTOR = NAME_PREFIX + "detector";
    private static final String NODE = "rd-test-node";
    private static final Duration PODMAN = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The chart with what this test's services carry: the Go library's prefix and key. */
    private static final Map<String, String> VALUES = Map.of("envPrefix", "ODIGOS_", "envKeys[0]", "ODIGOS_POD_NAME");

    private static PodmanRun run;
    /** Where the DaemonSet's pinned mode keeps the programs between two detectors. */
    private static NodeBpffs bpffs;

    @BeforeAll
    static void buildImage() throws Exception {
        KernelTestSupport.requireKernel();
        if (!Podman.installed()) {
            String why = "podman is not installed (scripts/install-deps.sh installs it)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why);
            }
            Assumptions.abort(why);
        }
        removeContainers();
        Images.buildDetector();
        Images.importBusybox();
        bpffs = new NodeBpffs();
        run = bpffs.on(PodmanRun.of(Chart.daemonSet(Chart.render(VALUES)), NODE));
    }

    @AfterEach
    void removeEachTestsContainers() throws IOException {
        removeContainers();
        bpffs.unpin();
    }

    @AfterAll
    static void cleanUp() throws IOException, InterruptedException {
        removeContainers();
        Images.removeBusybox();
        Podman.removeCgroupParent();
        if (bpffs != null) {
            bpffs.close();
        }
    }

    @Test
    void servicesAreReportedAsTheDaemonSetRunsIt() throws Exception {
        int port = Ports.free();
        Podman.check(PODMAN, run.command(DETECTOR, Podman.hostFlags(), Map.of("metrics", port), List.of()));
        ContainerLog log = new ContainerLog(DETECTOR);
        log.awaitLine(line -> line.contains("detector ready"), Duration.ofSeconds(60));
        int detectorPid = Integer.parseInt(Podman.check(PODMAN, "inspect", "--format={{.State.Pid}}", DETECTOR));
        Set<Integer> programs = BpfPrograms.heldBy(detectorPid);
        assertFalse(programs.isEmpty(), "the detector holds its eBPF programs");

        // The kubelet's probes, on the port and paths the manifest names.
        assertEquals(200, Probes.httpGet(run.readiness(), port).statusCode(), "readinessProbe");
        assertEquals(200, Probes.httpGet(run.liveness(), port).statusCode(), "livenessProbe");
        HttpResponse<String> metrics = Probes.get(port, "/metrics");
        assertEquals(200, metrics.statusCode(), "/metrics");
        assertTrue(metrics.body().contains("runtime_detector_"), "the detector's own metrics are served");

        // Services: long-lived and short-lived with the variable, and one without.
        List<String> longCmd = List.of("/bin/busybox", "sleep", "3600");
        List<String> shortCmd = List.of("/bin/busybox", "sh", "-c", "sleep 2; exit 3");
        List<String> plainCmd = List.of("/bin/busybox", "sleep", "3601");
        int longPid = Images.service(NAME_PREFIX + "svc-long", "svc-long", longCmd);
        int shortPid = Images.service(NAME_PREFIX + "svc-short", "svc-short", shortCmd);
        int plainPid = Images.service(NAME_PREFIX + "svc-plain", null, plainCmd);

        JsonNode longExec = log.awaitEvent(e -> isEvent(e, "EXEC", longPid), Duration.ofSeconds(30));
        assertService(longExec, longPid, longCmd, "svc-long");
        JsonNode shortExec = log.awaitEvent(e -> isEvent(e, "EXEC", shortPid), Duration.ofSeconds(30));
        assertService(shortExec, shortPid, shortCmd, "svc-short");
        JsonNode shortExit = log.awaitEvent(e -> isEvent(e, "EXIT", shortPid), Duration.ofSeconds(30));
        assertEquals(3, shortExit.get("exitCode").asInt(), shortExit.toString());
        assertEquals("3", Podman.check(PODMAN, "wait", NAME_PREFIX + "svc-short"), "the service's own status");

        // The plain service started before the short one ended, more than the minimum duration
        // ago: had it passed the filter, it would have been reported by now.
        Optional<JsonNode> plain = log.events().stream()
                .filter(e -> e.get("pid").asInt() == plainPid || e.get("cmdLine").toString().contains("3601"))
                .findFirst();
        assertFalse(plain.isPresent(), () -> "a service without the variable was reported: " + plain.get());

        // kubectl delete pod: SIGTERM, then the grace period.
        long start = System.nanoTime();
        Podman.check(Duration.ofSeconds(run.graceSeconds() + 30), "stop", "--time=" + run.graceSeconds(), DETECTOR);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertTrue(took.toSeconds() < run.graceSeconds(), "stopped within the grace period, took " + took);
        assertEquals("0", Podman.check(PODMAN, "inspect", "--format={{.State.ExitCode}}", DETECTOR),
                () -> "exit status on SIGTERM\n" + log.text());
        assertTrue(log.text().contains("final stats"), "the final counters are logged");
        // Pinned mode: the programs stay attached without their process, and keep recording.
        assertEquals(programs, BpfPrograms.stillLoaded(programs), "the pinned programs outlive the detector");

        // A rolling upgrade's gap: a followed service ends, another starts and ends, while no
        // detector runs ...
        Podman.check(PODMAN, "rm", "--force", "--time=0", NAME_PREFIX + "svc-long");
        List<String> gapCmd = List.of("/bin/busybox", "sh", "-c", "sleep 2; exit 4");
        int gapPid = Images.service(NAME_PREFIX + "svc-gap", "svc-gap", gapCmd);
        assertEquals("4", Podman.check(PODMAN, "wait", NAME_PREFIX + "svc-gap"));
        // ... and the next detector on the node reports it, from the ring the programs kept filling.
        String next = DETECTOR + "-next";
        Podman.check(PODMAN, run.command(next, Podman.hostFlags(), Map.of("metrics", Ports.free()), List.of()));
        ContainerLog nextLog = new ContainerLog(next);
        JsonNode gapExec = nextLog.awaitEvent(e -> isEvent(e, "EXEC", gapPid), Duration.ofSeconds(60));
        assertService(gapExec, gapPid, gapCmd, "svc-gap");
        JsonNode gapExit = nextLog.awaitEvent(e -> isEvent(e, "EXIT", gapPid), Duration.ofSeconds(30));
        assertEquals(4, gapExit.get("exitCode").asInt(), gapExit.toString());
        // The followed one's EXIT carries the image the first detector reported, from the state
        // its graceful stop left in the node's state directory.
        JsonNode longExit = nextLog.awaitEvent(e -> isEvent(e, "EXIT", longPid), Duration.ofSeconds(30));
        assertService(longExit, longPid, longCmd, "svc-long");
        Podman.check(Duration.ofSeconds(run.graceSeconds() + 30), "stop", "--time=" + run.graceSeconds(), next);

        // Uninstall (pinning.uninstall's init container): the same container with --unpin.
        String unpin = NAME_PREFIX + "unpin";
        Podman.check(PODMAN, run.command(unpin, Podman.hostFlags(), Map.of("metrics", Ports.free()), List.of("--unpin")));
        assertEquals("0", Podman.check(PODMAN, "wait", unpin), () -> new ContainerLog(unpin).text());
        assertTrue(new ContainerLog(unpin).text().contains("removed the pinned programs and maps"),
                new ContainerLog(unpin).text());
        BpfPrograms.awaitUnloaded(programs, "after --unpin");
    }

    @Test
    void withoutACapabilityItSaysWhyInOneSentenceAndExits77() throws Exception {
        for (String capability : List.of("BPF", "PERFMON")) {
            String log = refusal(run.without(capability), "no-" + capability.toLowerCase());
            assertTrue(log.contains("CAP_BPF") && log.contains("CAP_PERFMON"), log);
        }
    }

    /** A node whose kernel has no BTF: the DaemonSet's /sys/kernel/btf mount is empty there. */
    @Test
    void onANodeWithoutBtfItSaysWhyInOneSentenceAndExits77() throws Exception {
        Path empty = java.nio.file.Files.createTempDirectory(NAME_PREFIX + "no-btf");
        try {
            String log = refusal(run.withHostPath("/sys/kernel/btf", empty), "no-btf");
            assertTrue(log.contains("CONFIG_DEBUG_INFO_BTF"), log);
        } finally {
            java.nio.file.Files.delete(empty);
        }
    }

    /**
     * Runs a container that must refuse to start: status 77 and, as kubectl logs of the
     * crash-looping pod shows it, one sentence (beside the metrics port's log line), no
     * stack trace. Returns that sentence.
     */
    private static String refusal(PodmanRun refused, String suffix) throws Exception {
        String name = NAME_PREFIX + suffix;
        Podman.check(PODMAN, refused.command(name, Podman.hostFlags(), Map.of("metrics", Ports.free()), List.of()));
        assertEquals("77", Podman.check(PODMAN, "wait", name), () -> new ContainerLog(name).text());
        ContainerLog log = new ContainerLog(name);
        List<String> sentences = log.lines().stream()
                .filter(l -> !l.isBlank() && !l.matches("^\\d{4}-\\d\\d-\\d\\dT.*")).toList();
        assertEquals(1, sentences.size(), () -> "one sentence in " + name + ":\n" + log.text());
        assertFalse(log.text().contains("Exception") || log.text().contains("\tat "), log.text());
        return sentences.get(0);
    }

    /**
     * The class-data-sharing archive that {@code make image} trains is the one the image's
     * JVM maps: {@code -Xshare:on} refuses to start when it does not match the JVM or the jar
     * (a jar whose modification time the layer rounded, say), where the default would only
     * run slower, unnoticed.
     */
    @Test
    void theImagesJvmMapsItsClassDataSharingArchive() throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--rm", "--network=none", "--entrypoint=java"));
        args.addAll(Podman.hostFlags());
        args.addAll(List.of(run.image(), "@/opt/runtime-detector/jvm.options", "-Xshare:on", "-Xlog:class+load=info",
                "-jar", "/opt/runtime-detector/runtime-detector.jar", "--version"));
        Podman.Result version = Podman.run(PODMAN, args);
        assertEquals(0, version.status(), version::describe);
        assertTrue(version.output().lines().anyMatch(l -> l.startsWith("runtime-detector ")), version.output());
        // "(top)": the application archive, layered on the JDK's own.
        assertTrue(version.output().contains("source: shared objects file (top)"),
                "the app's classes come from the application archive the training run made");
    }

    /**
     * The archive {@code make image} leaves is what {@code ctr images import} (and so
     * {@code kind load image-archive} and {@code k3s ctr images import}) takes, under the very
     * name the chart's DaemonSet asks for, and the image runs under containerd's runc.
     */
    @Test
    void theArchiveLoadsIntoContainerdUnderTheChartsImageName() throws Exception {
        if (!PrivateContainerd.installed()) {
            String why = "containerd is not installed (scripts/install-deps.sh installs it)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(why);
            }
            Assumptions.abort(why);
        }
        Path archive = repoRoot().resolve("deploy/target/runtime-detector-image.tar");
        try (PrivateContainerd containerd = PrivateContainerd.start(java.nio.file.Files.createTempDirectory(NAME_PREFIX))) {
            containerd.check("images", "import", archive.toString());
            List<String> images = containerd.check("images", "ls", "-q").lines().toList();
            assertTrue(images.contains(run.image()), "containerd has " + images + ", the DaemonSet asks for " + run.image());
            String version = containerd.check("run", "--rm", "--cgroup", Podman.cgroupParent() + "/" + NAME_PREFIX + "ctr",
                    run.image(), NAME_PREFIX + "ctr", "java", "-jar", "/opt/runtime-detector/runtime-detector.jar", "--version");
            assertTrue(version.startsWith("runtime-detector "), version);
        }
    }

    /** The same archive, as {@code podman load} (and {@code docker load}) take it, into a store of its own. */
    @Test
    void theArchiveLoadsIntoAnotherImageStoreUnderTheChartsImageName() throws Exception {
        Path archive = repoRoot().resolve("deploy/target/runtime-detector-image.tar");
        Path store = java.nio.file.Files.createTempDirectory(NAME_PREFIX + "store");
        try {
            List<String> other = List.of("--root=" + store.resolve("root"), "--runroot=" + store.resolve("run"),
                    "--storage-driver=vfs");
            List<String> load = new ArrayList<>(other);
            load.addAll(List.of("load", "--quiet", "--input=" + archive));
            Podman.check(PODMAN, load);
            List<String> list = new ArrayList<>(other);
            list.addAll(List.of("images", "--format={{.Repository}}:{{.Tag}}"));
            assertEquals(List.of(run.image()), Podman.check(PODMAN, list).lines().toList());
        } finally {
            new ProcessBuilder("rm", "-rf", store.toString()).start().waitFor();
        }
    }

    private static boolean isEvent(JsonNode event, String type, int pid) {
        return type.equals(event.get("type").asText()) && event.get("pid").asInt() == pid;
    }

    /** An EXEC of a service: the node's pid, its pid in its own container, exe, argv and the requested value. */
    private static void assertService(JsonNode exec, int hostPid, List<String> cmd, String podName) {
        assertEquals(hostPid, exec.get("pid").asInt(), exec.toString());
        assertEquals(1, exec.get("containerPid").asInt(), "PID 1 of its container: " + exec);
        assertEquals("/bin/busybox", exec.get("exePath").asText(), exec.toString());
        List<String> argv = new ArrayList<>();
        exec.get("cmdLine").forEach(a -> argv.add(a.asText()));
        assertEquals(cmd, argv, exec.toString());
        assertEquals(podName, exec.path("envs").path("ODIGOS_POD_NAME").asText(), exec.toString());
    }

    private static void removeContainers() throws IOException {
        String names = Podman.check(PODMAN, "ps", "--all", "--format={{.Names}}", "--filter=name=^" + NAME_PREFIX);
        for (String name : names.lines().filter(n -> !n.isBlank()).toList()) {
            Podman.check(PODMAN, "rm", "--force", "--time=2", name);
        }
    }

    /** A container's log as {@code kubectl logs} shows it: stdout and stderr, line by line. */
    record ContainerLog(String container) {

        String text() {
            try {
                return Podman.check(PODMAN, "logs", container);
            } catch (IOException e) {
                return "(no log: " + e.getMessage() + ")";
            }
        }

        List<String> lines() {
            return text().lines().toList();
        }

        /** The JSON Lines events so far. */
        List<JsonNode> events() {
            List<JsonNode> events = new ArrayList<>();
            for (String line : lines()) {
                if (line.startsWith("{")) {
                    try {
                        events.add(JSON.readTree(line));
                    } catch (IOException e) {
                        throw new AssertionError("not a JSON event line: " + line, e);
                    }
                }
            }
            return events;
        }

        void awaitLine(Predicate<String> match, Duration limit) throws InterruptedException {
            await(() -> lines().stream().anyMatch(match) ? Optional.of(true) : Optional.empty(), limit, "a log line");
        }

        JsonNode awaitEvent(Predicate<JsonNode> match, Duration limit) throws InterruptedException {
            return await(() -> events().stream().filter(match).findFirst(), limit, "an event");
        }

        private <T> T await(java.util.function.Supplier<Optional<T>> probe, Duration limit, String what)
                throws InterruptedException {
            long deadline = System.nanoTime() + KernelTestSupport.patience(limit).toNanos();
            while (true) {
                Optional<T> found = probe.get();
                if (found.isPresent()) {
                    return found.get();
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("no " + what + " within " + limit + " in the log of " + container + ":\n" + text());
                }
                Thread.sleep(200);
            }
        }
    }

    /** HTTP as the kubelet's httpGet probes do it, against the port published on loopback. */
    static final class Probes {
        private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

        static HttpResponse<String> httpGet(Map<String, Object> probe, int hostPort) throws Exception {
            Map<String, Object> httpGet = PodmanRun.map(probe, "httpGet");
            assertEquals("metrics", httpGet.get("port"), "the probe uses the metrics port");
            return get(hostPort, (String) httpGet.get("path"));
        }

        static HttpResponse<String> get(int port, String path) throws Exception {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(3)).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        }
    }

    static Path repoRoot() {
        return Path.of(System.getProperty("repo.root", "..")).toAbsolutePath().normalize();
    }
}
