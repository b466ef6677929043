package io.runtimedetector.app;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;

/**
 * Checks one flag's value and turns it into its type. Every refusal names the flag (or
 * the environment variable it came from) and says what is wrong with the value.
 */
final class FlagValues {

    /** The kernel program keeps the prefix in 64 bytes including the terminating NUL. */

    private static final Set<String> LOG_LEVELS = Set.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

    private FlagValues() {
    }

    /** Only what the command line adds: the detector's options check the prefix itself. */
    static String envPrefix(String flag, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException(flag, "must not be empty (leave the flag out to report every process)");
        }
        return value;
    }

    static Path absolutePath(String flag, String value) throws UsageException {
        Path path = path(flag, value);
        if (!path.isAbsolute()) {
            throw new UsageException(flag, "'" + value + "' is a relative path; give an absolute one");
        }
        return path.normalize();
    }

    static Path path(String flag, String value) throws UsageException {
        if (value.isEmpty()) {
            throw new UsageException(flag, "must not be empty");
        }
        try {
            return Path.of(value);
        } catch (InvalidPathException e) {
            throw new UsageException(flag, "'" + value + "' is not a valid path");
        }
    }

    static int pid(String flag, String value) throws UsageException {
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

    static int port(String flag, String value) throws UsageException {
        try {
            int port = Integer.parseInt(value);
            if (port >= 1 && port <= 65_535) {
                return port;
            }
        } catch (NumberFormatException e) {
            // Reported below, like a port that is out of range.
        }
        throw new UsageException(flag, "'" + value + "' is not a TCP port (1 to 65535)");
    }

    static OutputFormat format(String flag, String value) throws UsageException {
        return switch (value) {
            case "text" -> OutputFormat.TEXT;
            case "json" -> OutputFormat.JSON;
            default -> throw new UsageException(flag, "'" + value + "' is not a format (use text or json)");
        };
    }

    static boolean onOff(String flag, String value) throws UsageException {
        return switch (value) {
            case "on" -> true;
            case "off" -> false;
            default -> throw new UsageException(flag, "'" + value + "' is neither on nor off");
        };
    }

    static String logLevel(String flag, String value) throws UsageException {
        String level = value.toUpperCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
            throw new UsageException(flag, "'" + value + "' is not a level (use trace, debug, info, warn, error or off)");
        }
        return level;
    }

    static Duration positive(String flag, String value) throws UsageException {
        Duration duration = DurationFlag.parse(flag, value);
        if (duration.isZero()) {
            throw new UsageException(flag, "must be more than 0 (leave the flag out for no periodic stats)");
        }
        return duration;
    }

    /** A {@code KEY=VALUE} pair; the value may itself contain '='. */
    static String[] property(String flag, String value) throws UsageException {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw new UsageException(flag, "'" + value + "' is not KEY=VALUE");
        }
        return new String[] {value.substring(0, eq).strip(), value.substring(eq + 1)};
    }

    static String nonEmpty(String flag, String value) throws UsageException {
        if (value.isBlank()) {
            throw new UsageException(flag, "must not be empty");
        }
        return value;
    }
}
