package io.runtimedetector.app;

import io.runtimedetector.engine.DetectorOptions;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine;

/**
 * The command line: picocli parses {@link CliFlags}; each value then comes from the flag,
 * else from its {@code RD_} environment variable, else from the declared default, and
 * is checked into {@link CliOptions}.
 */
final class Cli {

    /** Read when neither {@code --proc} nor {@code RD_PROC} is given: the DaemonSet mounts the host's /proc elsewhere. */
    static final String PROC_ENV = "HOST_PROCFS";
    /** The options the detector's rules name, as the flags that set them. */
    private static final Map<String, String> FLAG_OF_OPTION = Map.of(
            "envPrefix", "--env-prefix",
            "reportedEnvKeys", "--env",
            "excludedExecutables", "--exclude-exe",
            "watchedFiles", "--open-trigger",
            "trackedPids", "--track-pid",
            "minDuration", "--min-duration",
            "pinDir", "--pin-dir",
            "readerTimeout", "--reader-timeout",
            "stateDir", "--state-dir");
    static final String NODE_ENV = "NODE_NAME";
    static final String ENV_PREFIX = "RD_";

    private final Map<String, String> environment;

    /** @param environment where the RD_ variables, {@value #PROC_ENV} and {@value #NODE_ENV} are looked up */
    Cli(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    /** The generated help, defaults included. */
    static String help() {
        return commandLine(new CliFlags()).getUsageMessage(CommandLine.Help.Ansi.OFF);
    }

    /** The variable that stands in for a flag: {@code --min-duration} is {@code RD_MIN_DURATION}. */
    static String envName(String flag) {
        return ENV_PREFIX + flag.substring(2).toUpperCase(Locale.ROOT).replace('-', '_');
    }

    CliOptions parse(List<String> args) throws UsageException {
        CliFlags flags = new CliFlags();
        CommandLine cli = commandLine(flags);
        ParseResult parsed;
        try {
            parsed = cli.parseArgs(args.toArray(String[]::new));
        } catch (ParameterException e) {
            throw usage(e, args);
        }
        if (cli.isUsageHelpRequested()) {
            return CliOptions.only(Command.HELP);
        }
        if (cli.isVersionHelpRequested()) {
            return CliOptions.only(Command.VERSION);
        }
        return new Values(parsed).options();
    }

    private static CommandLine commandLine(CliFlags flags) {
        return new CommandLine(flags)
                // The last of a repeated single-value flag wins, as with most Unix tools.
                .setOverwrittenOptionsAllowed(true)
                // "@file" is an ordinary value here (a path may start with @).
                .setExpandAtFiles(false)
                .setAbbreviatedOptionsAllowed(false)
                .setPosixClusteredShortOptionsAllowed(false);
    }

    /** picocli's refusal, told the way every other refusal is: the flag, then what is wrong. */
    private static UsageException usage(ParameterException e, List<String> args) {
        if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getUnmatched().isEmpty()) {
            String arg = unmatched.getUnmatched().get(0);
            if (arg.startsWith("--")) {
                int eq = arg.indexOf('=');
                String flag = eq < 0 ? arg : arg.substring(0, eq);
                return new UsageException(flag, "unknown flag");
            }
            return new UsageException(arg, "unexpected argument (flags start with --)");
        }
        if (e instanceof CommandLine.MissingParameterException missing && !missing.getMissing().isEmpty()) {
            return new UsageException(nameOf(missing.getMissing().get(0)), "missing value");
        }
        ArgSpec spec = e.getArgSpec();
        if (spec instanceof OptionSpec option) {
            if (option.arity().max() == 0) {
                return new UsageException(option.longestName(), "takes no value");
            }
            return new UsageException(option.longestName(), e.getMessage());
        }
        return new UsageException(args.isEmpty() ? "command line" : String.join(" ", args), e.getMessage());
    }

    private static String nameOf(ArgSpec spec) {
        return spec instanceof OptionSpec option ? option.longestName() : spec.paramLabel();
    }

    /** The values of one parse: flag, else variable, else default; each error names where the value came from. */
    private final class Values {
        private final ParseResult parsed;

        Values(ParseResult parsed) {
            this.parsed = parsed;
        }

        CliOptions options() throws UsageException {
            Optional<String> envPrefix = optional("--env-prefix");
            List<String> envKeys = new ArrayList<>();
            for (Value v : list("--env", ",")) {
                envKeys.add(v.text());
            }
            // Sets: a path given twice is one path (the kernel gives each watched file one slot).
            Set<Path> excluded = new LinkedHashSet<>();
            for (Value v : list("--exclude-exe", ",")) {
                excluded.add(FlagValues.path(v.source(), v.text()).normalize());
            }
            Set<Path> triggers = new LinkedHashSet<>();
            for (Value v : list("--open-trigger", ",")) {
                triggers.add(FlagValues.path(v.source(), v.text()).normalize());
            }
            List<Integer> pids = new ArrayList<>();
            for (Value v : list("--track-pid", ",")) {
                pids.add(FlagValues.pid(v.source(), v.text()));
            }
            Value minDuration = single("--min-duration");
            Value format = single("--format");
            Value logLevel = single("--log-level");
            Optional<Value> stats = optionalValue("--stats-interval");
            Optional<Value> output = optionalValue("--output");
            Optional<Value> stateDir = optionalValue("--state-dir");

            Optional<PinOptions> pinning = pinning();
            boolean unpin = parsed.hasMatchedOption("--unpin");
            if (unpin && pinning.isEmpty()) {
                throw new UsageException("--unpin", "needs --pin-dir, the directory whose pins to remove");
            }
            CliOptions result = new CliOptions(unpin ? Command.UNPIN : Command.RUN,
                    envPrefix.isPresent() ? Optional.of(FlagValues.envPrefix(source("--env-prefix"), envPrefix.get()))
                            : Optional.empty(),
                    envKeys, List.copyOf(excluded),
                    DurationFlag.parse(minDuration.source(), minDuration.text()),
                    List.copyOf(triggers), pids, proc(),
                    FlagValues.onOff(single("--containers").source(), single("--containers").text()), cri(),
                    FlagValues.format(format.source(), format.text()),
                    output.isPresent() ? Optional.of(FlagValues.path(output.get().source(), output.get().text()))
                            : Optional.empty(),
                    FlagValues.logLevel(logLevel.source(), logLevel.text()),
                    stats.isPresent() ? Optional.of(FlagValues.positive(stats.get().source(), stats.get().text()))
                            : Optional.empty(),
                    kafka(), metrics(), pinning,
                    stateDir.isPresent() ? Optional.of(FlagValues.path(stateDir.get().source(), stateDir.get().text()))
                            : Optional.empty());
            checkAgainstDetectorRules(result);
            return result;
        }

        /**
         * The detector's options state and check every limit (the kernel's tables, variable
         * names, absolute paths); building them once here turns a violation into a usage
         * error that names the flag or variable the value came from.
         */
        private void checkAgainstDetectorRules(CliOptions parsed) throws UsageException {
            try {
                parsed.detectorOptions().build();
            } catch (IllegalArgumentException e) {
                String message = String.valueOf(e.getMessage());
                int colon = message.indexOf(':');
                String flag = colon < 0 ? null : FLAG_OF_OPTION.get(message.substring(0, colon));
                if (flag == null) {
                    throw new UsageException("command line", message);
                }
                throw new UsageException(source(flag), message.substring(colon + 1).strip());
            }
        }

        private Optional<PinOptions> pinning() throws UsageException {
            Optional<Value> dir = optionalValue("--pin-dir");
            Value timeout = single("--reader-timeout");
            if (dir.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new PinOptions(FlagValues.absolutePath(dir.get().source(), dir.get().text()),
                    DurationFlag.parse(timeout.source(), timeout.text())));
        }

        private Optional<KafkaOptions> kafka() throws UsageException {
            Optional<Value> bootstrap = optionalValue("--kafka-bootstrap");
            Value topic = single("--kafka-topic");
            Map<String, String> properties = new LinkedHashMap<>();
            for (Value v : list("--kafka-property", "\n")) {
                String[] pair = FlagValues.property(v.source(), v.text());
                properties.put(pair[0], pair[1]);
            }
            if (bootstrap.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new KafkaOptions(FlagValues.nonEmpty(bootstrap.get().source(), bootstrap.get().text()),
                    FlagValues.nonEmpty(topic.source(), topic.text()), properties, nodeName()));
        }

        private String nodeName() throws UsageException {
            Optional<Value> flag = optionalValue("--node-name");
            if (flag.isPresent()) {
                return FlagValues.nonEmpty(flag.get().source(), flag.get().text());
            }
            String fromEnv = environment.get(NODE_ENV);
            if (fromEnv != null && !fromEnv.isBlank()) {
                return fromEnv;
            }
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (UnknownHostException e) {
                throw new UsageException("--node-name", "not given, $" + NODE_ENV + " is not set and the host name"
                        + " cannot be found (" + e.getMessage() + ")");
            }
        }

        private Optional<MetricsOptions> metrics() throws UsageException {
            Optional<Value> port = optionalValue("--metrics-port");
            Value address = single("--metrics-address");
            if (port.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(new MetricsOptions(FlagValues.nonEmpty(address.source(), address.text()),
                    FlagValues.port(port.get().source(), port.get().text())));
        }

        private CriChoice cri() throws UsageException {
            Optional<Value> given = optionalValue("--cri-socket");
            if (given.isEmpty()) {
                return CriChoice.SEARCH;
            }
            if (given.get().text().equals("none")) {
                return CriChoice.OFF;
            }
            return CriChoice.at(FlagValues.absolutePath(given.get().source(), given.get().text()));
        }

        private Path proc() throws UsageException {
            Optional<Value> given = optionalValue("--proc");
            if (given.isPresent()) {
                return FlagValues.absolutePath(given.get().source(), given.get().text());
            }
            String fromEnv = environment.get(PROC_ENV);
            if (fromEnv == null || fromEnv.isEmpty()) {
                return CliOptions.DEFAULT_PROC;
            }
            // Reported as the variable, since no flag was given.
            return FlagValues.absolutePath(PROC_ENV, fromEnv);
        }

        private String source(String flag) {
            return parsed.hasMatchedOption(flag) || !environment.containsKey(envName(flag)) ? flag : envName(flag);
        }

        private Optional<String> optional(String flag) {
            return optionalValue(flag).map(Value::text);
        }

        private Optional<Value> optionalValue(String flag) {
            if (parsed.hasMatchedOption(flag)) {
                return Optional.of(new Value(flag, parsed.matchedOptionValue(flag, "")));
            }
            String fromEnv = environment.get(envName(flag));
            return fromEnv == null ? Optional.empty() : Optional.of(new Value(envName(flag), fromEnv));
        }

        /** A flag with a declared default: present always. */
        private Value single(String flag) {
            return optionalValue(flag).orElseGet(() ->
                    new Value(flag, parsed.commandSpec().findOption(flag).defaultValue()));
        }

        private List<Value> list(String flag, String separator) {
            List<Value> values = new ArrayList<>();
            if (parsed.hasMatchedOption(flag)) {
                List<String> given = parsed.matchedOption(flag).stringValues();
                given.forEach(text -> values.add(new Value(flag, text)));
                return values;
            }
            String fromEnv = environment.get(envName(flag));
            if (fromEnv != null && !fromEnv.isBlank()) {
                for (String text : fromEnv.split(separator)) {
                    if (!text.isBlank()) {
                        values.add(new Value(envName(flag), text.strip()));
                    }
                }
            }
            return values;
        }
    }

    /** One value and where it came from (the flag, or its variable), for the error message. */
    private record Value(String source, String text) {
    }
}
