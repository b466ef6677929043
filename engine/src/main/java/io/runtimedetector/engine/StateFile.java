package io.runtimedetector.engine;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.ProcessInfo;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The file a graceful stop leaves in the state directory: JSON Lines, a header line
 * naming the format and its version, then one line per followed process. Written to a
 * temporary file and renamed over, so that a reader finds the whole file or none. Read
 * once by the next detector, which deletes it first thing: a crash after that start must
 * not hand the same, by then stale, processes to the one after it.
 *
 * <p>Anything wrong with it (not JSON, another format, another version, a field
 * missing) costs one log line and the file; the detector starts as without one.
 */
final class StateFile {

    static final String NAME = "followed-processes.jsonl";
    static final String FORMAT = "runtime-detector-followed-processes";
    static final int VERSION = 1;

    private static final ObjectMapper JSON = new ObjectMapper();

    private StateFile() {
    }

    /** Writes the processes atomically; the directory is created when missing. */
    static void write(Path dir, Collection<SavedProcess> processes, Instant now) throws IOException {
        Files.createDirectories(dir);
        Path temp = dir.resolve(NAME + ".tmp");
        try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
            ObjectNode header = JSON.createObjectNode()
                    .put("format", FORMAT)
                    .put("version", VERSION)
                    .put("written", now.toString())
                    .put("processes", processes.size());
            out.write(JSON.writeValueAsString(header));
            out.newLine();
            for (SavedProcess p : processes) {
                out.write(JSON.writeValueAsString(encode(p)));
                out.newLine();
            }
        }
        try {
            Files.move(temp, dir.resolve(NAME), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, dir.resolve(NAME), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /**
     * Reads the file once and deletes it. @return its processes; empty when there is no
     * file or it cannot be used, which is logged in one line
     */
    static List<SavedProcess> take(Path dir, Logger log) {
        Path file = dir.resolve(NAME);
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException | RuntimeException e) {
            log.warn("ignoring the state file {}: cannot read it ({})", file, e.toString());
            delete(file, log);
            return List.of();
        }
        delete(file, log);
        try {
            return decode(lines);
        } catch (JsonProcessingException | IllegalArgumentException | NullPointerException | DateTimeParseException e) {
            log.warn("ignoring the state file {}: {}", file, e.getMessage() == null ? e.toString()
                    : e.getMessage().lines().findFirst().orElse(""));
            return List.of();
        }
    }

    private static void delete(Path file, Logger log) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            log.warn("cannot delete the state file {} after reading it: {}", file, e.toString());
        }
    }

    static List<SavedProcess> decode(List<String> lines) throws JsonProcessingException {
        if (lines.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        JsonNode header = JSON.readTree(lines.get(0));
        if (header == null || !FORMAT.equals(header.path("format").asText())) {
            throw new IllegalArgumentException("not a " + FORMAT + " file");
        }
        int version = header.path("version").asInt(-1);
        if (version != VERSION) {
            throw new IllegalArgumentException("format version " + version + ", this detector reads " + VERSION);
        }
        List<SavedProcess> processes = new ArrayList<>(lines.size() - 1);
        for (int i = 1; i < lines.size(); i++) {
            if (!lines.get(i).isBlank()) {
                processes.add(decode(JSON.readTree(lines.get(i)), i + 1));
            }
        }
        int declared = header.path("processes").asInt(-1);
        if (declared != processes.size()) {
            // A truncated file: its last processes are missing, and maybe more than that.
            throw new IllegalArgumentException("it declares " + declared + " processes and holds "
                    + processes.size());
        }
        return processes;
    }

    private static ObjectNode encode(SavedProcess p) {
        ProcessInfo i = p.image();
        ObjectNode image = JSON.createObjectNode()
                .put("ppid", i.ppid())
                .put("uid", i.uid())
                .put("containerPid", i.containerPid())
                .put("cgroupId", i.cgroupId())
                .put("exePath", i.exePath())
                .put("exeLink", i.exeLink())
                .put("startTime", i.startTime().toString());
        ArrayNode cmdLine = image.putArray("cmdLine");
        i.cmdLine().forEach(cmdLine::add);
        ObjectNode envs = image.putObject("envs");
        i.envs().forEach(envs::put);
        if (i.container() != null) {
            ContainerInfo c = i.container();
            image.putObject("container")
                    .put("id", c.id())
                    .put("runtime", c.runtime())
                    .put("podUid", c.podUid())
                    .put("podName", c.podName())
                    .put("podNamespace", c.podNamespace())
                    .put("containerName", c.containerName());
        }
        ObjectNode line = JSON.createObjectNode()
                .put("pid", p.key().pid())
                .put("startBootTimeNs", p.key().startBootTimeNs())
                .put("execReported", p.execReported())
                .put("requested", p.requested());
        line.set("image", image);
        return line;
    }

    private static SavedProcess decode(JsonNode line, int lineNumber) {
        JsonNode image = required(line, "image", lineNumber);
        List<String> cmdLine = new ArrayList<>();
        required(image, "cmdLine", lineNumber).forEach(arg -> cmdLine.add(arg.asText()));
        Map<String, String> envs = new LinkedHashMap<>();
        required(image, "envs", lineNumber).fields()
                .forEachRemaining(env -> envs.put(env.getKey(), env.getValue().asText()));
        ContainerInfo container = Optional.ofNullable(image.get("container")).filter(JsonNode::isObject)
                .map(c -> new ContainerInfo(text(c, "id"), text(c, "runtime"), text(c, "podUid"), text(c, "podName"),
                        text(c, "podNamespace"), text(c, "containerName")))
                .orElse(null);
        ProcessInfo info = new ProcessInfo(required(image, "ppid", lineNumber).asInt(),
                required(image, "uid", lineNumber).asInt(), required(image, "containerPid", lineNumber).asInt(),
                required(image, "cgroupId", lineNumber).asLong(), required(image, "exePath", lineNumber).asText(),
                required(image, "exeLink", lineNumber).asText(), cmdLine, envs,
                Instant.parse(required(image, "startTime", lineNumber).asText()), container);
        int pid = required(line, "pid", lineNumber).asInt();
        if (pid <= 0) {
            throw new IllegalArgumentException("line " + lineNumber + ": pid " + pid);
        }
        return new SavedProcess(new ProcessKey(pid, required(line, "startBootTimeNs", lineNumber).asLong()), info,
                required(line, "execReported", lineNumber).asBoolean(), line.path("requested").asBoolean(false));
    }

    private static JsonNode required(JsonNode node, String field, int lineNumber) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IllegalArgumentException("line " + lineNumber + ": no " + field);
        }
        return value;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
