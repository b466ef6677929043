package io.runtimedetector.sink;

import io.runtimedetector.event.ProcessEvent;
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
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Broadcast;
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
 */
public final class SinkRunner implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SinkRunner.class);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(10);

    private final UniqueKillSwitch killSwitch;
    private final CompletionStage<Done> done;
    private final List<SinkCounterCells> counters;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SinkRunner(UniqueKillSwitch killSwitch, CompletionStage<Done> done, List<SinkCounterCells> counters) {
        this.killSwitch = killSwitch;
        this.done = done;
        this.counters = counters;
    }

    /** Materializes the stream at once; the sinks start receiving as soon as the source emits. */
    public static SinkRunner start(Source<ProcessEvent, ?> events, List<EventSink> sinks, SinkSettings settings, Materializer mat) {
        List<SinkBranch> branches = sinks.stream().map(sink -> SinkBranch.of(sink, settings)).toList();
        Pair<Pair<CompletionStage<Done>, UniqueKillSwitch>, CompletionStage<Done>> running = events
                .watchTermination((sourceMat, sourceEnded) -> sourceEnded)
                .viaMat(KillSwitches.single(), Keep.both())
                .toMat(fanOut(branches), Keep.both())
                .run(mat);
        CompletionStage<Done> sourceEnded = running.first().first();
        CompletionStage<Done> done = running.second()
                .thenCompose(allSinksClosed -> sourceEnded)
                .handle((ok, failure) -> {
                    Throwable cause = unwrap(failure);
                    if (cause == null || cause instanceof RunnerClosed) {
                        return Done.getInstance();
                    }
                    throw new CompletionException(cause);
                });
        return new SinkRunner(running.first().second(), done,
                branches.stream().map(SinkBranch::counters).toList());
    }

    /**
     * Completes once the source has ended and every sink has been flushed and closed.
     * Fails only if the source failed, and then also only after the sinks are closed.
     */
    public CompletionStage<Done> done() {
        return done;
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

    /**
     * Broadcasts to every branch and to an extra draining one: when every sink has been
     * stopped, the fan-out would otherwise cancel the source, and with it the engine.
     */
    private static Sink<ProcessEvent, CompletionStage<Done>> fanOut(List<SinkBranch> branches) {
        List<Sink<ProcessEvent, CompletionStage<Done>>> outputs = new ArrayList<>();
        branches.forEach(branch -> outputs.add(branch.sink()));
        outputs.add(Sink.<ProcessEvent>ignore().mapMaterializedValue(drained -> CompletableFuture.completedFuture(Done.getInstance())));
        return Sink.combine(outputs, count -> Broadcast.<ProcessEvent>create(count, false))
                .mapMaterializedValue(allClosed -> CompletableFuture
                        .allOf(allClosed.stream().map(CompletionStage::toCompletableFuture).toArray(CompletableFuture[]::new))
                        .thenApply(v -> Done.getInstance()));
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
