package io.runtimedetector.app;

import io.micrometer.core.instrument.binder.MeterBinder;
import io.runtimedetector.engine.Detector;
import io.runtimedetector.engine.DetectorOptions;
import io.runtimedetector.micrometer.DetectorMeterBinder;
import io.runtimedetector.probe.InsufficientPrivilegesException;
import io.runtimedetector.probe.ProbeException;
import io.runtimedetector.probe.UnsupportedKernelException;
import io.runtimedetector.sink.EventSink;
import io.runtimedetector.sink.kafka.KafkaSink;
import io.runtimedetector.sink.kafka.KafkaSinkSettings;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.apache.pekko.Done;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of the detector: options to {@link Detector}, events to the chosen sink, the
 * ready line once attached, and an exit status. A signal ends the run through
 * {@link GracefulShutdown}; {@link #run()} returns only when the detector cannot start
 * or stops on its own.
 */
final class DetectorApp {

    private static final Logger LOG = LoggerFactory.getLogger(DetectorApp.class);
    /** Where the container names come from, logged once the detector is ready. */
    private String namesLine = "";

    /** How long a signal's stop (detach, drain, flush) may take before the JVM exits anyway. */
    static final Duration STOP_BOUND = Duration.ofSeconds(5);

    /**
     * Kafka's share of {@link #STOP_BOUND}: in-flight events wait this long for the broker,
     * the producer's close as long again; both together fit in the stop bound.
     */
    static final Duration KAFKA_CLOSE_TIMEOUT = Duration.ofSeconds(2);

    private final CliOptions options;
    private final OutputStream out;
    private final PrintStream err;
    private final Function<DetectorOptions, Detector> detectors;
    private final Consumer<GracefulShutdown> hooks;
    private final IntConsumer halt;

    private volatile PeriodicStats stats;
    private volatile boolean signalled;

    /** @param out where events go without {@code --output}: file descriptor 1 in the app, not System.out */
    DetectorApp(CliOptions options, OutputStream out, PrintStream err) {
        this(options, out, err, Detector::create, GracefulShutdown::install, Runtime.getRuntime()::halt);
    }

    /**
     * @param detectors creates the detector (a test passes one on a fake probe)
     * @param hooks     installs the signal handling (a JVM shutdown hook in the app)
     * @param halt      ends the JVM with a status once a signal's stop is done
     */
    DetectorApp(CliOptions options, OutputStream out, PrintStream err, Function<DetectorOptions, Detector> detectors,
            Consumer<GracefulShutdown> hooks, IntConsumer halt) {
        this.options = options;
        this.out = out;
        this.err = err;
        this.detectors = detectors;
        this.hooks = hooks;
        this.halt = halt;
    }

    /** @return the exit status when the detector could not start or stopped on its own */
    int run() throws UsageException {
        LogLevels.apply(options.logLevel());
        AtomicReference<Detector> created = new AtomicReference<>();
        String where = options.output().map(path -> "--output " + path).orElse("stdout");
        // A failed write stops the app; the stop runs off the sink's thread, which the drain still needs.
        FailFastOutput output = new FailFastOutput(EventOutputs.create(options.format(), options.output(), out), where,
                failure -> CompletableFuture.runAsync(() -> {
                    Detector d = created.get();
                    if (d != null) {
                        d.stop();
                    }
                }));
        List<EventSink> sinks = new ArrayList<>(List.of(output));
        KafkaSink kafka;
        DetectorOptions detectorOptions;
        try {
            kafka = options.kafka().map(DetectorApp::kafkaSink).orElse(null);
            if (kafka != null) {
                sinks.add(kafka);
            }
            detectorOptions = detectorOptions(sinks);
        } catch (IllegalArgumentException e) {
            // The flags are checked first; this is a safety net, still without a stack trace.
            closeQuietly(output);
            throw new UsageException(subjectOf(e.getMessage()), problemOf(e.getMessage()));
        }
        // The hook goes in first, so that a signal while the actor system starts still exits 0.
        GracefulShutdown shutdown = new GracefulShutdown(() -> {
            signalled = true;
            Detector d = created.get();
            return d == null ? CompletableFuture.completedFuture(null) : d.stop();
        }, () -> summary(created.get()), STOP_BOUND, halt);
        hooks.accept(shutdown);
        Detector detector;
        try {
            detector = detectors.apply(detectorOptions);
        } catch (RuntimeException e) {
            shutdown.claimForMain(); // Main reports it and exits non-zero; the hook must not say 0
            throw e;
        }
        created.set(detector);
        HealthState health = new HealthState();
        detector.whenTerminated().whenComplete((done, failure) -> health.ended());
        MetricsServer metrics;
        try {
            metrics = startMetrics(detector, kafka, health);
        } catch (UsageException e) {
            shutdown.claimForMain();
            detector.stop();
            throw e;
        }
        try {
            return runStarted(detector, shutdown, output, health);
        } finally {
            if (metrics != null) {
                metrics.close();
            }
        }
    }

    private MetricsServer startMetrics(Detector detector, KafkaSink kafka, HealthState health) throws UsageException {
        if (options.metrics().isEmpty()) {
            return null;
        }
        List<MeterBinder> binders = new ArrayList<>(List.of(new DetectorMeterBinder(detector)));
        if (kafka != null) {
            binders.add(new KafkaMeterBinder(kafka));
        }
        MetricsServer server = MetricsServer.start(options.metrics().get(), binders, health);
        LOG.info("serving /metrics, /healthz and /readyz on {}:{}", options.metrics().get().address(), server.port());
        return server;
    }

    private int runStarted(Detector detector, GracefulShutdown shutdown, FailFastOutput output, HealthState health) {
        CompletionStage<Done> ready;
        try {
            ready = detector.start();
        } catch (InsufficientPrivilegesException e) {
            // Already the one sentence for the user, naming the capabilities.
            return failedToStart(shutdown, detector, sentence(e.getMessage()), ExitCode.NO_PRIVILEGES);
        } catch (UnsupportedKernelException e) {
            // One sentence naming the minimum or CONFIG_DEBUG_INFO_BTF; retrying will not help either.
            return failedToStart(shutdown, detector, sentence(e.getMessage()), ExitCode.UNSUPPORTED_KERNEL);
        } catch (ProbeException e) {
            return failedToStart(shutdown, detector, Main.PROGRAM + ": " + oneLine(e.getMessage()), ExitCode.FAILED);
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("start failed", e);
            return failedToStart(shutdown, detector, Main.PROGRAM + ": cannot start the detector: " + oneLine(e.toString()),
                    ExitCode.FAILED);
        }
        health.attached();

        options.statsInterval().ifPresent(interval ->
                stats = new PeriodicStats(interval, () -> detector.metrics().summary()));
        ready.whenComplete((done, failure) -> {
            if (failure == null) {
                health.scanned();
                LOG.info(namesLine);
                LOG.info(ReadyLine.of(options));
            } else if (!signalled) {
                // Reported by main once the detector has stopped, unless it failed on its own first.
                detector.stop();
            }
        });

        Throwable ended = awaitTermination(detector);
        if (!shutdown.claimForMain()) {
            // A signal is stopping the detector: its hook reports and picks the exit status.
            return ExitCode.OK;
        }
        summary(detector);
        if (output.failure() != null) {
            err.println(Main.PROGRAM + ": stopped: events could not be written to " + output.where() + " ("
                    + oneLine(FailFastOutput.reason(output.failure())) + "); " + output.notWritten()
                    + " event(s) not written");
            err.flush();
            return ExitCode.OUTPUT_FAILED;
        }
        String why;
        if (ended != null) {
            why = oneLine(messageOf(ended));
        } else if (ready.toCompletableFuture().isCompletedExceptionally()) {
            why = "it did not get ready: " + oneLine(messageOf(failureOf(ready)));
        } else {
            why = "its event stream ended unexpectedly";
        }
        err.println(Main.PROGRAM + ": the detector stopped: " + why);
        err.flush();
        return ExitCode.FAILED;
    }

    private static KafkaSink kafkaSink(KafkaOptions kafka) {
        return new KafkaSink(KafkaSinkSettings.of(kafka.bootstrap(), kafka.topic(), kafka.nodeName())
                .withProducerProperties(kafka.properties())
                .withCloseTimeout(KAFKA_CLOSE_TIMEOUT));
    }

    /** The option a settings message names ("topic: ..."), as the flag that set it. */
    private static String subjectOf(String message) {
        String setting = message == null || message.indexOf(':') < 0 ? "" : message.substring(0, message.indexOf(':'));
        return switch (setting) {
            case "bootstrapServers" -> "--kafka-bootstrap";
            case "topic" -> "--kafka-topic";
            case "producerProperties" -> "--kafka-property";
            case "nodeName" -> "--node-name";
            default -> "command line";
        };
    }

    private static String problemOf(String message) {
        if (message == null) {
            return "invalid";
        }
        int colon = message.indexOf(':');
        return colon < 0 || subjectOf(message).equals("command line") ? message : message.substring(colon + 1).strip();
    }

    private DetectorOptions detectorOptions(List<EventSink> sinks) {
        CriNames names = options.containers() ? CriNames.open(options.cri()) : null;
        namesLine = names == null ? "container attribution off (--containers off)" : names.line();
        return options.detectorOptions()
                .sinks(sinks)
                .containerNames(names == null ? null : names.source().orElse(null))
                .build();
    }

    /** Nothing was attached: let the detector end its (empty) output, print the one line, no hook. */
    private int failedToStart(GracefulShutdown shutdown, Detector detector, String line, int status) {
        if (!shutdown.claimForMain()) {
            return ExitCode.OK; // a signal came first; its hook exits
        }
        try {
            detector.whenTerminated().toCompletableFuture().get(STOP_BOUND.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("after the failed start: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        err.println(line);
        err.flush();
        return status;
    }

    /** @return the failure the detector ended with, null for a normal end */
    private static Throwable awaitTermination(Detector detector) {
        while (true) {
            try {
                detector.whenTerminated().toCompletableFuture().get();
                return null;
            } catch (ExecutionException e) {
                return e.getCause() == null ? e : e.getCause();
            } catch (InterruptedException e) {
                // Only a signal ends the run; keep waiting for the detector.
            }
        }
    }

    private void summary(Detector detector) {
        PeriodicStats periodic = stats;
        if (periodic != null) {
            periodic.close();
        }
        if (detector != null) {
            LOG.info("final stats: {}", detector.metrics().summary());
        }
    }

    private static Throwable failureOf(CompletionStage<?> stage) {
        try {
            stage.toCompletableFuture().join();
            return null;
        } catch (CompletionException e) {
            return e.getCause() == null ? e : e.getCause();
        } catch (RuntimeException e) {
            return e;
        }
    }

    private static String messageOf(Throwable failure) {
        Throwable t = failure;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    private static String sentence(String text) {
        String line = oneLine(text);
        return line.isEmpty() || line.endsWith(".") ? line : line + ".";
    }

    private static void closeQuietly(EventSink sink) {
        try {
            sink.close();
        } catch (Exception e) {
            LOG.debug("closing {}: {}", sink.name(), e.toString());
        }
    }
}
