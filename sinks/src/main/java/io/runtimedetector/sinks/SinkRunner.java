package io.runtimedetector.sinks;

import io.runtimedetector.event.ProcessEvent;
import io.runtimedetector.sink.EventSink;
import io.runtimedetector.sink.SinkStats;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SharedKillSwitch;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one event stream into several sinks side by side. Each sink gets its own bounded
 * buffer ({@link SinkSettings}), its own thread for plain {@link EventSink}s, and its own
 * restart budget: a slow sink is handled per {@link OverflowPolicy}, a failing one is
 * restarted and finally stopped, and neither ends the other sinks or the source.
 *
 * <p>The fan-out is a broadcast hub that each sink consumes on its own: the detector
 * passes its output hub to {@link #attach}, so that its events reach sinks and
 * {@code events()} consumers through that one hub; {@link #start} puts a hub behind a
 * plain source.
 */
public final class SinkRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);
    private static final int HUB_BUFFER = 256;

    private final SharedKillSwitch killSwitch;
    private final CompletionStage<Done> done;
    private final List<SinkCounterCells> counters;
    private final SinkProgress progress;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SinkRunner(SharedKillSwitch killSwitch, CompletionStage<Done> done, List<SinkCounterCells> counters,
            SinkProgress progress) {
        this.killSwitch = killSwitch;
        this.done = done;
        this.counters = counters;
        this.progress = progress;
    }

    /**
     * Attaches every sink to {@code hub}, a source that may be materialized once per sink
     * (a {@code BroadcastHub}'s); the sinks start receiving as soon as it emits. A hub
     * that waits for {@code sinks.size()} consumers before it starts lets no sink miss
     * the first events. One more consumer drains the hub, so that sinks that all gave
     * up never hold the source back.
     */
    public static SinkRunner attach(Source<ProcessEvent, ?> hub, List<EventSink> sinks, SinkSettings settings,
            Materializer mat) {
        return attach(hub, sinks, settings, mat, Attributes.none());
    }

    /**
     * As {@link #attach(Source, List, SinkSettings, Materializer)}, with the runner's own
     * stages run under {@code attributes}: the detector passes its engine's dispatcher, so
     * that handing an event from the hub to a sink's thread wakes no other thread. A
     * {@link PekkoEventSink}'s own stages still run on Pekko's default dispatcher.
     */
    public static SinkRunner attach(Source<ProcessEvent, ?> hub, List<EventSink> sinks, SinkSettings settings,
            Materializer mat, Attributes attributes) {
        SharedKillSwitch killSwitch = KillSwitches.shared("sink-runner");
        return attach(hub, sinks, settings, mat, attributes, killSwitch,
                CompletableFuture.completedFuture(Done.getInstance()));
    }

    /** Runs {@code events}, a source that runs once, into the sinks through a hub of its own. */
    public static SinkRunner start(Source<ProcessEvent, ?> events, List<EventSink> sinks, SinkSettings settings,
            Materializer mat) {
        SharedKillSwitch killSwitch = KillSwitches.shared("sink-runner");
        if (sinks.isEmpty()) {
            // Nobody to wait for: the source is still consumed, so that whatever feeds it is not held up.
            CompletionStage<Done> drained = events.via(killSwitch.flow()).runWith(Sink.ignore(), mat);
            return new SinkRunner(killSwitch, drained.handle(SinkRunner::closedOrFailed), List.of(),
                    new SinkProgress());
        }
        Pair<CompletionStage<Done>, Source<ProcessEvent, NotUsed>> running = events
                .watchTermination((notUsed, sourceEnded) -> sourceEnded)
                .via(killSwitch.flow())
                .toMat(BroadcastHub.of(ProcessEvent.class, sinks.size(), HUB_BUFFER), Keep.both())
                .run(mat);
        return attach(running.second(), sinks, settings, mat, Attributes.none(), killSwitch, running.first());
    }

    /** @param sourceEnded completes when the source behind the hub has terminated; waited for by done() */
    private static SinkRunner attach(Source<ProcessEvent, ?> hub, List<EventSink> sinks, SinkSettings settings,
            Materializer mat, Attributes attributes, SharedKillSwitch killSwitch, CompletionStage<Done> sourceEnded) {
        SinkProgress progress = new SinkProgress();
        List<SinkBranch> branches = sinks.stream()
                .map(sink -> SinkBranch.of(sink, settings, progress.newBranch())).toList();
        List<CompletableFuture<Done>> ended = new ArrayList<>();
        for (SinkBranch branch : branches) {
            Pair<CompletionStage<Done>, CompletionStage<Done>> running = hub
                    .via(killSwitch.flow())
                    .watchTermination((notUsed, upstreamEnded) -> upstreamEnded)
                    .toMat(branch.sink(), Keep.both())
                    .addAttributes(attributes)
                    .run(mat);
            // Done once the sink is closed and the stream before it has ended, failures kept.
            ended.add(running.second().toCompletableFuture()
                    .thenCompose(closedSink -> running.first()).toCompletableFuture());
        }
        // Once every branch has ended (all sinks gave up, or the end came), a draining consumer
        // keeps the hub from holding the source back. Attached only then: a consumer attached
        // with the sinks could register with the hub before one of them, which would start
        // the hub without that sink and cost it the first events.
        CompletableFuture<Done> drained = CompletableFuture.allOf(ended.toArray(CompletableFuture[]::new))
                .handle((ok, failure) -> Done.getInstance())
                .thenCompose(branchesEnded -> hub.via(killSwitch.flow()).toMat(Sink.ignore(), Keep.right())
                        .addAttributes(attributes).run(mat));
        ended.add(drained);
        ended.add(sourceEnded.toCompletableFuture());
        CompletionStage<Done> done = CompletableFuture.allOf(ended.toArray(CompletableFuture[]::new))
                .handle((ok, failure) -> failure)
                .thenCompose(failure -> firstRealFailure(ended))
                .thenApply(ok -> Done.getInstance());
        return new SinkRunner(killSwitch, done, branches.stream().map(SinkBranch::counters).toList(), progress);
    }

    /** Waits for every branch; fails with the first failure that is not this runner's own close. */
    private static CompletionStage<Done> firstRealFailure(List<CompletableFuture<Done>> ended) {
        for (CompletableFuture<Done> branch : ended) {
            try {
                branch.join();
            } catch (CompletionException | java.util.concurrent.CancellationException e) {
                Throwable cause = unwrap(e);
                if (!(cause instanceof RunnerClosed)) {
                    return CompletableFuture.failedFuture(cause);
                }
            }
        }
        return CompletableFuture.completedFuture(Done.getInstance());
    }

    private static Done closedOrFailed(Done ok, Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause == null || cause instanceof RunnerClosed) {
            return Done.getInstance();
        }
        throw new CompletionException(cause);
    }

    /**
     * Completes once the source has ended and every sink has been flushed and closed.
     * Fails only if the source failed, and then also only after the sinks are closed.
     */
    public CompletionStage<Done> done() {
        return done;
    }

    /** How far the sinks have got through the events: what they have written, had acknowledged or given up. */
    public SinkProgress progress() {
        return progress;
    }

    public SinkStats stats() {
        return new SinkStats(counters.stream().map(SinkCounterCells::snapshot).toList());
    }

    /**
     * Cancels the source, discards buffered events, and closes every sink, waiting up to
     * 10 seconds for sinks that are busy in {@code accept}. {@link #done()} then completes
     * normally. Stopping the source instead delivers everything still buffered.
     */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            killSwitch.abort(new RunnerClosed());
        }
        try {
            done.toCompletableFuture().get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            // The source had failed before; done() reports that to whoever watches it.
        } catch (TimeoutException e) {
            LOG.warn("sinks did not close within {} s; leaving them to finish in the background", CLOSE_WAIT.toSeconds());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** The abort reason used by {@link #close()}, told apart from a real source failure. */
    private static final class RunnerClosed extends RuntimeException {
        RunnerClosed() {
            super("sink runner closed", null, false, false);
        }
    }
}
