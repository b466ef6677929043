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
 * What the sink has finished with goes to {@link SinkProgress} through a
 * {@link SettleQueue}: an event once acknowledged, for an {@link AcknowledgingEventSink},
 * else once handed to the user's Sink; the events of a run that ended, when it ends.
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
        SettleQueue inFlight = new SettleQueue(progress);
        AtomicReference<Run> lastRun = new AtomicReference<>();
        AtomicReference<CompletionStage<Done>> currentRun = new AtomicReference<>(CompletableFuture.completedFuture(Done.getInstance()));
        AtomicBoolean firstRun = new AtomicBoolean(true);
        RestartSettings restartSettings = RestartSettings.create(MIN_BACKOFF, MAX_BACKOFF, 0.2)
                .withMaxRestarts(settings.maxRestarts(), RESTART_WINDOW);

        Sink<ProcessEvent, NotUsed> restarting = RestartSink.withBackoff(restartSettings, () -> {
            if (!firstRun.compareAndSet(true, false)) {
                counters.restarted();
            }
            // A restart comes after the last run's end; ending it here too makes the order certain.
            Run run = new Run(inFlight, sink instanceof AcknowledgingEventSink);
            Run previous = lastRun.getAndSet(run);
            if (previous != null) {
                previous.end();
            }
            return Flow.<ProcessEvent>create()
                    .map(run::given)
                    .watchTermination((notUsed, terminated) -> terminated)
                    .toMat(userSink(sink, run), Keep.both())
                    .mapMaterializedValue(pair -> {
                        CompletionStage<Done> finished = runFinished(pair.first(), pair.second());
                        finished.whenComplete((done, failure) -> {
                            run.end();
                            if (failure != null) {
                                reportFailure(sink.name(), counters, settings.maxRestarts(), failure);
                            }
                        });
                        currentRun.set(finished.handle((done, failure) -> Done.getInstance()));
                        return NotUsed.getInstance();
                    });
        });

        // Entered as it enters the buffer, on the buffer's thread: a drop there is always the newest.
        return Flow.<ProcessEvent>create()
                .map(event -> {
                    inFlight.entered();
                    return event;
                })
                .via(SinkBuffers.buffer(settings, () -> {
                    drops.dropped();
                    inFlight.droppedNewest();
                }))
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
                        .handle((done, failure) -> Done.getInstance())
                        .thenCompose(ignored -> currentRun.get())
                        .thenCompose(ignored -> CompletableFuture.supplyAsync(() -> {
                            drops.finish();
                            flushAndClose(sink);
                            // Only now: events the last run still held were finished (or given up) just before.
                            progress.ended();
                            return Done.getInstance();
                        })));
    }

    /** The user's Sink, reporting each acknowledgement when it gives them. */
    private static Sink<ProcessEvent, ?> userSink(PekkoEventSink sink, Run run) {
        if (sink instanceof AcknowledgingEventSink acknowledging) {
            return acknowledging.acknowledgingFlow()
                    .map(run::acknowledged)
                    .toMat(Sink.ignore(), Keep.left());
        }
        return sink.pekkoSink();
    }

    /**
     * One materialization of the user's Sink: the events given to it and not yet finished
     * are the oldest in flight (the previous run's were finished when it ended), so its
     * end finishes exactly those. Given and acknowledged on the run's own stream thread.
     */
    private static final class Run {
        private final SettleQueue inFlight;
        private final boolean acknowledging;
        private long unfinished;
        private boolean ended;

        Run(SettleQueue inFlight, boolean acknowledging) {
            this.inFlight = inFlight;
            this.acknowledging = acknowledging;
        }

        synchronized ProcessEvent given(ProcessEvent event) {
            if (acknowledging) {
                unfinished++;
            } else {
                inFlight.finishedOldest(1);
            }
            return event;
        }

        synchronized ProcessEvent acknowledged(ProcessEvent event) {
            if (!ended && unfinished > 0) {
                unfinished--;
                inFlight.finishedOldest(1);
            }
            return event;
        }

        /** The run has ended: what it was given and did not acknowledge is given up. */
        synchronized void end() {
            if (!ended) {
                ended = true;
                inFlight.finishedOldest(unfinished);
                unfinished = 0;
            }
        }
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
