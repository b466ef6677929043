package io.runtimedetector.app;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The one log line that says the detector is attached and has scanned /proc. Scripts
 * and tests wait for its first words; the settings after them let a person check at a
 * glance what this instance filters.
 */
final class ReadyLine {

    static final String MARKER = "detector ready";

    private ReadyLine() {
    }

    static String of(CliOptions options) {
        return MARKER
                + ": env-prefix=" + options.envPrefix().map(ReadyLine::quoted).orElse("(none, every process)")
                + " env=" + list(options.envKeys())
                + " min-duration=" + options.minDuration().toMillis() + "ms"
                + " exclude-exe=" + paths(options.excludedExecutables())
                + " open-triggers=" + paths(options.openTriggers())
                + " track-pids=" + list(options.trackPids())
                + " proc=" + options.procPath()
                + " format=" + options.format().name().toLowerCase(java.util.Locale.ROOT)
                + " output=" + options.output().map(Path::toString).orElse("stdout");
    }

    private static String quoted(String text) {
        return "\"" + text + "\"";
    }

    private static String list(List<?> items) {
        return items.stream().map(String::valueOf).collect(Collectors.joining(",", "[", "]"));
    }

    private static String paths(List<Path> items) {
        return list(items);
    }
}
