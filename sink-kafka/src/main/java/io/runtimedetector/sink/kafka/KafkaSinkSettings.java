package io.runtimedetector.sink.kafka;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Where and how the Kafka sink sends. Validated on construction: a bad value fails with
 * an {@link IllegalArgumentException} whose message names the setting.
 *
 * @param bootstrapServers   {@code HOST:PORT[,HOST:PORT...]}
 * @param topic              the topic every event goes to
 * @param nodeName           this node's name: the {@code node} field of each record and the first part of its key
 * @param producerProperties extra producer properties (TLS, SASL, compression); may not weaken delivery
 * @param outageAfter        how long events may wait without any acknowledgement before the broker counts as unreachable
 * @param closeTimeout       on stop, how long events in flight may wait for their acknowledgement (then they
 *                           are given up and counted), and how long closing the producer may take after that
 * @param maxInFlight        events handed to the producer and not yet acknowledged; beyond it the sink's buffer fills
 */
public record KafkaSinkSettings(
        String bootstrapServers,
        String topic,
        String nodeName,
        Map<String, String> producerProperties,
        Duration outageAfter,
        Duration closeTimeout,
        int maxInFlight) {

    public static final String DEFAULT_TOPIC = "runtime-detector-events";
    public static final Duration DEFAULT_OUTAGE_AFTER = Duration.ofSeconds(5);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_IN_FLIGHT = 10_000;

    /** Kafka's own rule for topic names. */
    private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");
    /**
     * What at-least-once delivery and the record format rest on: a property that changed
     * them would silently break the sink's promise, so it is refused instead.
     */
    private static final Set<String> FIXED = Set.of("bootstrap.servers", "key.serializer", "value.serializer",
            "acks", "enable.idempotence");

    public KafkaSinkSettings {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(topic, "topic");
        Objects.requireNonNull(nodeName, "nodeName");
        producerProperties = Map.copyOf(new TreeMap<>(Objects.requireNonNull(producerProperties, "producerProperties")));
        Objects.requireNonNull(outageAfter, "outageAfter");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        checkBootstrap(bootstrapServers);
        if (!TOPIC.matcher(topic).matches() || topic.equals(".") || topic.equals("..")) {
            throw new IllegalArgumentException("topic: '" + topic
                    + "' is not a Kafka topic name (1 to 249 of a-z A-Z 0-9 . _ -, not . or ..)");
        }
        if (nodeName.isBlank()) {
            throw new IllegalArgumentException("nodeName: must not be empty");
        }
        if (nodeName.indexOf('/') >= 0) {
            throw new IllegalArgumentException("nodeName: '" + nodeName + "' contains '/', which separates the parts of the record key");
        }
        for (String key : producerProperties.keySet()) {
            if (FIXED.contains(key.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("producerProperties: '" + key
                        + "' is set by the sink itself (at-least-once delivery and the record format depend on it)");
            }
        }
        if (outageAfter.isNegative() || outageAfter.isZero()) {
            throw new IllegalArgumentException("outageAfter: must be positive, was " + outageAfter);
        }
        if (closeTimeout.isNegative()) {
            throw new IllegalArgumentException("closeTimeout: must not be negative, was " + closeTimeout);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("maxInFlight: must be positive, was " + maxInFlight);
        }
    }

    /** The defaults for everything but where to send. */
    public static KafkaSinkSettings of(String bootstrapServers, String topic, String nodeName) {
        return new KafkaSinkSettings(bootstrapServers, topic, nodeName, Map.of(), DEFAULT_OUTAGE_AFTER,
                DEFAULT_CLOSE_TIMEOUT, DEFAULT_MAX_IN_FLIGHT);
    }

    public KafkaSinkSettings withProducerProperties(Map<String, String> properties) {
        return new KafkaSinkSettings(bootstrapServers, topic, nodeName, properties, outageAfter, closeTimeout, maxInFlight);
    }

    public KafkaSinkSettings withOutageAfter(Duration after) {
        return new KafkaSinkSettings(bootstrapServers, topic, nodeName, producerProperties, after, closeTimeout, maxInFlight);
    }

    public KafkaSinkSettings withCloseTimeout(Duration timeout) {
        return new KafkaSinkSettings(bootstrapServers, topic, nodeName, producerProperties, outageAfter, timeout, maxInFlight);
    }

    public KafkaSinkSettings withMaxInFlight(int max) {
        return new KafkaSinkSettings(bootstrapServers, topic, nodeName, producerProperties, outageAfter, closeTimeout, max);
    }

    private static void checkBootstrap(String servers) {
        if (servers.isBlank()) {
            throw new IllegalArgumentException("bootstrapServers: must not be empty (HOST:PORT[,HOST:PORT...])");
        }
        for (String server : servers.split(",", -1)) {
            String entry = server.strip();
            int colon = entry.lastIndexOf(':');
            if (colon <= 0 || colon == entry.length() - 1) {
                throw new IllegalArgumentException("bootstrapServers: '" + entry + "' is not HOST:PORT");
            }
            int port;
            try {
                port = Integer.parseInt(entry.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65_535) {
                throw new IllegalArgumentException("bootstrapServers: '" + entry + "' has no port between 1 and 65535");
            }
        }
    }
}
