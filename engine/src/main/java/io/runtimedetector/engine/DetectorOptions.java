package io.runtimedetector.engine;

import io.runtimedetector.ContainerNameSource;
import io.runtimedetector.probe.ProbeConfig;
import io.runtimedetector.sink.EventSink;
import io.runtimedetector.sinks.SinkSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Everything a {@link Detector} is configured with: the kernel probe's configuration,
 * held as the probe's own {@link ProbeConfig} (which states and checks the kernel's
 * limits), and what the engine adds on top. Validated on construction: a bad value fails
 * with an {@link IllegalArgumentException} whose message starts with the option's name.
 *
 * @param probeConfig         what the kernel side filters on and how big its maps are; its
 *                            {@code reportedEnvKeys} are the first {@link ProbeConfig#MAX_ENV_KEYS} of
 *                            {@code reportedEnvKeys} that fit the kernel's table, and its exclusions always
 *                            contain {@link #ALWAYS_EXCLUDED}. The builder derives both
 * @param reportedEnvKeys     environment variables whose values are reported in {@code ProcessInfo.envs}; those
 *                            the kernel does not capture are read from /proc
 * @param minDuration         a process is reported only once it has lived this long; zero reports at once
 * @param trackedPids         processes to follow from the start on request, see {@link Detector#trackProcesses}
 * @param actorSystem         the actor system to run in; empty: the detector creates and owns one
 * @param sinks               plain-Java consumers of the events
 * @param sinkSettings        buffering, overflow and restarts of each sink
 * @param outputBufferSize    events held between the engine and its consumers; past it they are dropped and counted
 * @param logger              the SLF4J logger the detector writes its own lines to (attach, stop, failures), so that
 *                            an application running several detectors can tell them apart or route them
 * @param attributeContainers whether each process image carries its container ({@code ProcessInfo.container}),
 *                            from the cgroup ids the kernel records and a cache of the cgroup hierarchies
 * @param containerNames      where the pod and container names come from (the runtime, over CRI: module
 *                            cri-client); empty: events carry what the cgroup tells only. The detector closes it
 * @param stateDir            where a graceful stop leaves the followed processes for the next detector (see
 *                            {@link Builder#stateDir}); empty: nothing is kept across a restart but what the
 *                            kernel keeps. Absolute
 */
public record DetectorOptions(
        ProbeConfig probeConfig,
        List<String> reportedEnvKeys,
        Duration minDuration,
        List<Integer> trackedPids,
        Optional<ActorSystem<?>> actorSystem,
        List<EventSink> sinks,
        SinkSettings sinkSettings,
        int outputBufferSize,
        Logger logger,
        boolean attributeContainers,
        Optional<ContainerNameSource> containerNames,
        Optional<Path> stateDir) {

    /** The pause container of every Kubernetes pod: never interesting. */
    public static final Path ALWAYS_EXCLUDED = Path.of("/pause");
    public static final Duration DEFAULT_MIN_DURATION = Duration.ofSeconds(1);
    public static final Path DEFAULT_PROCFS = Path.of("/proc");
    public static final int DEFAULT_TRACKED_CAPACITY = 131_072;
    public static final int DEFAULT_OUTPUT_BUFFER_SIZE = 65_536;

    public DetectorOptions {
        Objects.requireNonNull(probeConfig, "probeConfig");
        reportedEnvKeys = List.copyOf(Objects.requireNonNull(reportedEnvKeys, "reportedEnvKeys"));
        Objects.requireNonNull(minDuration, "minDuration");
        trackedPids = List.copyOf(Objects.requireNonNull(trackedPids, "trackedPids"));
        actorSystem = Objects.requireNonNull(actorSystem, "actorSystem");
        sinks = List.copyOf(Objects.requireNonNull(sinks, "sinks"));
        Objects.requireNonNull(sinkSettings, "sinkSettings");
        Objects.requireNonNull(logger, "logger");
        Objects.requireNonNull(containerNames, "containerNames");
        Objects.requireNonNull(stateDir, "stateDir");
        stateDir.ifPresent(dir -> {
            if (!dir.isAbsolute()) {
                throw new IllegalArgumentException("stateDir: must be an absolute path, was " + dir);
            }
        });

        for (String key : reportedEnvKeys) {
            // Keys past the kernel's table are read from /proc: a name, of any length.
            ProbeConfig.checkVariableName("reportedEnvKeys", key, Integer.MAX_VALUE);
        }
        if (!probeConfig.reportedEnvKeys().equals(kernelEnvKeys(reportedEnvKeys))) {
            throw new IllegalArgumentException("probeConfig: its reportedEnvKeys " + probeConfig.reportedEnvKeys()
                    + " are not the ones the kernel can capture of " + reportedEnvKeys + " (use the builder)");
        }
        if (!probeConfig.excludedExecutables().contains(ALWAYS_EXCLUDED)) {
            throw new IllegalArgumentException("probeConfig: its excludedExecutables lack " + ALWAYS_EXCLUDED
                    + ", which is always excluded (use the builder)");
        }
        if (minDuration.isNegative()) {
            throw new IllegalArgumentException("minDuration: must not be negative, was " + minDuration);
        }
        for (int pid : trackedPids) {
            if (pid <= 0) {
                throw new IllegalArgumentException("trackedPids: " + pid + " is not a process id");
            }
        }
        if (outputBufferSize < 1) {
            throw new IllegalArgumentException("outputBufferSize: must be positive, was " + outputBufferSize);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Only processes with an environment variable whose name starts with this are reported; "" reports every one. */
    public String envPrefix() {
        return probeConfig.envPrefix();
    }

    /**
     * Executables never reported (as the exec'd path, the resolved executable or a script's
     * interpreter); always contains {@link #ALWAYS_EXCLUDED}.
     */
    public List<Path> excludedExecutables() {
        return probeConfig.excludedExecutables();
    }

    /** Files whose successful open by a reported process is a FILE_OPEN event. */
    public List<Path> watchedFiles() {
        return probeConfig.watchedFiles();
    }

    /** Where procfs is mounted (a container may mount the host's elsewhere). */
    public Path procfs() {
        return probeConfig.procPath();
    }

    /** How many processes the kernel can follow at once. */
    public int trackedCapacity() {
        return probeConfig.trackedCapacity();
    }

    /** The keys whose values the kernel can capture; the engine reads the others from /proc. */
    static List<String> kernelEnvKeys(List<String> keys) {
        return keys.stream()
                .filter(k -> k.getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= ProbeConfig.MAX_ENV_KEY_BYTES)
                .limit(ProbeConfig.MAX_ENV_KEYS)
                .toList();
    }

    /**
     * Defaults: no environment reported, no prefix filter (every process), 1 s minimum
     * duration, only {@code /pause} excluded, no watched files, {@code /proc}, 131072
     * tracked processes, the probe's other defaults ({@link ProbeConfig#builder()}), an actor
     * system of its own, no sinks, {@link SinkSettings#defaults()}, the
     * {@code io.runtimedetector.engine.Detector} logger, containers attributed. The probe's
     * options go to its own builder, here or through {@link #probe}; {@link ProbeConfig}
     * checks each of them, once.
     */
    public static final class Builder {
        private final ProbeConfig.Builder probe = ProbeConfig.builder();
        private final List<String> reportedEnvKeys = new ArrayList<>();
        private Duration minDuration = DEFAULT_MIN_DURATION;
        private final List<Path> excludedExecutables = new ArrayList<>();
        private final List<Integer> trackedPids = new ArrayList<>();
        private ActorSystem<?> actorSystem;
        private final List<EventSink> sinks = new ArrayList<>();
        private SinkSettings sinkSettings = SinkSettings.defaults();
        private int outputBufferSize = DEFAULT_OUTPUT_BUFFER_SIZE;
        private Logger logger = LoggerFactory.getLogger(Detector.class);
        private boolean attributeContainers = true;
        private ContainerNameSource containerNames;
        private Path stateDir;

        private Builder() {
        }

        public Builder reportedEnvKeys(Collection<String> keys) {
            reportedEnvKeys.clear();
            reportedEnvKeys.addAll(keys);
            return this;
        }

        public Builder envPrefix(String prefix) {
            probe.envPrefix(prefix);
            return this;
        }

        public Builder minDuration(Duration duration) {
            this.minDuration = duration;
            return this;
        }

        /** Added to {@code /pause}, which is always excluded. */
        public Builder excludedExecutables(Collection<Path> paths) {
            excludedExecutables.clear();
            excludedExecutables.addAll(paths);
            return this;
        }

        public Builder watchedFiles(Collection<Path> paths) {
            probe.watchedFiles(List.copyOf(paths));
            return this;
        }

        public Builder trackedPids(Collection<Integer> pids) {
            trackedPids.clear();
            trackedPids.addAll(pids);
            return this;
        }

        public Builder procfs(Path path) {
            probe.procPath(Objects.requireNonNull(path, "procfs"));
            return this;
        }

        public Builder trackedCapacity(int capacity) {
            probe.trackedCapacity(capacity);
            return this;
        }

        /**
         * The probe's other options (ring size, wake-up, variant, ...), set on its own
         * builder: {@code .probe(p -> p.ringBufferBytes(32 << 20))}.
         */
        public Builder probe(Consumer<ProbeConfig.Builder> settings) {
            settings.accept(probe);
            return this;
        }

        /** Run in this system instead of one of the detector's own; the detector never terminates it. */
        public Builder actorSystem(ActorSystem<?> system) {
            this.actorSystem = system;
            return this;
        }

        public Builder sinks(Collection<EventSink> list) {
            sinks.clear();
            sinks.addAll(list);
            return this;
        }

        public Builder addSink(EventSink sink) {
            sinks.add(Objects.requireNonNull(sink, "sink"));
            return this;
        }

        public Builder sinkSettings(SinkSettings settings) {
            this.sinkSettings = settings;
            return this;
        }

        public Builder outputBufferSize(int size) {
            this.outputBufferSize = size;
            return this;
        }

        /** The logger for the detector's own lines; default: the one named {@code io.runtimedetector.engine.Detector}. */
        public Builder logger(Logger detectorLogger) {
            this.logger = Objects.requireNonNull(detectorLogger, "logger");
            return this;
        }

        /** {@link #logger(Logger)} by name, e.g. {@code "myapp.detector.node-a"}. */
        public Builder loggerName(String name) {
            if (name == null || name.isBlank()) {
                throw new IllegalArgumentException("loggerName: must not be empty");
            }
            return logger(LoggerFactory.getLogger(name));
        }

        /**
         * Whether events carry the container and pod of their process (default true): the
         * cgroup hierarchies are walked at start and watched with inotify while the detector runs.
         */
        public Builder attributeContainers(boolean attribute) {
            this.attributeContainers = attribute;
            return this;
        }

        /**
         * Asks {@code source} (e.g. {@code CriNameSource} on the runtime's CRI socket) for the
         * pod and container names of each container; the detector closes it when it stops.
         */
        public Builder containerNames(ContainerNameSource source) {
            this.containerNames = source;
            return this;
        }

        /**
         * Keeps the followed processes across a graceful restart: on {@link Detector#stop()} the
         * detector writes them (identity, the image last reported, whether their EXEC was) to a
         * file in this directory, and the next detector started with the same directory reads it
         * once and deletes it. With the kernel probe's pinned mode, the next detector then reports
         * the EXIT of a process that ended meanwhile with its image, and does not report a second
         * EXEC of one still running. Created when missing; must be absolute.
         */
        public Builder stateDir(Path dir) {
            this.stateDir = Objects.requireNonNull(dir, "stateDir");
            return this;
        }

        public DetectorOptions build() {
            Set<Path> excluded = new LinkedHashSet<>();
            excluded.add(ALWAYS_EXCLUDED);
            excluded.addAll(excludedExecutables);
            if (excluded.size() > ProbeConfig.MAX_EXCLUDED) {
                // The probe's own count would include the slot /pause takes.
                throw new IllegalArgumentException("excludedExecutables: given for " + (excluded.size() - 1)
                        + " paths; at most " + (ProbeConfig.MAX_EXCLUDED - 1) + " are supported (/pause is always excluded)");
            }
            ProbeConfig config = probe.excludedExecutables(List.copyOf(excluded))
                    .reportedEnvKeys(kernelEnvKeys(reportedEnvKeys))
                    .build();
            return new DetectorOptions(config, reportedEnvKeys, minDuration, trackedPids, Optional.ofNullable(actorSystem),
                    sinks, sinkSettings, outputBufferSize, logger, attributeContainers, Optional.ofNullable(containerNames),
                    Optional.ofNullable(stateDir));
        }
    }
}
