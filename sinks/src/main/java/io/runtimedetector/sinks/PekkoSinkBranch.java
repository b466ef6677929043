package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSink;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The branch for a {@link PekkoEventSink}: buffer, then the user's Sink inside a
 * {@link RestartSink} so that its failure restarts it instead of ending the branch.
 * The returned Sink keeps per-run state, so it is materialized once.
 */
final class PekkoSinkBranch {

    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);
    private static final String DEFAULT_DISPATCHER = "pekko.actor.default-dispatcher";
    private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    // Restarts are limited in total, not per time window.
    private static final Duration RESTART_WINDOW = Duration.ofDays(36500);

    private PekkoSinkBranch() {
    }

    static Sink<ProcessEvent, CompletionStage<Done>> create(PekkoEventSink sink, SinkCounterCells counters,
            SinkSettings settings, SinkProgress.Branch progress) {
        DropReporter drops = SinkBuffers.dropReporter(counters, settings);
        AtomicReference<CompletionStage<Done>> currentRun = new AtomicReference<>(CompletableFuture.completedFuture(Done.getInstance()));
        AtomicBoolean firstRun = new AtomicBoolean(true);
        RestartSettings restartSettings = RestartSettings.create(MIN_BACKOFF, MAX_BACKOFF, 0.2)
                .withMaxRestarts(settings.maxRestarts(), RESTART_WINDOW);

        Sink<ProcessEvent, NotUsed> restarting = RestartSink.withBackoff(restartSettings, () -> {
            if (!firstRun.compareAndSet(true, false)) {
                counters.restarted();
            }
            return Flow.<ProcessEvent>create()
                    .watchTermination((notUsed, terminated) -> terminated)
                    .toMat(sink.pekkoSink(), Keep.both())
                    .mapMaterializedValue(pair -> {
                        CompletionStage<Done> run = runFinished(pair.first(), pair.second());
                        run.whenComplete((done, failure) -> {
                            if (failure != null) {
                                reportFailure(sink.name(), counters, settings.maxRestarts(), failure);
                            }
                        });
                        currentRun.set(run.handle((done, failure) -> Done.getInstance()));
                        return NotUsed.getInstance();
                    });
        });

        // Counted as it enters the buffer: fused with it, this stage passes an event on
        // only when the buffer asked for one (or, dropping the newest, always takes it).
        return Flow.<ProcessEvent>create()
                .map(event -> {
                    progress.accepted();
                    return event;
                })
                .via(SinkBuffers.buffer(settings, drops))
                .map(event -> {
                    counters.delivered();
                    return event;
                })
                .watchTermination((notUsed, terminated) -> terminated)
                // The user's stages may block (a client library's send): they run, with their
                // restarts, behind an async boundary on Pekko's default dispatcher, never on the
                // runner's, which the detector shares with its engine.
                .toMat(restarting.async(DEFAULT_DISPATCHER), Keep.left())
                .mapMaterializedValue(branchEnded -> branchEnded
                        .handle((done, failure) -> {
                            progress.ended();
                            return Done.getInstance();
                        })
                        .thenCompose(ignored -> currentRun.get())
                        .thenCompose(ignored -> CompletableFuture.supplyAsync(() -> {
                            drops.finish();
                            flushAndClose(sink);
                            return Done.getInstance();
                        })));
    }

    /** A run ends when its stream has terminated and, if the Sink gives one, its own completion. */
    private static CompletionStage<Done> runFinished(CompletionStage<Done> terminated, Object materialized) {
        CompletableFuture<Done> streamEnded = terminated.toCompletableFuture();
        if (!(materialized instanceof CompletionStage<?> own)) {
            return streamEnded;
        }
        return CompletableFuture.allOf(streamEnded, own.toCompletableFuture()).thenApply(v -> Done.getInstance());
    }

    private static void reportFailure(String name, SinkCounterCells counters, int maxRestarts, Throwable failure) {
        long failures = counters.failed();
        if (failures > maxRestarts) {
            counters.stopped();
            LOG.error("sink {} failed {} time(s), more than its {} allowed restart(s); it is stopped and receives no more events",
                    name, failures, maxRestarts, failure);
        } else {
            LOG.warn("sink {} failed; restarting it after a backoff ({} of {} restarts)", name, failures, maxRestarts, failure);
        }
    }

    private static void flushAndClose(EventSink sink) {
        try {
            sink.flush();
        } catch (Exception e) {
            LOG.warn("sink {} failed to flush", sink.name(), e);
        }
        try {
            sink.close();
        } catch (Exception e) {
            LOG.warn("sink {} failed to close", sink.name(), e);
        }
    }
}
