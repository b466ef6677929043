package io.runtimedetector.deploy;

import static io.runtimedetector.deploy.Chart.cast;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The Helm chart through Helm's own code (lint, template), and the plain manifest generated from it. */
class ChartTest {

    /** Values a user of Odigos-style env prefixes and Kafka would set; every kind of value is in it. */
    private static final Map<String, String> TEST_VALUES = testValues();

    private static Map<String, String> testValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("envPrefix", "ODIGOS_");
        values.put("envKeys[0]", "ODIGOS_POD_NAME");
        values.put("minDuration", "0"); // an int once --set parses it: must still be rendered
        values.put("excludeExecutables[0]", "/usr/bin/sleep");
        values.put("openTriggers[0]", "/etc/passwd");
        values.put("openTriggers[1]", "/etc/shadow");
        values.put("extraArgs[0]", "--log-level=debug");
        values.put("extraJavaOptions", "-Xmx200m -XX:+UseSerialGC -Dsome.list=a,b"); // a comma stays in the value
        values.put("kafka.bootstrap", "kafka-0.kafka:9092");
        values.put("kafka.properties.security\\.protocol", "SSL");
        values.put("kafka.properties.compression\\.type", "zstd");
        values.put("nodeSelector.kubernetes\\.io/os", "linux");
        values.put("resources.requests.cpu", "100m");
        values.put("resources.limits.memory", "1Gi");
        values.put("oldKernelMemlock", "true");
        return values;
    }

    @Test
    void lintFindsNothingToReport() {
        LintResult lint = new Helm(Chart.directory()).lint().strict().call();
        // The only message Helm has for this chart is "[INFO] Chart.yaml: icon is recommended":
        // there is no icon to point at.
        List<String> problems = lint.getMessages().stream().filter(m -> !m.startsWith("[INFO]")).toList();
        assertFalse(lint.isFailed(), () -> "helm lint failed: " + lint.getMessages());
        assertEquals(List.of(), problems, "helm lint");
    }

    @Test
    void checkedInManifestIsTheDefaultRender() throws IOException {
        Path file = ManifestRender.file();
        List<String> expected = ManifestRender.manifest().lines().toList();
        List<String> actual = Files.readString(file).lines().toList();
        for (int i = 0; i < Math.max(expected.size(), actual.size()); i++) {
            String want = i < expected.size() ? expected.get(i) : "<end of file>";
            String have = i < actual.size() ? actual.get(i) : "<end of file>";
            if (!want.equals(have)) {
                fail(file + " is not the chart's default render; first difference at line " + (i + 1) + ":\n"
                        + "  file:   " + have + "\n"
                        + "  render: " + want + "\n"
                        + "Regenerate it from the repository's root with: " + ManifestRender.REGENERATE);
            }
        }
        // Lines are equal: only line endings or a final newline can differ.
        assertEquals(ManifestRender.manifest(), Files.readString(file),
                file + " differs in line endings; regenerate it with: " + ManifestRender.REGENERATE);
    }

    @Test
    void defaultRenderIsTodaysDaemonSet() {
        Map<String, Object> daemonSet = Chart.daemonSet(Chart.render(Map.of()));
        Map<String, Object> metadata = cast(daemonSet.get("metadata"));
        assertEquals("runtime-detector", metadata.get("name"));
        assertEquals("runtime-detector", metadata.get("namespace"));
        Map<String, Object> spec = cast(daemonSet.get("spec"));
        assertEquals(Map.of("matchLabels", Map.of(
                        "app.kubernetes.io/name", "runtime-detector",
                        "app.kubernetes.io/instance", "runtime-detector")),
                spec.get("selector"));

        Map<String, Object> pod = podSpec(daemonSet);
        assertEquals(false, pod.get("hostPID"));
        assertEquals(false, pod.get("automountServiceAccountToken"));
        assertEquals(List.of(Map.of("operator", "Exists")), pod.get("tolerations"));
        assertEquals(30, pod.get("terminationGracePeriodSeconds"));
        assertNull(pod.get("nodeSelector"));
        assertNull(pod.get("priorityClassName"));

        Map<String, Object> container = Chart.container(daemonSet);
        assertEquals("localhost/runtime-detector:dev", container.get("image"));
        assertEquals(List.of("--format=json", "--min-duration=1s", "--stats-interval=5m"), container.get("args"));
        assertEquals(Map.of("HOST_PROCFS", "/host/proc", "RD_METRICS_PORT", "9400", "NODE_NAME", "<spec.nodeName>",
                        "RD_PIN_DIR", "/sys/fs/bpf/runtime-detector", "RD_READER_TIMEOUT", "10m",
                        "RD_STATE_DIR", "/var/lib/runtime-detector"),
                env(container));
        // Pinned mode: the node's BPF filesystem, and one pod per node at a time.
        assertEquals(Map.of("type", "RollingUpdate", "rollingUpdate", Map.of("maxSurge", 0, "maxUnavailable", 1)),
                spec.get("updateStrategy"));
        List<Map<String, Object>> volumes = cast(pod.get("volumes"));
        assertTrue(volumes.contains(Map.of("name", "bpffs", "hostPath", Map.of("path", "/sys/fs/bpf", "type", "Directory"))),
                volumes.toString());
        List<Map<String, Object>> mounts = cast(container.get("volumeMounts"));
        assertTrue(mounts.contains(Map.of("name", "bpffs", "mountPath", "/sys/fs/bpf")), mounts.toString());
        assertTrue(volumes.contains(Map.of("name", "state",
                "hostPath", Map.of("path", "/var/lib/runtime-detector", "type", "DirectoryOrCreate"))), volumes.toString());
        assertTrue(mounts.contains(Map.of("name", "state", "mountPath", "/var/lib/runtime-detector")), mounts.toString());
        assertNull(pod.get("initContainers"));
        assertEquals(Map.of(
                        "runAsUser", 0,
                        "privileged", false,
                        "allowPrivilegeEscalation", false,
                        "readOnlyRootFilesystem", true,
                        "capabilities", Map.of(
                                "drop", List.of("ALL"),
                                "add", List.of("BPF", "PERFMON", "SYS_PTRACE", "DAC_READ_SEARCH")),
                        "seccompProfile", Map.of("type", "Unconfined"),
                        "appArmorProfile", Map.of("type", "Unconfined")),
                container.get("securityContext"));
        assertEquals(Map.of("requests", Map.of("cpu", "50m", "memory", "160Mi"), "limits", Map.of("memory", "384Mi")),
                container.get("resources"));

        Map<String, Object> podMetadata = cast(podTemplate(daemonSet).get("metadata"));
        assertEquals(Map.of(
                        "container.apparmor.security.beta.kubernetes.io/runtime-detector", "unconfined",
                        "prometheus.io/scrape", "true",
                        "prometheus.io/port", "9400",
                        "prometheus.io/path", "/metrics"),
                podMetadata.get("annotations"));
    }

    @Test
    void testValuesBecomeArgsEnvAndPodFields() {
        Map<String, Object> daemonSet = Chart.daemonSet(Chart.render(TEST_VALUES));
        Map<String, Object> container = Chart.container(daemonSet);
        assertEquals(List.of(
                        "--format=json",
                        "--min-duration=0",
                        "--stats-interval=5m",
                        "--env-prefix=ODIGOS_",
                        "--env=ODIGOS_POD_NAME",
                        "--exclude-exe=/usr/bin/sleep",
                        "--open-trigger=/etc/passwd",
                        "--open-trigger=/etc/shadow",
                        "--log-level=debug"),
                container.get("args"));
        assertEquals(Map.of(
                        "HOST_PROCFS", "/host/proc",
                        "RD_METRICS_PORT", "9400",
                        "NODE_NAME", "<spec.nodeName>",
                        "JDK_JAVA_OPTIONS", "-Xmx200m -XX:+UseSerialGC -Dsome.list=a,b",
                        "RD_KAFKA_BOOTSTRAP", "kafka-0.kafka:9092",
                        "RD_KAFKA_TOPIC", "runtime-detector-events",
                        // In the keys' order, one per line.
                        "RD_KAFKA_PROPERTY", "compression.type=zstd\nsecurity.protocol=SSL",
                        "RD_PIN_DIR", "/sys/fs/bpf/runtime-detector",
                        "RD_READER_TIMEOUT", "10m",
                        "RD_STATE_DIR", "/var/lib/runtime-detector"),
                env(container));
        // --set merges into the default resources rather than replacing them.
        assertEquals(Map.of("requests", Map.of("cpu", "100m", "memory", "160Mi"), "limits", Map.of("memory", "1Gi")),
                container.get("resources"));
        assertEquals(Map.of("kubernetes.io/os", "linux"), podSpec(daemonSet).get("nodeSelector"));
        Map<?, ?> capabilities = (Map<?, ?>) ((Map<?, ?>) container.get("securityContext")).get("capabilities");
        assertEquals(List.of("BPF", "PERFMON", "SYS_PTRACE", "DAC_READ_SEARCH", "SYS_RESOURCE"), capabilities.get("add"));
    }

    @Test
    void emptyValuesRenderNothing() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("format", "");
        values.put("statsInterval", "null"); // --set KEY=null removes the default
        values.put("kafka.topic", "");
        values.put("metrics.prometheusAnnotations", "false");
        values.put("tolerations", "null");
        Map<String, Object> daemonSet = Chart.daemonSet(Chart.render(values));
        Map<String, Object> container = Chart.container(daemonSet);
        assertEquals(List.of("--min-duration=1s"), container.get("args"));
        assertFalse(env(container).containsKey("RD_KAFKA_TOPIC"));
        assertNull(podSpec(daemonSet).get("tolerations"));
        Map<String, Object> podMetadata = cast(podTemplate(daemonSet).get("metadata"));
        assertEquals(Map.of("container.apparmor.security.beta.kubernetes.io/runtime-detector", "unconfined"),
                podMetadata.get("annotations"));
    }

    /** Container names are off by default; a CRI socket turns them on: a flag, and the socket mounted read-only. */
    @Test
    void aCriSocketIsMountedAtItsOwnPathAndPassedAsAFlag() {
        Map<String, Object> byDefault = Chart.container(Chart.daemonSet(Chart.render(Map.of())));
        List<Map<String, Object>> defaultMounts = cast(byDefault.get("volumeMounts"));
        assertFalse(defaultMounts.stream().anyMatch(m -> "cri-socket".equals(m.get("name"))), defaultMounts.toString());

        String socket = "/run/containerd/containerd.sock";
        Map<String, Object> daemonSet = Chart.daemonSet(Chart.render(Map.of("containerNames.criSocket", socket)));
        Map<String, Object> container = Chart.container(daemonSet);
        List<String> args = cast(container.get("args"));
        assertEquals(List.of("--format=json", "--min-duration=1s", "--stats-interval=5m", "--cri-socket=" + socket),
                args);
        List<Map<String, Object>> mounts = cast(container.get("volumeMounts"));
        assertEquals(Map.of("name", "cri-socket", "mountPath", socket, "readOnly", true),
                mounts.get(mounts.size() - 1));
        List<Map<String, Object>> volumes = cast(podSpec(daemonSet).get("volumes"));
        assertEquals(Map.of("name", "cri-socket", "hostPath", Map.of("path", socket, "type", "Socket")),
                volumes.get(volumes.size() - 1));
    }

    /** The uninstall step: an init container removes the pins, and the detector runs unpinned. */
    @Test
    void pinningUninstallUnpinsFirstAndRunsUnpinned() {
        Map<String, Object> daemonSet = Chart.daemonSet(Chart.render(Map.of("pinning.uninstall", "true")));
        Map<String, Object> pod = podSpec(daemonSet);
        List<Map<String, Object>> init = cast(pod.get("initContainers"));
        assertEquals(1, init.size(), init.toString());
        Map<String, Object> unpin = init.get(0);
        assertEquals(List.of("--unpin"), unpin.get("args"));
        assertEquals(Map.of("RD_PIN_DIR", "/sys/fs/bpf/runtime-detector"), env(unpin));
        assertEquals(Chart.container(daemonSet).get("securityContext"), unpin.get("securityContext"));
        assertEquals(List.of(Map.of("name", "bpffs", "mountPath", "/sys/fs/bpf"), Map.of("name", "tmp", "mountPath", "/tmp")),
                unpin.get("volumeMounts"));
        Map<String, String> env = env(Chart.container(daemonSet));
        assertFalse(env.containsKey("RD_PIN_DIR") || env.containsKey("RD_READER_TIMEOUT")
                || env.containsKey("RD_STATE_DIR"), env.toString());

        Map<String, Object> off = Chart.daemonSet(Chart.render(Map.of("pinning.enabled", "false")));
        assertFalse(env(Chart.container(off)).containsKey("RD_PIN_DIR"));
        List<Map<String, Object>> volumes = cast(podSpec(off).get("volumes"));
        assertFalse(volumes.stream().anyMatch(v -> "bpffs".equals(v.get("name"))), volumes.toString());
        Map<String, Object> offSpec = cast(off.get("spec"));
        assertEquals(Map.of("type", "RollingUpdate"), offSpec.get("updateStrategy"));
    }

    @Test
    void aReleaseNotNamedAfterTheChartPrefixesIt() {
        String render = new Helm(Chart.directory()).template().withName("edge").withNamespace("observability").call();
        Map<String, Object> metadata = cast(Chart.daemonSet(render).get("metadata"));
        assertEquals("edge-runtime-detector", metadata.get("name"));
        assertEquals("observability", metadata.get("namespace"));
    }

    @Test
    void rendersAreValidKubernetesObjects() throws IOException, InterruptedException {
        requireNode();
        Path target = Files.createDirectories(Chart.moduleDirectory().resolve("target/chart-renders"));
        Path defaults = Files.writeString(target.resolve("default.yaml"), Chart.render(Map.of()));
        Path withTestValues = Files.writeString(target.resolve("test-values.yaml"), Chart.render(TEST_VALUES));
        Path log = target.resolve("validate-k8s.log");

        Path root = Chart.moduleDirectory().getParent();
        Process validate = new ProcessBuilder(
                        root.resolve("scripts/validate-k8s.sh").toString(), defaults.toString(), withTestValues.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        // The first run installs kubernetes-models with npm.
        if (!validate.waitFor(10, TimeUnit.MINUTES)) {
            validate.destroyForcibly();
            fail("scripts/validate-k8s.sh did not finish in 10 minutes; its output: " + log);
        }
        String output = Files.readString(log);
        assertEquals(0, validate.exitValue(), () -> "scripts/validate-k8s.sh failed:\n" + output);
        assertEquals(2, output.lines().filter(line -> line.endsWith("DaemonSet/runtime-detector: valid")).count(),
                () -> "expected both renders' DaemonSet to be valid:\n" + output);
    }

    /** scripts/validate-k8s.sh needs node and npm: on CI their absence is a failure, elsewhere a skip. */
    private static void requireNode() {
        List<String> missing = List.of("node", "npm").stream().filter(tool -> !onPath(tool)).toList();
        if (missing.isEmpty()) {
            return;
        }
        String message = "scripts/validate-k8s.sh needs " + String.join(" and ", missing)
                + " on the PATH (Debian: apt-get install nodejs npm)";
        if ("true".equals(System.getenv("CI"))) {
            fail(message);
        }
        Assumptions.abort(message);
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "");
        return List.of(path.split(File.pathSeparator)).stream()
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, tool)));
    }

    private static Map<String, Object> podTemplate(Map<String, Object> daemonSet) {
        Map<String, Object> spec = cast(daemonSet.get("spec"));
        return cast(spec.get("template"));
    }

    private static Map<String, Object> podSpec(Map<String, Object> daemonSet) {
        return cast(podTemplate(daemonSet).get("spec"));
    }

    /** The container's env as name to value; a value from a field reference as {@code <fieldPath>}. */
    private static Map<String, String> env(Map<String, Object> container) {
        List<Map<String, Object>> env = cast(container.get("env"));
        return env.stream().collect(Collectors.toMap(e -> (String) e.get("name"), e -> {
            if (e.containsKey("value")) {
                return (String) e.get("value");
            }
            Map<String, Object> valueFrom = cast(e.get("valueFrom"));
            Map<String, Object> fieldRef = cast(valueFrom.get("fieldRef"));
            return "<" + fieldRef.get("fieldPath") + ">";
        }));
    }
}
