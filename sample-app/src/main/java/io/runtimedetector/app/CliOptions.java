package io.runtimedetector.app;

import io.runtimedetector.engine.DetectorOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The parsed and validated command line. Every value is already checked (the detector's
 * rules, by building its options once while parsing), so building the detector from it
 * cannot fail on a bad flag.
 *
 * @param command             run, or print help or version and exit
 * @param envPrefix           report only processes with an environment variable starting with this
 * @param envKeys             environment variables to copy into events
 * @param excludedExecutables absolute paths of executables never reported
 * @param minDuration         processes that exit sooner are not reported
 * @param openTriggers        absolute paths whose opening is reported as FILE_OPEN
 * @param trackPids           processes to report from the start, whatever their environment
 * @param procPath            where the host's /proc is mounted
 * @param containers          whether processes are attributed to containers at all
 * @param cri                 where pod and container names come from
 * @param format              text or JSON lines
 * @param output              a file for the events instead of stdout
 * @param logLevel            the root log level, e.g. INFO
 * @param statsInterval       how often to log the detector's metrics; empty: never
 * @param kafka               where to send events besides stdout or the output file; empty: nowhere
 * @param metrics             where to serve metrics and health; empty: not served
 * @param pinning             pinned mode; empty: the programs detach when the process ends
 * @param stateDir            where a graceful stop leaves the followed processes for the next start; empty: nowhere
 */
public record CliOptions(
        Command command,
        Optional<String> envPrefix,
        List<String> envKeys,
        List<Path> excludedExecutables,
        Duration minDuration,
        List<Path> openTriggers,
        List<Integer> trackPids,
        Path procPath,
        boolean containers,
        CriChoice cri,
        OutputFormat format,
        Optional<Path> output,
        String logLevel,
        Optional<Duration> statsInterval,
        Optional<KafkaOptions> kafka,
        Optional<MetricsOptions> metrics,
        Optional<PinOptions> pinning,
        Optional<Path> stateDir) {

    public static final Duration DEFAULT_MIN_DURATION = Duration.ofSeconds(1);
    public static final Path DEFAULT_PROC = Path.of("/proc");
    public static final String DEFAULT_LOG_LEVEL = "INFO";

    public CliOptions {
        Objects.requireNonNull(command, "command");
        Objects.requireNonNull(envPrefix, "envPrefix");
        envKeys = List.copyOf(envKeys);
        excludedExecutables = List.copyOf(excludedExecutables);
        Objects.requireNonNull(minDuration, "minDuration");
        openTriggers = List.copyOf(openTriggers);
        trackPids = List.copyOf(trackPids);
        Objects.requireNonNull(procPath, "procPath");
        Objects.requireNonNull(cri, "cri");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(logLevel, "logLevel");
        Objects.requireNonNull(statsInterval, "statsInterval");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(metrics, "metrics");
        Objects.requireNonNull(pinning, "pinning");
        Objects.requireNonNull(stateDir, "stateDir");
    }

    /** The detector's options these flags give; the caller adds sinks and the container name source. */
    DetectorOptions.Builder detectorOptions() {
        DetectorOptions.Builder builder = DetectorOptions.builder();
        stateDir.ifPresent(builder::stateDir);
        return builder
                .envPrefix(envPrefix.orElse(""))
                .reportedEnvKeys(envKeys)
                .minDuration(minDuration)
                .excludedExecutables(excludedExecutables)
                .watchedFiles(openTriggers)
                .trackedPids(trackPids)
                .procfs(procPath)
                .attributeContainers(containers)
                .probe(probe -> pinning.ifPresent(pin -> probe.pinDir(pin.dir()).readerTimeout(pin.readerTimeout())));
    }

    /** Just a command (help, version) with every setting at its default. */
    static CliOptions only(Command command) {
        return new CliOptions(command, Optional.empty(), List.of(), List.of(), DEFAULT_MIN_DURATION, List.of(), List.of(),
                DEFAULT_PROC, true, CriChoice.SEARCH, OutputFormat.TEXT, Optional.empty(), DEFAULT_LOG_LEVEL, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty());
    }
}
