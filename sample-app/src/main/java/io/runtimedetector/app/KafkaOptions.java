package io.runtimedetector.app;

import java.util.Map;

/**
 * The Kafka flags, present when {@code --kafka-bootstrap} is given.
 *
 * @param bootstrap  {@code HOST:PORT[,...]}
 * @param topic      where events go
 * @param properties extra producer properties from {@code --kafka-property}
 * @param nodeName   the {@code node} of every record
 */
record KafkaOptions(String bootstrap, String topic, Map<String, String> properties, String nodeName) {

    KafkaOptions {
        properties = Map.copyOf(properties);
    }
}
