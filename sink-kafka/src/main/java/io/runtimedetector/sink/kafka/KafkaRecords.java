package io.runtimedetector.sink.kafka;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sinks.JsonEventFormat;

/**
 * The key and value of an event's record. The key {@code node/pid/startBootTimeNs} names
 * one process on one node, so all its events land in one partition, in order. The value
 * is the event's JSON Lines object (sinks/JSON_SCHEMA.md) with a {@code node} field first.
 */
final class KafkaRecords {

    private final String node;
    private final String nodeField;
    private final JsonEventFormat json = new JsonEventFormat();

    KafkaRecords(String node) {
        this.node = node;
        this.nodeField = "{\"node\":\"" + new String(JsonStringEncoder.getInstance().quoteAsString(node)) + "\",";
    }

    String key(ProcessEvent event) {
        return node + "/" + event.pid() + "/" + event.startBootTimeNs();
    }

    String value(ProcessEvent event) {
        // The format always writes an object with at least "type": splice the node in after its '{'.
        return nodeField + json.format(event).substring(1);
    }
}
