package io.runtimedetector.app;

import io.runtimedetector.DetectorOptions;
import io.runtimedetector.probe.ProbeConfig;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Turns the arguments into {@link CliOptions}, checking every value. Accepts
 * {@code --flag value} and {@code --flag=value}; repeatable flags add up.
 */
public final class CliParser {

    /** Read when {@code --proc} is not given: the DaemonSet mounts the host's /proc elsewhere. */
    public static final String PROC_ENV = "HOST_PROCFS";

    /** The kernel program keeps the prefix in 64 bytes including the terminating NUL. */
    static final int MAX_PREFIX_BYTES = ProbeConfig.MAX_ENV_PREFIX_BYTES;

    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    private final Map<String, String> environment;

    /** @param environment where {@value #PROC_ENV} is looked up (System.getenv() in the app) */
    public CliParser(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public CliOptions parse(List<String> args) throws UsageException {
        Builder options = new Builder();
        Arguments in = new Arguments(args);
        while (in.hasNext()) {
            String arg = in.next();
            if (!arg.startsWith("--")) {
                throw new UsageException(arg, "unexpected argument (flags start with --)");
            }
            int eq = arg.indexOf('=');
            String flag = eq < 0 ? arg : arg.substring(0, eq);
            Optional<String> inline = eq < 0 ? Optional.empty() : Optional.of(arg.substring(eq + 1));
            switch (flag) {
                case "--help" -> {
                    noValue(flag, inline);
                    return CliOptions.only(Command.HELP);
                }
                case "--version" -> {
                    noValue(flag, inline);
                    return CliOptions.only(Command.VERSION);
                }
                case "--env-prefix" -> options.envPrefix = Optional.of(envPrefix(flag, in.value(flag, inline)));
                case "--env" -> options.envKeys.add(envKey(flag, in.value(flag, inline)));
                case "--exclude-exe" -> options.excluded.add(kernelPath(flag, in.value(flag, inline)));
                case "--min-duration" -> options.minDuration = DurationFlag.parse(flag, in.value(flag, inline));
                case "--open-trigger" -> options.openTriggers.add(kernelPath(flag, in.value(flag, inline)));
                case "--track-pid" -> options.trackPids.add(pid(flag, in.value(flag, inline)));
                case "--proc" -> options.procPath = Optional.of(absolutePath(flag, in.value(flag, inline)));
                case "--format" -> options.format = format(flag, in.value(flag, inline));
                case "--output" -> options.output = Optional.of(path(flag, in.value(flag, inline)));
                case "--log-level" -> options.logLevel = logLevel(flag, in.value(flag, inline));
                case "--stats-interval" -> options.statsInterval = Optional.of(positive(flag, in.value(flag, inline)));
                default -> throw new UsageException(flag, "unknown flag");
            }
        }
        // The kernel program has fixed-size tables; /pause is always excluded and takes a slot.
        Set<Path> excluded = new LinkedHashSet<>(options.excluded);
        excluded.add(DetectorOptions.ALWAYS_EXCLUDED);
        if (excluded.size() > ProbeConfig.MAX_EXCLUDED) {
            throw new UsageException("--exclude-exe", "given for " + (excluded.size() - 1)
                    + " paths; at most " + (ProbeConfig.MAX_EXCLUDED - 1) + " are supported (/pause is always excluded)");
        }
        if (options.openTriggers.size() > ProbeConfig.MAX_WATCHED) {
            throw new UsageException("--open-trigger", "given for " + options.openTriggers.size()
                    + " paths; at most " + ProbeConfig.MAX_WATCHED + " are supported");
        }
        Path proc = options.procPath.isPresent() ? options.procPath.get() : procFromEnvironment();
        return options.build(proc);
    }

    private Path procFromEnvironment() throws UsageException {
        String fromEnv = environment.get(PROC_ENV);
        if (fromEnv == null || fromEnv.isEmpty()) {
            return CliOptions.DEFAULT_PROC;
        }
        // Reported as the variable, since no flag was given.
        return absolutePath(PROC_ENV, fromEnv);
    }

    private static void noValue(String flag, Optional<String> inline) throws UsageException {
        if (inline.isPresent()) {
            throw new UsageException(flag, "takes no value");
        }
    }

    private static String envPrefix(String flag, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException(flag, "must not be empty (leave the flag out to report every process)");
        }
        if (value.indexOf('=') >= 0) {
            throw new UsageException(flag, "'" + value + "' contains '=', which cannot be part of a variable name");
        }
        int bytes = value.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_PREFIX_BYTES) {
            throw new UsageException(flag, "'" + value + "' is " + bytes + " bytes long; at most " + MAX_PREFIX_BYTES + " are allowed");
        }
        return value;
    }

    private static String envKey(String flag, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException(flag, "must not be empty");
        }
        if (value.indexOf('=') >= 0) {
            throw new UsageException(flag, "'" + value + "' contains '=', which cannot be part of a variable name");
        }
        return value;
    }

    /** An absolute path the kernel program compares, which holds at most {@value ProbeConfig#MAX_PATH_BYTES} bytes. */
    private static Path kernelPath(String flag, String value) throws UsageException {
        Path path = absolutePath(flag, value);
        int bytes = path.toString().getBytes(StandardCharsets.UTF_8).length;
        if (bytes > ProbeConfig.MAX_PATH_BYTES) {
            throw new UsageException(flag, "'" + value + "' is " + bytes + " bytes long; at most "
                    + ProbeConfig.MAX_PATH_BYTES + " are allowed");
        }
        return path;
    }

    private static Path absolutePath(String flag, String value) throws UsageException {
        Path path = path(flag, value);
        if (!path.isAbsolute()) {
            throw new UsageException(flag, "'" + value + "' is a relative path; give an absolute one");
        }
        return path.normalize();
    }

    private static Path path(String flag, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException(flag, "must not be empty");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new UsageException(flag, "'" + value + "' is not a valid path");
        }
    }

    private static int pid(String flag, String value) throws UsageException {
        try {
            int pid = Integer.parseInt(value);
            if (pid > 0) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // Reported below, like a pid that is out of range.
        }
        throw new UsageException(flag, "'" + value + "' is not a process id (a positive whole number)");
    }

    private static OutputFormat format(String flag, String value) throws UsageException {
        return switch (value) {
            case "text" -> OutputFormat.TEXT;
            case "json" -> OutputFormat.JSON;
            default -> throw new UsageException(flag, "'" + value + "' is not a format (use text or json)");
        };
    }

    private static String logLevel(String flag, String value) throws UsageException {
        String level = value.toUpperCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            throw new UsageException(flag, "'" + value + "' is not a level (use trace, debug, info, warn, error or off)");
        }
        return level;
    }

    private static Duration positive(String flag, String value) throws UsageException {
        Duration duration = DurationFlag.parse(flag, value);
        if (duration.isZero()) {
            throw new UsageException(flag, "must be more than 0 (leave the flag out for no periodic stats)");
        }
        return duration;
    }

    /** The arguments left to read. */
    private static final class Arguments {
        private final List<String> args;
        private int next;

        Arguments(List<String> args) {
            this.args = List.copyOf(args);
        }

        boolean hasNext() {
            return next < args.size();
        }

        String next() {
            return args.get(next++);
        }

        /**
         * The flag's value: after '=' or the next argument. A next argument that is itself a
         * flag means the value was forgotten; taking it as the value would hide that.
         */
        String value(String flag, Optional<String> inline) throws UsageException {
            if (inline.isPresent()) {
                return inline.get();
            }
            if (!hasNext() || args.get(next).startsWith("--")) {
                throw new UsageException(flag, "missing value");
            }
            return next();
        }
    }

    /** Collects values while parsing. */
    private static final class Builder {
        Optional<String> envPrefix = Optional.empty();
        final List<String> envKeys = new ArrayList<>();
        // Sets: a path given twice is one path (the kernel gives each watched file one slot).
        final Set<Path> excluded = new LinkedHashSet<>();
        Duration minDuration = CliOptions.DEFAULT_MIN_DURATION;
        final Set<Path> openTriggers = new LinkedHashSet<>();
        final List<Integer> trackPids = new ArrayList<>();
        Optional<Path> procPath = Optional.empty();
        OutputFormat format = OutputFormat.TEXT;
        Optional<Path> output = Optional.empty();
        String logLevel = CliOptions.DEFAULT_LOG_LEVEL;
        Optional<Duration> statsInterval = Optional.empty();

        CliOptions build(Path proc) {
            return new CliOptions(Command.RUN, envPrefix, envKeys, List.copyOf(excluded), minDuration,
                    List.copyOf(openTriggers), trackPids,
                    proc, format, output, logLevel, statsInterval);
        }
    }
}
