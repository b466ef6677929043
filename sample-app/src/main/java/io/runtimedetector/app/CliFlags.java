package io.runtimedetector.app;

import static picocli.CommandLine.Help.Visibility.NEVER;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The flags, declared once: picocli parses them and generates {@code --help} (with the
 * defaults) from these declarations. Values stay text here; {@link Cli} checks them with
 * {@link FlagValues}, so that a refusal names the flag or the variable it came from.
 */
@Command(name = Main.PROGRAM, sortOptions = false, showDefaultValues = true, usageHelpWidth = 90,
        description = {
            "Reports processes that start (EXEC), fork (FORK), open watched files (FILE_OPEN) and exit (EXIT)"
                    + " on this Linux node, seen through eBPF. Events go to stdout (and Kafka), logs to stderr;"
                    + " once attached it logs a line starting with \"detector ready\". Stop with Ctrl-C or SIGTERM.",
            ""},
        footer = {
            "",
            "Flags take their value as --flag value or --flag=value.",
            "Every flag can also be set by an environment variable: RD_ and the flag's name in capitals with"
                    + " '-' as '_', e.g. RD_MIN_DURATION=0 or RD_KAFKA_BOOTSTRAP=kafka:9092. A flag given on the"
                    + " command line wins. Repeatable flags take several values from one variable, separated by"
                    + " commas (RD_KAFKA_PROPERTY: by newlines, since values may hold commas).",
            "Exit codes: 0 stopped normally (also on SIGTERM), 1 failed, 2 bad command line, 74 events could"
                    + " not be written (stdout closed, --output failed), 77 this node cannot run the detector:"
                    + " missing privileges, or a kernel older than 5.8 or without BTF (CONFIG_DEBUG_INFO_BTF).",
            "Run as root, or with CAP_BPF and CAP_PERFMON to load the probe plus CAP_SYS_PTRACE and"
                    + " CAP_DAC_READ_SEARCH to read other processes' /proc entries."})
final class CliFlags {

    // Which processes

    @Option(names = "--env-prefix", paramLabel = "PREFIX", order = 1,
            description = "Only processes with an environment variable whose name starts with PREFIX"
                    + " (at most 63 bytes, no '='). Default: every process.")
    String envPrefix;

    @Option(names = "--env", showDefaultValue = NEVER, paramLabel = "KEY", order = 2,
            description = "Copy this environment variable into events (repeatable).")
    List<String> env = new ArrayList<>();

    @Option(names = "--exclude-exe", showDefaultValue = NEVER, paramLabel = "PATH", order = 3,
            description = "Never report this executable, absolute path (repeatable; /pause is always excluded).")
    List<String> excludeExe = new ArrayList<>();

    @Option(names = "--min-duration", paramLabel = "DUR", order = 4, defaultValue = "1s",
            description = "Only processes that live at least this long: 0, 250ms, 1s, 2m.")
    String minDuration;

    @Option(names = "--open-trigger", showDefaultValue = NEVER, paramLabel = "PATH", order = 5,
            description = "Report opens of this file, absolute path (repeatable).")
    List<String> openTrigger = new ArrayList<>();

    @Option(names = "--track-pid", showDefaultValue = NEVER, paramLabel = "PID", order = 6,
            description = "Report this running process whatever its environment (repeatable).")
    List<String> trackPid = new ArrayList<>();

    @Option(names = "--proc", paramLabel = "PATH", order = 7,
            description = "The host's /proc. Default: $HOST_PROCFS, else /proc.")
    String proc;

    @Option(names = "--containers", paramLabel = "on|off", order = 8, defaultValue = "on",
            description = "Attribute each process to its container and pod, from its cgroup (a cache of the cgroup"
                    + " hierarchies, walked at start and watched with inotify); off: events carry no container.")
    String containers;

    @Option(names = "--cri-socket", paramLabel = "PATH|none", order = 9,
            description = "The container runtime's CRI socket, asked for pod and container names. Default: the"
                    + " first that exists of /run/containerd/containerd.sock, /run/crio/crio.sock,"
                    + " /run/k3s/containerd/containerd.sock, /run/cri-dockerd.sock (in a container: only one mounted"
                    + " there); none: container ids from the cgroup only.")
    String criSocket;

    @Option(names = "--state-dir", paramLabel = "ABS_PATH", order = 14,
            description = "Where a graceful stop leaves the followed processes for the next start, so that a restart"
                    + " reports each EXEC and EXIT once (with the kernel probe's pinned mode). Default: none.")
    String stateDir;

    // Output

    @Option(names = "--format", paramLabel = "text|json", order = 10, defaultValue = "text",
            description = "Human-readable lines, or one JSON object per line.")
    String format;

    @Option(names = "--output", paramLabel = "FILE", order = 11,
            description = "Append events to FILE instead of stdout.")
    String output;

    @Option(names = "--log-level", paramLabel = "LEVEL", order = 12, defaultValue = "info",
            description = "trace, debug, info, warn, error or off.")
    String logLevel;

    @Option(names = "--stats-interval", paramLabel = "DUR", order = 13,
            description = "Log the detector's counters this often. Default: never; they are always logged once at exit.")
    String statsInterval;

    // Kafka

    @Option(names = "--kafka-bootstrap", paramLabel = "HOST:PORT[,...]", order = 20,
            description = "Also send every event to Kafka, at least once (idempotent producer, acks=all).")
    String kafkaBootstrap;

    @Option(names = "--kafka-topic", paramLabel = "NAME", order = 21, defaultValue = "runtime-detector-events",
            description = "The topic the events go to.")
    String kafkaTopic;

    @Option(names = "--kafka-property", showDefaultValue = NEVER, paramLabel = "KEY=VALUE", order = 22,
            description = "A Kafka producer property, e.g. security.protocol=SSL or compression.type=zstd (repeatable).")
    List<String> kafkaProperty = new ArrayList<>();

    @Option(names = "--node-name", paramLabel = "NAME", order = 23,
            description = "This node's name in Kafka records. Default: $NODE_NAME, else the host name.")
    String nodeName;

    // Metrics and health

    @Option(names = "--metrics-port", paramLabel = "PORT", order = 30,
            description = "Serve /metrics (Prometheus), /healthz and /readyz on this port. Default: off.")
    String metricsPort;

    @Option(names = "--metrics-address", paramLabel = "ADDRESS", order = 31, defaultValue = "0.0.0.0",
            description = "The address the metrics port listens on (0.0.0.0: all interfaces).")
    String metricsAddress;

    // Pinned mode: programs and ring that outlive the process

    @Option(names = "--pin-dir", paramLabel = "DIR", order = 40,
            description = "Keep the eBPF programs, their ring buffer and maps pinned in DIR, on a BPF filesystem (e.g."
                    + " /sys/fs/bpf/runtime-detector), so that they outlive this process: the next detector on DIR"
                    + " resumes where this one stopped, and what happened in between is reported. Default: off.")
    String pinDir;

    @Option(names = "--reader-timeout", paramLabel = "DUR", order = 41, defaultValue = "10m",
            description = "With --pin-dir: the pinned programs stop doing any work once no detector has read them"
                    + " for this long (0: never), so that a forgotten detector costs a node nothing.")
    String readerTimeout;

    @Option(names = "--unpin", order = 42,
            description = "Remove what --pin-dir holds (the programs detach, unread events are discarded) and exit;"
                    + " refused while a detector reads it.")
    boolean unpin;

    @Option(names = "--help", usageHelp = true, order = 90, description = "Print this help and exit.")
    boolean help;

    @Option(names = "--version", versionHelp = true, order = 91, description = "Print the version and exit.")
    boolean version;
}
