package io.runtimedetector.sink.kafka;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A real single-node Apache Kafka broker in KRaft mode (broker and controller in one
 * process) on 127.0.0.1, run from the jars Maven resolved for the test-kafka-broker
 * module. It runs in a JVM of its own: the broker needs kafka-clients 4.x, the sink
 * under test is built on 3.9. {@link #kill()} and {@link #restart()} make a real outage:
 * the same ports and log directory come back, as a restarted broker pod's would.
 */
public final class KafkaBroker implements AutoCloseable {

    private static final Duration START_WAIT = Duration.ofSeconds(60);

    private final String classpath;
    private final Path dir;
    private final Path config;
    private final int port;
    private Process process;

    private KafkaBroker(String classpath, Path dir, int port, int controllerPort) throws IOException {
        this.classpath = classpath;
        this.dir = dir;
        this.port = port;
        this.config = dir.resolve("server.properties");
        Files.writeString(config, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                "log.dirs=" + dir.resolve("data"),
                "num.partitions=3",
                // Topics are created by the tests, with leaders awaited: an auto-created
                // topic can lose an idempotent producer's first batches.
                "auto.create.topics.enable=false",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "share.coordinator.state.topic.replication.factor=1",
                "share.coordinator.state.topic.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                ""));
    }

    /** Formats a fresh log directory and starts the broker; returns once it accepts connections. */
    public static KafkaBroker start() throws Exception {
        String cpFile = System.getProperty("kafkaBroker.classpath");
        if (cpFile == null || !Files.isRegularFile(Path.of(cpFile))) {
            throw new IllegalStateException("kafkaBroker.classpath (" + cpFile
                    + ") does not name the broker's class path file; build the test-kafka-broker module first");
        }
        String classpath = Files.readString(Path.of(cpFile)).strip();
        Path dir = Files.createTempDirectory("rd-kafka");
        KafkaBroker broker = new KafkaBroker(classpath, dir, freePort(), freePort());
        broker.format();
        broker.launch();
        return broker;
    }

    public String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** SIGKILL: the broker vanishes the way a crashed node or a cut network makes it vanish. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    public void restart() throws Exception {
        launch();
    }

    /** Creates a topic and waits until every partition has a leader, so that nothing sent to it is lost. */
    public void createTopic(String name, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap()))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1))).all().get(30, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + START_WAIT.toNanos();
            while (System.nanoTime() < deadline) {
                TopicDescription topic = admin.describeTopics(List.of(name)).allTopicNames().get(30, TimeUnit.SECONDS).get(name);
                if (topic.partitions().stream().allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                    return;
                }
                Thread.sleep(100);
            }
            throw new IllegalStateException("topic " + name + " got no leaders within " + START_WAIT.toSeconds() + " s");
        }
    }

    /**
     * Reads the topic from the start until {@code atLeast} records arrived or the timeout
     * passed; returns what it read, in partition order.
     */
    public List<ConsumerRecord<String, String>> read(String topic, int atLeast, Duration timeout) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, String>> all = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
            Collection<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (all.size() < atLeast && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(all::add);
            }
        }
        return all;
    }

    /** The end of the broker's own log, for a failure message. */
    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("broker.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "(no broker log: " + e + ")";
        }
    }

    @Override
    public void close() throws Exception {
        if (process != null) {
            kill();
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    private void format() throws Exception {
        Process storage = java("kafka.tools.StorageTool", "format",
                        // With '=': a random id may start with '-', which would read as a flag.
                        "--cluster-id=" + clusterId(), "-c", config.toString())
                .redirectOutput(dir.resolve("format.log").toFile())
                .start();
        if (!storage.waitFor(60, TimeUnit.SECONDS) || storage.exitValue() != 0) {
            storage.destroyForcibly();
            throw new IllegalStateException("formatting the broker's storage failed: " + Files.readString(dir.resolve("format.log")));
        }
    }

    /** A cluster id is 16 random bytes in URL-safe base64 without padding. */
    private static String clusterId() {
        UUID uuid = UUID.randomUUID();
        java.nio.ByteBuffer bytes = java.nio.ByteBuffer.allocate(16);
        bytes.putLong(uuid.getMostSignificantBits()).putLong(uuid.getLeastSignificantBits());
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(bytes.array());
    }

    private void launch() throws Exception {
        process = java("kafka.Kafka", config.toString())
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("broker.log").toFile()))
                .start();
        long deadline = System.nanoTime() + START_WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the Kafka broker exited with " + process.exitValue() + ":\n" + logTail());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("the Kafka broker did not listen within " + START_WAIT.toSeconds() + " s:\n" + logTail());
    }

    private ProcessBuilder java(String mainClass, String... args) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                // A small, quick-starting JVM: the broker only carries test traffic.
                "-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classpath, mainClass));
        command.addAll(List.of(args));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
