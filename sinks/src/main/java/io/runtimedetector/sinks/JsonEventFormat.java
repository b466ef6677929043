package io.runtimedetector.sinks;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ExitInfo;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.TreeMap;

/**
 * The JSON form of an event, one object on one line, as documented in JSON_SCHEMA.md.
 * Written field by field with a streaming generator so that the field order is part of
 * the format: consumers that compare or grep lines see the same order every time.
 */
public final class JsonEventFormat implements EventFormat {

    private final JsonFactory factory = new JsonFactory();

    @Override
    public String format(ProcessEvent event) {
        StringWriter out = new StringWriter(256);
        try (JsonGenerator json = factory.createGenerator(out)) {
            write(event, json);
        } catch (IOException e) {
            // A StringWriter does not fail; this would be a bug in the generator.
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private static void write(ProcessEvent event, JsonGenerator json) throws IOException {
        ProcessInfo process = event.process();
        json.writeStartObject();
        json.writeStringField("type", event.type().name());
        json.writeNumberField("pid", event.pid());
        json.writeStringField("time", timestamp(event.time()));
        json.writeStringField("startTime", timestamp(process.startTime()));
        // The kernel's own start: with pid, what names the process the same way in every detector.
        json.writeNumberField("startBootTimeNs", event.startBootTimeNs());
        json.writeNumberField("ppid", process.ppid());
        json.writeNumberField("uid", process.uid());
        json.writeStringField("exePath", process.exePath());
        json.writeStringField("exeLink", process.exeLink());
        json.writeArrayFieldStart("cmdLine");
        for (String arg : process.cmdLine()) {
            json.writeString(arg);
        }
        json.writeEndArray();
        json.writeObjectFieldStart("envs");
        // Sorted: the record's map has no stable iteration order.
        for (Map.Entry<String, String> env : new TreeMap<>(process.envs()).entrySet()) {
            json.writeStringField(env.getKey(), env.getValue());
        }
        json.writeEndObject();
        json.writeNumberField("containerPid", process.containerPid());
        json.writeNumberField("cgroupId", process.cgroupId());
        if (event.type() == EventType.FILE_OPEN) {
            json.writeStringField("filePath", event.filePath());
        }
        if (event.type() == EventType.EXIT) {
            ExitInfo exit = event.exit();
            json.writeNumberField("exitCode", exit.exitCode());
            json.writeNumberField("signal", exit.signal());
            json.writeNumberField("lifetimeMs", exit.lifetime().toMillis());
        }
        if (process.container() != null) {
            writeContainer(process.container(), json);
        }
        if (!process.imageKnown()) {
            // Only then: every line of a process the detector knew stays as it always was.
            json.writeBooleanField("imageUnknown", true);
        }
        json.writeEndObject();
    }

    /** Last, as fields added later go; each unknown field is null, never made up. */
    private static void writeContainer(ContainerInfo c, JsonGenerator json) throws IOException {
        json.writeObjectFieldStart("container");
        nullable(json, "id", c.id());
        nullable(json, "runtime", c.runtime());
        nullable(json, "podUid", c.podUid());
        nullable(json, "podName", c.podName());
        nullable(json, "podNamespace", c.podNamespace());
        nullable(json, "containerName", c.containerName());
        json.writeEndObject();
    }

    private static void nullable(JsonGenerator json, String field, String value) throws IOException {
        if (value == null) {
            json.writeNullField(field);
        } else {
            json.writeStringField(field, value);
        }
    }

    private static String timestamp(Instant instant) {
        return DateTimeFormatter.ISO_INSTANT.format(instant);
    }
}
