package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class CliTest {

    private final Cli parser = new Cli(Map.of());

    private CliOptions parse(String... args) throws UsageException {
        return parser.parse(List.of(args));
    }

    @Test
    void defaults() throws Exception {
        CliOptions options = parse();
        assertEquals(Command.RUN, options.command());
        assertEquals(Optional.empty(), options.envPrefix());
        assertEquals(List.of(), options.envKeys());
        assertEquals(List.of(), options.excludedExecutables());
        assertEquals(Duration.ofSeconds(1), options.minDuration());
        assertEquals(List.of(), options.openTriggers());
        assertEquals(List.of(), options.trackPids());
        assertEquals(Path.of("/proc"), options.procPath());
        assertEquals(true, options.containers());
        assertEquals(CriChoice.SEARCH, options.cri());
        assertEquals(OutputFormat.TEXT, options.format());
        assertEquals(Optional.empty(), options.output());
        assertEquals("INFO", options.logLevel());
        assertEquals(Optional.empty(), options.statsInterval());
    }

    @Test
    void criSocketNoneTurnsNamesOffAndARelativePathIsRefused() throws Exception {
        assertEquals(CriChoice.OFF, parse("--cri-socket=none").cri());
        assertEquals(false, parse("--containers=off").containers());
        UsageException onOff = org.junit.jupiter.api.Assertions.assertThrows(UsageException.class,
                () -> parse("--containers=maybe"));
        org.junit.jupiter.api.Assertions.assertTrue(onOff.getMessage().contains("--containers"), onOff.getMessage());
        UsageException e = org.junit.jupiter.api.Assertions.assertThrows(UsageException.class,
                () -> parse("--cri-socket=run/containerd.sock"));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("--cri-socket"), e.getMessage());
    }

    @Test
    void everyFlagWithASeparateValue() throws Exception {
        CliOptions options = parse(
                "--env-prefix", "RD_", "--env", "RD_ID", "--env", "HOME",
                "--exclude-exe", "/usr/bin/bash", "--exclude-exe", "/bin/sleep",
                "--min-duration", "250ms", "--open-trigger", "/etc/passwd", "--open-trigger", "/etc/shadow",
                "--track-pid", "1", "--track-pid", "4242", "--proc", "/host/proc",
                "--cri-socket", "/run/k3s/containerd/containerd.sock", "--format", "json",
                "--output", "events.jsonl", "--log-level", "debug", "--stats-interval", "2m");
        assertEquals(expectedFull(), options);
    }

    @Test
    void everyFlagWithAnEqualsSign() throws Exception {
        CliOptions options = parse(
                "--env-prefix=RD_", "--env=RD_ID", "--env=HOME",
                "--exclude-exe=/usr/bin/bash", "--exclude-exe=/bin/sleep",
                "--min-duration=250ms", "--open-trigger=/etc/passwd", "--open-trigger=/etc/shadow",
                "--track-pid=1", "--track-pid=4242", "--proc=/host/proc",
                "--cri-socket=/run/k3s/containerd/containerd.sock", "--format=json",
                "--output=events.jsonl", "--log-level=debug", "--stats-interval=2m");
        assertEquals(expectedFull(), options);
    }

    private static CliOptions expectedFull() {
        return new CliOptions(Command.RUN, Optional.of("RD_"), List.of("RD_ID", "HOME"),
                List.of(Path.of("/usr/bin/bash"), Path.of("/bin/sleep")), Duration.ofMillis(250),
                List.of(Path.of("/etc/passwd"), Path.of("/etc/shadow")), List.of(1, 4242), Path.of("/host/proc"), true,
                CriChoice.at(Path.of("/run/k3s/containerd/containerd.sock")), OutputFormat.JSON, Optional.of(Path.of("events.jsonl")), "DEBUG", Optional.of(Duration.ofMinutes(2)),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    @Test
    void aStateDirectoryMustBeAbsolute() throws Exception {
        assertEquals(Optional.of(Path.of("/var/lib/runtime-detector")),
                parse("--state-dir", "/var/lib/runtime-detector").stateDir());
        assertEquals(Optional.of(Path.of("/var/lib/rd")),
                new Cli(Map.of("RD_STATE_DIR", "/var/lib/rd")).parse(List.of()).stateDir());
        assertEquals(Optional.empty(), parse().stateDir());
        assertRefused("--state-dir: must be an absolute path, was state", () -> parse("--state-dir", "state"));
    }

    @Test
    void everyFlagCanComeFromItsEnvironmentVariable() throws Exception {
        Cli fromEnv = new Cli(Map.ofEntries(
                Map.entry("RD_ENV_PREFIX", "RD_"), Map.entry("RD_ENV", "RD_ID,HOME"),
                Map.entry("RD_EXCLUDE_EXE", "/usr/bin/bash,/bin/sleep"), Map.entry("RD_MIN_DURATION", "250ms"),
                Map.entry("RD_OPEN_TRIGGER", "/etc/passwd,/etc/shadow"), Map.entry("RD_TRACK_PID", "1,4242"),
                Map.entry("RD_PROC", "/host/proc"), Map.entry("RD_FORMAT", "json"),
                Map.entry("RD_CRI_SOCKET", "/run/k3s/containerd/containerd.sock"),
                Map.entry("RD_OUTPUT", "events.jsonl"), Map.entry("RD_LOG_LEVEL", "debug"),
                Map.entry("RD_STATS_INTERVAL", "2m")));
        assertEquals(expectedFull(), fromEnv.parse(List.of()));
    }

    @Test
    void aFlagWinsOverItsVariableAndABadVariableIsRefusedByItsName() throws Exception {
        Cli fromEnv = new Cli(Map.of("RD_MIN_DURATION", "5s", "RD_FORMAT", "yaml"));
        assertEquals(Duration.ZERO, fromEnv.parse(List.of("--min-duration=0", "--format", "text")).minDuration());
        assertRefused("RD_FORMAT: 'yaml' is not a format (use text or json)", () -> fromEnv.parse(List.of()));
    }

    @Test
    void kafkaAndMetricsFlags() throws Exception {
        CliOptions options = new Cli(Map.of("NODE_NAME", "node-7")).parse(List.of(
                "--kafka-bootstrap", "k1:9092,k2:9092", "--kafka-property", "compression.type=zstd",
                "--kafka-property=sasl.jaas.config=a=b, c", "--metrics-port=9400"));
        assertEquals(Optional.of(new KafkaOptions("k1:9092,k2:9092", "runtime-detector-events",
                Map.of("compression.type", "zstd", "sasl.jaas.config", "a=b, c"), "node-7")), options.kafka());
        assertEquals(Optional.of(new MetricsOptions("0.0.0.0", 9400)), options.metrics());

        CliOptions named = new Cli(Map.of("RD_KAFKA_PROPERTY", "acks.timeout=1\nlinger.ms=5")).parse(List.of(
                "--kafka-bootstrap=k:1", "--kafka-topic=t", "--node-name=n", "--metrics-address=127.0.0.1",
                "--metrics-port", "1"));
        assertEquals(Optional.of(new KafkaOptions("k:1", "t", Map.of("acks.timeout", "1", "linger.ms", "5"), "n")),
                named.kafka());
        assertEquals(Optional.of(new MetricsOptions("127.0.0.1", 1)), named.metrics());
        assertEquals(Optional.empty(), parse().kafka());
        assertEquals(Optional.empty(), parse().metrics());
        assertRefused("--metrics-port: '70000' is not a TCP port (1 to 65535)", () -> parse("--metrics-port", "70000"));
        assertRefused("--kafka-property: 'linger' is not KEY=VALUE", () -> parse("--kafka-property", "linger"));
    }

    @Test
    void theHelpIsGeneratedWithTheDefaults() {
        String help = Cli.help();
        for (String flag : List.of("--pin-dir", "--reader-timeout", "--state-dir", "--unpin",
                "--env-prefix", "--env", "--exclude-exe", "--min-duration", "--open-trigger",
                "--track-pid", "--proc", "--format", "--output", "--log-level", "--stats-interval", "--kafka-bootstrap",
                "--kafka-topic", "--kafka-property", "--node-name", "--metrics-port", "--metrics-address", "--help",
                "--version")) {
            assertTrue(help.contains(flag), flag + " in the help:\n" + help);
        }
        assertTrue(help.contains("Default: 1s"), help);
        assertTrue(help.contains("Default: runtime-detector-events"), help);
        assertTrue(help.contains("RD_MIN_DURATION"), help);
    }

    @Test
    void onlyTheValueAfterTheFirstEqualsSignIsTheValue() throws Exception {
        assertEquals(Path.of("/tmp/a=b"), parse("--output=/tmp/a=b").output().orElseThrow());
    }

    @ParameterizedTest
    @CsvSource({"0, PT0S", "250ms, PT0.25S", "1s, PT1S", "2m, PT2M", "1h, PT1H", "0ms, PT0S"})
    void durations(String text, Duration expected) throws Exception {
        assertEquals(expected, parse("--min-duration", text).minDuration());
    }

    @Test
    void helpAndVersionStopParsing() throws Exception {
        assertEquals(Command.HELP, parse("--env", "A", "--help", "--no-such-flag").command());
        assertEquals(Command.VERSION, parse("--version").command());
        assertEquals(Command.HELP, parse("--help", "--version").command());
    }

    @Test
    void procComesFromHostProcfsUnlessTheFlagIsGiven() throws Exception {
        Cli inPod = new Cli(Map.of("HOST_PROCFS", "/host/proc"));
        assertEquals(Path.of("/host/proc"), inPod.parse(List.of()).procPath());
        assertEquals(Path.of("/other/proc"), inPod.parse(List.of("--proc", "/other/proc")).procPath());
        assertEquals(Path.of("/proc"), new Cli(Map.of("HOST_PROCFS", "")).parse(List.of()).procPath());
    }

    @Test
    void aRelativeHostProcfsIsRefusedByName() {
        Cli inPod = new Cli(Map.of("HOST_PROCFS", "host/proc"));
        assertRefused("HOST_PROCFS: 'host/proc' is a relative path; give an absolute one", () -> inPod.parse(List.of()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            --min-duration|1x|--min-duration: '1x' is not a duration (use e.g. 0, 250ms, 1s, 2m)
            --min-duration|-1s|--min-duration: '-1s' is negative; the duration must be 0 or more
            --min-duration|5|--min-duration: '5' has no unit (use ms, s, m or h)
            --min-duration|99999999999999999999s|--min-duration: '99999999999999999999s' is too large
            --min-duration|9223372036854775807h|--min-duration: '9223372036854775807h' is too large
            --stats-interval|soon|--stats-interval: 'soon' is not a duration (use e.g. 0, 250ms, 1s, 2m)
            --stats-interval|0|--stats-interval: must be more than 0 (leave the flag out for no periodic stats)
            --exclude-exe|bin/bash|--exclude-exe: 'bin/bash' is a relative path; give an absolute one
            --open-trigger|etc/passwd|--open-trigger: 'etc/passwd' is a relative path; give an absolute one
            --proc|proc|--proc: 'proc' is a relative path; give an absolute one
            --env-prefix|A=B|--env-prefix: 'A=B' contains '=', which cannot be part of a variable name
            --env|A=B|--env: 'A=B' contains '=', which cannot be part of a variable name
            --track-pid|abc|--track-pid: 'abc' is not a process id (a positive whole number)
            --track-pid|0|--track-pid: '0' is not a process id (a positive whole number)
            --track-pid|-5|--track-pid: '-5' is not a process id (a positive whole number)
            --track-pid|99999999999|--track-pid: '99999999999' is not a process id (a positive whole number)
            --format|xml|--format: 'xml' is not a format (use text or json)
            --log-level|loud|--log-level: 'loud' is not a level (use trace, debug, info, warn, error or off)
            """)
    void badValuesAreRefusedNamingTheFlag(String flag, String value, String message) {
        assertRefused(message, () -> parse(flag, value));
        assertRefused(message, () -> parse(flag + "=" + value));
    }

    @Test
    void anOverLongPrefixIsRefused() throws Exception {
        String max = "P".repeat(63);
        assertEquals(Optional.of(max), parse("--env-prefix", max).envPrefix());
        assertRefused("--env-prefix: '" + max + "Q' is 64 bytes long; at most 63 are allowed",
                () -> parse("--env-prefix", max + "Q"));
        // Bytes, not characters: the kernel compares bytes.
        String wide = "É".repeat(32);
        assertRefused("--env-prefix: '" + wide + "' is 64 bytes long; at most 63 are allowed",
                () -> parse("--env-prefix", wide));
    }

    @Test
    void pathsAreNormalizedAndRepeatsCountOnce() throws Exception {
        CliOptions options = parse("--exclude-exe", "/bin/../bin/bash", "--exclude-exe", "/bin/bash",
                "--open-trigger", "/etc/./passwd", "--open-trigger", "/etc/passwd");
        assertEquals(List.of(Path.of("/bin/bash")), options.excludedExecutables());
        assertEquals(List.of(Path.of("/etc/passwd")), options.openTriggers());
    }

    @Test
    void theKernelTablesLimitHowManyPathsAreAccepted() throws Exception {
        // 32 excluded executables in the kernel, one of which is always /pause.
        assertEquals(31, parse(repeated("--exclude-exe", "/x/bin", 31)).excludedExecutables().size());
        List<String> withPause = new java.util.ArrayList<>(List.of(repeated("--exclude-exe", "/x/bin", 31)));
        withPause.addAll(List.of("--exclude-exe", "/pause"));
        assertEquals(32, parser.parse(withPause).excludedExecutables().size());
        assertRefused("--exclude-exe: given for 32 paths; at most 31 are supported (/pause is always excluded)",
                () -> parse(repeated("--exclude-exe", "/x/bin", 32)));
        assertEquals(64, parse(repeated("--open-trigger", "/x/file", 64)).openTriggers().size());
        assertRefused("--open-trigger: given for 65 paths; at most 64 are supported",
                () -> parse(repeated("--open-trigger", "/x/file", 65)));
    }

    @Test
    void aPathLongerThanTheKernelComparesIsRefused() throws Exception {
        String max = "/" + "a".repeat(254);
        assertEquals(Path.of(max), parse("--open-trigger", max).openTriggers().get(0));
        assertRefused("--exclude-exe: '" + max + "b' is 256 bytes long; at most 255 are allowed",
                () -> parse("--exclude-exe", max + "b"));
        assertRefused("--open-trigger: '" + max + "b' is 256 bytes long; at most 255 are allowed",
                () -> parse("--open-trigger", max + "b"));
    }

    private static String[] repeated(String flag, String pathPrefix, int count) {
        String[] args = new String[count * 2];
        for (int i = 0; i < count; i++) {
            args[2 * i] = flag;
            args[2 * i + 1] = pathPrefix + i;
        }
        return args;
    }

    @Test
    void emptyValuesAreRefused() {
        assertRefused("--env-prefix: must not be empty (leave the flag out to report every process)",
                () -> parse("--env-prefix="));
        assertRefused("--env: must not be empty", () -> parse("--env="));
        assertRefused("--output: must not be empty", () -> parse("--output="));
    }

    @Test
    void unknownFlagsAndStrayArgumentsAreRefused() {
        assertRefused("--colour: unknown flag", () -> parse("--colour", "red"));
        assertRefused("--colour: unknown flag", () -> parse("--colour=red"));
        assertRefused("json: unexpected argument (flags start with --)", () -> parse("--format", "text", "json"));
        assertRefused("-h: unexpected argument (flags start with --)", () -> parse("-h"));
    }

    @Test
    void aMissingValueIsRefused() {
        assertRefused("--env-prefix: missing value", () -> parse("--env-prefix"));
        assertRefused("--format: missing value", () -> parse("--format", "--env", "A"));
        assertRefused("--track-pid: missing value", () -> parse("--env", "A", "--track-pid"));
    }

    @Test
    void flagsWithoutValueRefuseOne() {
        assertRefused("--help: takes no value", () -> parse("--help=yes"));
        assertRefused("--version: takes no value", () -> parse("--version=1"));
    }

    private static void assertRefused(String message, org.junit.jupiter.api.function.Executable parse) {
        UsageException refused = assertThrows(UsageException.class, parse);
        assertEquals(message, refused.getMessage());
    }

    @Test
    void pinnedModeIsOptInAndItsTimeoutIsCheckedByTheProbesRules() throws Exception {
        assertEquals(Optional.empty(), parse().pinning());
        CliOptions pinned = parse("--pin-dir", "/sys/fs/bpf/rd", "--reader-timeout", "5m");
        assertEquals(Optional.of(new PinOptions(Path.of("/sys/fs/bpf/rd"), Duration.ofMinutes(5))), pinned.pinning());
        assertEquals(Path.of("/sys/fs/bpf/rd"), pinned.detectorOptions().build().probeConfig().pinDir().orElseThrow());
        assertEquals(Duration.ofMinutes(10), parse("--pin-dir", "/sys/fs/bpf/rd").pinning().orElseThrow().readerTimeout());
        assertEquals(Optional.of(new PinOptions(Path.of("/sys/fs/bpf/x"), Duration.ZERO)),
                new Cli(Map.of("RD_PIN_DIR", "/sys/fs/bpf/x", "RD_READER_TIMEOUT", "0")).parse(List.of()).pinning());

        assertRefused("--pin-dir: 'bpf/rd' is a relative path; give an absolute one", () -> parse("--pin-dir", "bpf/rd"));
        UsageException tooShort = assertThrows(UsageException.class,
                () -> parse("--pin-dir", "/sys/fs/bpf/rd", "--reader-timeout", "100ms"));
        assertEquals("--reader-timeout", tooShort.subject(), tooShort.getMessage());
    }

    @Test
    void unpinNeedsTheDirectoryItClears() throws Exception {
        assertEquals(Command.UNPIN, parse("--unpin", "--pin-dir", "/sys/fs/bpf/rd").command());
        assertRefused("--unpin: needs --pin-dir, the directory whose pins to remove", () -> parse("--unpin"));
    }
}
