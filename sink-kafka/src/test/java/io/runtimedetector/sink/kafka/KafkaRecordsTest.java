package io.runtimedetector.sink.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.runtimedetector.event.ContainerInfo;
import io.runtimedetector.event.EventType;
import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.event.ProcessInfo;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaRecordsTest {

    private static final String ID = "0a3f5c1b9e2d4f6a8b7c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a";

    @Test
    void aRecordCarriesTheNodeFirstAndThePodLast() {
        ProcessInfo image = new ProcessInfo(1, 0, 1, 77, "/bin/app", "/bin/app", List.of("app"), Map.of(),
                Instant.EPOCH, new ContainerInfo(ID, "containerd", "4c6e1b2a-7d3f-4e5a-9b8c-0d1e2f3a4b5c", "cart-7d9f",
                        "shop", "app"));
        ProcessEvent exec = new ProcessEvent(EventType.EXEC, 4242, 182_220_000_000L, Instant.EPOCH, image, null, null);
        KafkaRecords records = new KafkaRecords("node-a");

        assertEquals("node-a/4242/182220000000", records.key(exec));
        assertEquals("{\"node\":\"node-a\",\"type\":\"EXEC\",\"pid\":4242,\"time\":\"1970-01-01T00:00:00Z\","
                + "\"startTime\":\"1970-01-01T00:00:00Z\",\"startBootTimeNs\":182220000000,\"ppid\":1,\"uid\":0,\"exePath\":\"/bin/app\","
                + "\"exeLink\":\"/bin/app\",\"cmdLine\":[\"app\"],\"envs\":{},\"containerPid\":1,\"cgroupId\":77,"
                + "\"container\":{\"id\":\"" + ID + "\",\"runtime\":\"containerd\","
                + "\"podUid\":\"4c6e1b2a-7d3f-4e5a-9b8c-0d1e2f3a4b5c\",\"podName\":\"cart-7d9f\","
                + "\"podNamespace\":\"shop\",\"containerName\":\"app\"}}", records.value(exec));
    }
}
