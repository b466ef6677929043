package io.runtimedetector.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The footprint benchmark of the image ({@code make bench}, section 7; alone: {@code make
 * bench-footprint}): the image's size, uncompressed and as compressed layers; the time from
 * {@code podman run} to {@code /readyz} 200; and the container's memory as the kubelet
 * accounts it (the cgroup's usage less inactive file pages: the working set), idle after
 * ready and at the peak of the bench's worst-case storm (every process carries the prefix
 * variable, minimum duration 0). The container runs exactly as the chart's DaemonSet says
 * ({@link PodmanRun}), with the prefix and minimum duration of the storm.
 *
 * <p>Odd rounds start on a cold page cache (dropped first), as on a node that never ran the
 * image: the JRE's and the jar's pages are then charged to the container. Even rounds find
 * them cached, charged to whoever read them first. Both kinds are reported, as medians.
 *
 * <p>Then the JVM options of {@code deploy/image/jvm.options} against others ({@link #VARIANTS}),
 * one warm round each, so that each choice there stands on a measurement.
 *
 * <p>Usage: {@code Footprint STORM_BINARY OUTPUT.md [ROUNDS] [STORM_N] [VARIANTS=true]}
 */
public final class Footprint {

    private static final String NAME = "rd-footprint";
    private static final Duration PODMAN = Duration.ofSeconds(120);
    private static final Pattern EVENTS = Pattern.compile("^runtime_detector_events_total\\{[^}]*type=\"(exec|exit)\"[^}]*} (\\S+)$",
            Pattern.MULTILINE);

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: Footprint STORM_BINARY OUTPUT.md [ROUNDS] [STORM_N]");
            System.exit(2);
        }
        Path storm = Path.of(args[0]);
        Path out = Path.of(args[1]);
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        int stormN = args.length > 3 ? Integer.parseInt(args[3]) : 20_000;
        boolean withVariants = args.length <= 4 || Boolean.parseBoolean(args[4]);

        Map<String, Object> daemonSet = Chart.daemonSet(Chart.render(
                Map.of("envPrefix", "RDBENCH_", "minDuration", "0")));
        // Pinned mode, as the DaemonSet runs: a private BPF filesystem stands for the node's,
        // emptied after every round so that each one starts as on a fresh node.
        NodeBpffs bpffs = new NodeBpffs();
        PodmanRun run = bpffs.on(PodmanRun.of(daemonSet, "footprint-node"));
        String image = run.image();
        long uncompressed = Long.parseLong(Podman.check(PODMAN, "image", "inspect", "--format={{.Size}}", image));
        long compressed = compressedLayers(image);

        List<Round> results = new ArrayList<>();
        List<Variant> variants = new ArrayList<>();
        try {
            for (int r = 1; r <= rounds; r++) {
                results.add(round(run, storm, stormN, r % 2 == 1, List.of()));
                bpffs.unpin();
                log("round " + r + ": " + results.get(r - 1));
            }
            if (withVariants) {
                for (Variant v : VARIANTS) {
                    variants.add(v.measured(round(run, storm, stormN, false, v.hostFlags())));
                    bpffs.unpin();
                    log("variant " + v.name() + ": " + variants.get(variants.size() - 1).round());
                }
            }
        } finally {
            Podman.run(PODMAN, "rm", "--force", "--time=5", NAME);
            Podman.removeCgroupParent();
            bpffs.close();
        }
        Files.writeString(out, report(run, uncompressed, compressed, results, variants, stormN));
        log("wrote " + out);
    }

    /**
     * JVM options measured against the image's own, one warm round each, to show what each
     * choice in deploy/image/jvm.options is worth: the same container with another entrypoint.
     */
    private static final String JAR = "/opt/runtime-detector/runtime-detector.jar";
    private static final String CDS = "-XX:SharedArchiveFile=/opt/runtime-detector/app.jsa";
    private static final List<Variant> VARIANTS = List.of(
            Variant.java("the JVM's defaults (G1, a quarter of the limit as heap)", List.of()),
            Variant.java("G1 instead of the serial collector", List.of("-XX:+UseG1GC", "-XX:MaxRAMPercentage=50", CDS)),
            Variant.java("no class-data-sharing archive", List.of("-XX:+UseSerialGC", "-XX:MaxRAMPercentage=50")),
            Variant.java("C1 only (-XX:TieredStopAtLevel=1)",
                    List.of("@/opt/runtime-detector/jvm.options", "-XX:TieredStopAtLevel=1")),
            Variant.java("smaller code cache and stacks (-XX:ReservedCodeCacheSize=32m -Xss512k)",
                    List.of("@/opt/runtime-detector/jvm.options", "-XX:ReservedCodeCacheSize=32m", "-Xss512k")),
            new Variant("glibc's default malloc arenas (no MALLOC_ARENA_MAX)", List.of("--unsetenv=MALLOC_ARENA_MAX"),
                    null));

    /** @param hostFlags podman flags that make the variant; {@code round}, once measured */
    record Variant(String name, List<String> hostFlags, Round round) {
        static Variant java(String name, List<String> options) {
            StringBuilder entrypoint = new StringBuilder("[\"java\"");
            for (String o : options) {
                entrypoint.append(",\"").append(o).append('"');
            }
            entrypoint.append(",\"-jar\",\"").append(JAR).append("\"]");
            return new Variant(name, List.of("--entrypoint=" + entrypoint), null);
        }

        Variant measured(Round r) {
            return new Variant(name, hostFlags, r);
        }
    }

    /** One container's life: start, ready, idle, storm, stop. */
    private static Round round(PodmanRun run, Path storm, int stormN, boolean cold, List<String> variantFlags)
            throws Exception {
        Podman.run(PODMAN, "rm", "--force", "--time=5", NAME);
        if (cold) {
            new ProcessBuilder("sync").start().waitFor();
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        }
        int port = Ports.free();
        String load = Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        long t0 = System.nanoTime();
        List<String> hostFlags = new ArrayList<>(Podman.hostFlags());
        hostFlags.addAll(variantFlags);
        Podman.check(PODMAN, run.command(NAME, hostFlags, Map.of("metrics", port), List.of()));
        double readySeconds = awaitReady(port, t0);
        String id = Podman.check(PODMAN, "inspect", "--format={{.Id}}", NAME);
        int pid = Integer.parseInt(Podman.check(PODMAN, "inspect", "--format={{.State.Pid}}", NAME));
        Path cgroup = Podman.memoryCgroup(id);

        Thread.sleep(10_000); // past start-up: the JIT's and the scan's transient memory settle
        Memory idle = Memory.read(cgroup, pid);

        long before = events(port);
        long cpuBefore = Podman.cpuNanos(id);
        AtomicLong peakWorkingSet = new AtomicLong();
        Thread sampler = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    peakWorkingSet.accumulateAndGet(Memory.read(cgroup, pid).workingSet(), Math::max);
                    Thread.sleep(50);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException containerGone) {
                    return;
                }
            }
        }, "footprint-sampler");
        sampler.start();
        Process p = new ProcessBuilder(storm.toString(), "-n", Integer.toString(stormN), "-p", "2",
                "--prefix-every", "1", "--tag", "fp").redirectErrorStream(true).start();
        String stormLine = new String(p.getInputStream().readAllBytes()).strip();
        if (p.waitFor() != 0 || !stormLine.startsWith("spawned=")) {
            throw new IOException("storm failed: " + stormLine);
        }
        long delivered = awaitEvents(port, before + 2L * stormN);
        double cpuMsPer1000 = (Podman.cpuNanos(id) - cpuBefore) / 1e6 / Math.max(1, delivered - before) * 1000;
        sampler.interrupt();
        sampler.join();
        Memory after = Memory.read(cgroup, pid);
        Podman.check(Duration.ofSeconds(run.graceSeconds() + 30), "stop", "--time=" + run.graceSeconds(), NAME);
        return new Round(cold, readySeconds, idle, Math.max(peakWorkingSet.get(), after.workingSet()),
                after.peakUsage(), after.jvmPeakRss(), delivered - before, cpuMsPer1000, load, stormLine);
    }

    private static double awaitReady(int port, long t0) throws Exception {
        long deadline = t0 + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            try {
                if (ImageIT.Probes.get(port, "/readyz").statusCode() == 200) {
                    return (System.nanoTime() - t0) / 1e9;
                }
            } catch (IOException notListeningYet) {
                // the JVM is still starting
            }
            Thread.sleep(20);
        }
        throw new IOException("not ready within 60 s:\n" + Podman.run(PODMAN, "logs", NAME).output());
    }

    /** EXEC and EXIT events handed to the sinks so far, from the detector's own metrics. */
    private static long events(int port) throws Exception {
        HttpResponse<String> metrics = ImageIT.Probes.get(port, "/metrics");
        long n = 0;
        Matcher m = EVENTS.matcher(metrics.body());
        while (m.find()) {
            n += (long) Double.parseDouble(m.group(2));
        }
        return n;
    }

    /** Waits until this many events were handed on, or until the count stops growing for 5 s. */
    private static long awaitEvents(int port, long target) throws Exception {
        long last = -1;
        long lastChange = System.nanoTime();
        while (true) {
            long n = events(port);
            if (n >= target) {
                return n;
            }
            if (n != last) {
                last = n;
                lastChange = System.nanoTime();
            } else if (System.nanoTime() - lastChange > TimeUnit.SECONDS.toNanos(5)) {
                return n;
            }
            Thread.sleep(200);
        }
    }

    /** What a registry stores: the image's layers, gzip-compressed (podman save --compress as a docker-dir). */
    private static long compressedLayers(String image) throws IOException {
        Path dir = Files.createTempDirectory("rd-image");
        try {
            Files.delete(dir);
            Podman.check(PODMAN, "save", "--quiet", "--compress", "--format=docker-dir", "--output=" + dir, image);
            long total = 0;
            for (JsonNode layer : new ObjectMapper().readTree(dir.resolve("manifest.json").toFile()).get("layers")) {
                total += layer.get("size").asLong();
            }
            return total;
        } finally {
            if (Files.exists(dir)) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
    }

    private static String report(PodmanRun run, long uncompressed, long compressed, List<Round> rounds,
            List<Variant> variants, int stormN) {
        double idleCold = median(rounds.stream().filter(Round::cold).mapToDouble(r -> mib(r.idle().workingSet())).toArray());
        double idleWarm = median(rounds.stream().filter(r -> !r.cold()).mapToDouble(r -> mib(r.idle().workingSet()))
                .toArray());
        double peak = median(rounds.stream().mapToDouble(r -> mib(r.peakWorkingSet())).toArray());
        double peakMax = rounds.stream().mapToDouble(r -> mib(r.peakWorkingSet())).max().orElse(0);
        double ready = median(rounds.stream().mapToDouble(Round::readySeconds).toArray());
        StringBuilder md = new StringBuilder();
        md.append("## 7. Container footprint\n\n");
        md.append(String.format(Locale.ROOT, "The image `%s` as `make image` builds it, run as the chart's DaemonSet says "
                + "(memory limit %d MiB), %d rounds, the odd ones on a cold page cache. Memory is the container cgroup's "
                + "working set (usage less inactive file pages), which is what the kubelet evicts and reports on; "
                + "the ring buffer (kernel memory) is in it once. Storm: %d processes, each with the prefix "
                + "variable, minimum duration 0, every EXEC and EXIT written to the container's log.%n%n",
                run.image(), run.memoryLimit() >> 20, rounds.size(), stormN));
        // "Before" is what the issue measured of the old Dockerfile's image (a full JRE package)
        // and of the bare JVM with its defaults: the baseline these targets were set against.
        md.append("| measure | before (old Dockerfile, bare JVM) | now | target | status |\n|---|---|---|---|---|\n");
        md.append(row("image size, uncompressed", "~300 MB", mb(uncompressed), "≤ 150 MB",
                uncompressed <= 150_000_000L ? "met" : gap(mb(uncompressed - 150_000_000L), "")));
        md.append(row("image size, compressed layers", "–", mb(compressed), "–", "–"));
        md.append(row("container memory, idle, page cache warm (even rounds, median)", "≥ 158 MiB (JVM RSS)", fmt(idleWarm) + " MiB",
                "≤ 128 MiB", idleWarm <= 128 ? "met" : gap(fmt(idleWarm - 128) + " MiB", COLD_NEXT)));
        md.append(row("container memory, idle, first start on a node (odd rounds: page cache cold, median)", "–",
                fmt(idleCold) + " MiB", "≤ 128 MiB", idleCold <= 128 ? "met" : gap(fmt(idleCold - 128) + " MiB", COLD_NEXT)));
        md.append(row("container memory, storm peak (median; max " + fmt(peakMax) + " MiB)", "≥ 217 MiB (JVM RSS)",
                fmt(peak) + " MiB", "≤ 192 MiB", peak <= 192 ? "met" : gap(fmt(peak - 192) + " MiB", "")));
        md.append(row("start to ready (`podman run` to `/readyz` 200, median)", "2.5 s (bare JVM)",
                String.format(Locale.ROOT, "%.2f s", ready), "≤ 3 s", ready <= 3 ? "met" : gap(
                        String.format(Locale.ROOT, "%.2f s", ready - 3), "")));
        md.append("\n| round | cache | ready s | idle working set MiB | idle usage MiB | idle kernel MiB | idle JVM RSS MiB "
                + "| storm peak working set MiB | peak usage MiB | JVM peak RSS MiB | events | CPU ms per 1 000 | load | storm |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (int i = 0; i < rounds.size(); i++) {
            Round r = rounds.get(i);
            md.append(String.format(Locale.ROOT, "| %d | %s | %.2f | %s | %s | %s | %s | %s | %s | %s | %d | %.1f | %s | `%s` |%n", i + 1,
                    r.cold() ? "cold" : "warm", r.readySeconds(), fmt(mib(r.idle().workingSet())),
                    fmt(mib(r.idle().usage())), fmt(mib(r.idle().kernel())), fmt(mib(r.idle().jvmRss())),
                    fmt(mib(r.peakWorkingSet())), fmt(mib(r.peakUsage())), fmt(mib(r.jvmPeakRss())), r.events(),
                    r.cpuMsPer1000(), r.load(), r.stormLine()));
        }
        if (!variants.isEmpty()) {
            md.append("\nThe image's JVM options against others, one warm round each after the rounds above (same "
                    + "container, another entrypoint): what each choice in `deploy/image/jvm.options` is worth.\n\n");
            md.append("| JVM options | ready s | idle working set MiB | storm peak working set MiB | CPU ms per 1 000 events "
                    + "| load |\n|---|---|---|---|---|---|\n");
            Round image = rounds.stream().filter(r -> !r.cold()).findFirst().orElse(rounds.get(0));
            md.append(variantRow("the image's (`jvm.options`: serial GC, half the limit as heap, the archive)", image));
            for (Variant v : variants) {
                md.append(variantRow(v.name(), v.round()));
            }
        }
        md.append("\nThe JVM's RSS counts the ring buffer's pages twice (the kernel maps its data pages twice, so "
                + "that a record that wraps reads as one piece) and counts shared file pages that the cgroup may "
                + "not be charged for; the cgroup's figure is the one that matters for limits.\n");
        return md.toString();
    }

    /** What the cold first start would need; named in the report when an idle target is missed. */
    private static final String COLD_NEXT = "the JRE's and the jar's file pages that the container reads first "
            + "are charged to it (the difference between the cold and the warm rounds); next: an application "
            + "class-data-sharing archive built at image time, which maps the ~4 500 classes the app loads instead "
            + "of parsing them into metaspace (~25 MiB of anonymous memory now), then measure both rounds again";

    private static String variantRow(String name, Round r) {
        return String.format(Locale.ROOT, "| %s | %.2f | %s | %s | %.1f | %s |%n", name, r.readySeconds(),
                fmt(mib(r.idle().workingSet())), fmt(mib(r.peakWorkingSet())), r.cpuMsPer1000(), r.load());
    }

    private static String row(String what, String before, String now, String target, String status) {
        return "| " + what + " | " + before + " | " + now + " | " + target + " | " + status + " |\n";
    }

    private static String gap(String by, String next) {
        return "**missed by " + by + "**" + (next.isEmpty() ? "" : ": " + next);
    }

    private static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] v = values.clone();
        java.util.Arrays.sort(v);
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private static double mib(long bytes) {
        return bytes / (1024.0 * 1024.0);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static void log(String line) {
        System.err.println("[footprint] " + line);
    }

    /** @param load the machine's 1-minute load average when the container started (start-up time depends on it) */
    /** @param cpuMsPer1000 the container's CPU time during the storm, per 1 000 events handed on */
    record Round(boolean cold, double readySeconds, Memory idle, long peakWorkingSet, long peakUsage, long jvmPeakRss,
            long events, double cpuMsPer1000, String load, String stormLine) {
    }

    /** A container cgroup's memory (v1 or v2) and its JVM's RSS. */
    record Memory(long usage, long workingSet, long kernel, long peakUsage, long jvmRss, long jvmPeakRss) {

        static Memory read(Path cgroup, int pid) throws IOException {
            Map<String, Long> stat = new java.util.HashMap<>();
            for (String line : Files.readAllLines(cgroup.resolve("memory.stat"))) {
                String[] kv = line.split(" ");
                stat.put(kv[0], Long.parseLong(kv[1]));
            }
            boolean v1 = Files.exists(cgroup.resolve("memory.usage_in_bytes"));
            long usage = number(cgroup.resolve(v1 ? "memory.usage_in_bytes" : "memory.current"));
            long inactiveFile = stat.getOrDefault(v1 ? "total_inactive_file" : "inactive_file", 0L);
            long kernel = v1 ? number(cgroup.resolve("memory.kmem.usage_in_bytes")) : stat.getOrDefault("kernel", 0L);
            long peak = v1 ? number(cgroup.resolve("memory.max_usage_in_bytes"))
                    : Files.exists(cgroup.resolve("memory.peak")) ? number(cgroup.resolve("memory.peak")) : usage;
            long rss = 0;
            long hwm = 0;
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmRSS:")) {
                    rss = kib(line);
                } else if (line.startsWith("VmHWM:")) {
                    hwm = kib(line);
                }
            }
            return new Memory(usage, Math.max(0, usage - inactiveFile), kernel, peak, rss, hwm);
        }

        private static long number(Path file) throws IOException {
            return Long.parseLong(Files.readString(file).strip());
        }

        private static long kib(String statusLine) {
            return Long.parseLong(statusLine.replaceAll("[^0-9]", "")) * 1024;
        }
    }

    private Footprint() {
    }
}
