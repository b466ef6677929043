package io.runtimedetector.app;

import io.runtimedetector.sink.EventSink;
import io.runtimedetector.sinks.EventFormat;
import io.runtimedetector.sinks.JsonEventFormat;
import io.runtimedetector.sinks.LinesSink;
import io.runtimedetector.sinks.TextEventFormat;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** The sink that {@code --format} and {@code --output} ask for. */
final class EventOutputs {

    private EventOutputs() {
    }

    /**
     * @param stdout where events go without {@code --output}; left open
     * @throws UsageException when the output file cannot be opened, naming {@code --output}
     */
    static EventSink create(OutputFormat format, Optional<Path> file, OutputStream stdout) throws UsageException {
        EventFormat lines = switch (format) {
            case TEXT -> new TextEventFormat();
            case JSON -> new JsonEventFormat();
        };
        if (file.isEmpty()) {
            return LinesSink.toStream("stdout", lines, stdout);
        }
        Path path = file.get();
        try {
            return LinesSink.toFile(path, lines);
        } catch (IOException e) {
            throw new UsageException("--output", "cannot open '" + path + "' for appending (" + reason(e) + ")");
        }
    }

    /** NIO exceptions carry only the path as their message; say what went wrong instead. */
    private static String reason(IOException e) {
        if (e instanceof NoSuchFileException) {
            return "its directory does not exist";
        }
        if (e instanceof AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileSystemException fs && fs.getReason() != null) {
            return fs.getReason();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
