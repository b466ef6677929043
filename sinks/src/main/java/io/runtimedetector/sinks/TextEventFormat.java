package io.runtimedetector.sinks;

import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.ExitInfo;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.util.Map;
import java.util.TreeMap;

/**
 * A line for people, e.g.
 * {@code EXEC pid=123 ppid=1 uid=1000 exe=/usr/bin/python3 cmd="python3 app.py" envs={RD_ID=7} container_pid=1},
 * then, for a process in a container, {@code container={id=..., runtime=containerd, pod_uid=..., namespace=shop,
 * pod=cart-7d9f, name=app}} with only the fields that are known.
 * An EXIT whose image the detector never had (see {@code ProcessInfo.imageKnown}) ends with
 * {@code image=unknown}.
 * The command line is quoted and escaped so that one event stays on one line whatever
 * the arguments contain.
 */
public final class TextEventFormat implements EventFormat {

    @Override
    public String format(ProcessEvent event) {
        ProcessInfo process = event.process();
        StringBuilder line = new StringBuilder(160)
                .append(event.type()).append(" pid=").append(event.pid())
                .append(" ppid=").append(process.ppid())
                .append(" uid=").append(process.uid())
                .append(" exe=").append(escape(process.exePath()));
        if (!process.exeLink().isEmpty() && !process.exeLink().equals(process.exePath())) {
            line.append(" link=").append(escape(process.exeLink()));
        }
        line.append(" cmd=\"").append(escape(String.join(" ", process.cmdLine()))).append('"');
        if (!process.envs().isEmpty()) {
            line.append(" envs=").append(envs(process.envs()));
        }
        line.append(" container_pid=").append(process.containerPid());
        if (process.container() != null) {
            appendContainer(line, process.container());
        }
        switch (event.type()) {
            case FILE_OPEN -> line.append(" file=").append(escape(event.filePath()));
            case EXIT -> appendExit(line, event.exit());
            default -> {
            }
        }
        if (!process.imageKnown()) {
            line.append(" image=unknown");
        }
        return line.toString();
    }

    /** Only what is known: a field the runtime did not tell is left out, not printed as a guess. */
    private static void appendContainer(StringBuilder line, ContainerInfo c) {
        StringBuilder fields = new StringBuilder();
        field(fields, "id", c.id());
        field(fields, "runtime", c.runtime());
        field(fields, "pod_uid", c.podUid());
        field(fields, "namespace", c.podNamespace());
        field(fields, "pod", c.podName());
        field(fields, "name", c.containerName());
        line.append(" container={").append(fields).append('}');
    }

    private static void field(StringBuilder fields, String name, String value) {
        if (value != null) {
            if (!fields.isEmpty()) {
                fields.append(", ");
            }
            fields.append(name).append('=').append(escape(value));
        }
    }

    private static void appendExit(StringBuilder line, ExitInfo exit) {
        line.append(" exit_code=").append(exit.exitCode())
                .append(" signal=").append(exit.signal())
                .append(" lifetime=").append(exit.lifetime().toMillis()).append("ms");
    }

    private static String envs(Map<String, String> envs) {
        StringBuilder out = new StringBuilder("{");
        new TreeMap<>(envs).forEach((key, value) -> {
            if (out.length() > 1) {
                out.append(", ");
            }
            out.append(escape(key)).append('=').append(escape(value));
        });
        return out.append('}').toString();
    }

    /** Keeps the line single and the quotes unambiguous: \, " and control characters are escaped. */
    static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String replacement = switch (c) {
                case '\\' -> "\\\\";
                case '"' -> "\\\"";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : null;
            };
            if (replacement != null && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (replacement != null) {
                    out.append(replacement);
                } else {
                    out.append(c);
                }
            }
        }
        return out == null ? text : out.toString();
    }
}
