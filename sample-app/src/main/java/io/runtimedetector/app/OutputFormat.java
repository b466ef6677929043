package io.runtimedetector.app;

/** How events are written: {@code --format}. */
public enum OutputFormat {
    /** One human-readable line per event. */
    TEXT,
    /** One JSON object per line (JSON Lines), see sinks/JSON_SCHEMA.md. */
    JSON
}
