package io.runtimedetector.app;

import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What SIGINT and SIGTERM do: stop the detector (detach, flush sinks) within a bound,
 * log a summary, and exit 0. It is a shutdown hook, and a JVM ended by a signal exits
 * with 128+signal once its hooks return; so the hook ends the JVM itself, with the
 * status that tells how the stop went. When main decides to exit first (the detector
 * failed on its own), the hook steps aside and main's status stands.
 */
final class GracefulShutdown {

    private static final Logger LOG = LoggerFactory.getLogger(GracefulShutdown.class);

    private final Supplier<CompletionStage<?>> stop;
    private final Runnable summary;
    private final Duration bound;
    private final IntConsumer halt;
    private final AtomicBoolean claimed = new AtomicBoolean();

    /**
     * @param stop    starts stopping the detector
     * @param summary logs the final metrics, after the stop
     * @param bound   how long the stop may take before the exit goes ahead anyway
     * @param halt    ends the JVM with a status (Runtime.halt in the app)
     */
    GracefulShutdown(Supplier<CompletionStage<?>> stop, Runnable summary, Duration bound, IntConsumer halt) {
        this.stop = stop;
        this.summary = summary;
        this.bound = bound;
        this.halt = halt;
    }

    void install() {
        Runtime.getRuntime().addShutdownHook(new Thread(this::onSignal, "rd-shutdown"));
    }

    /** Main is exiting on its own: the hook must not override its status. @return false if a signal came first */
    boolean claimForMain() {
        return claimed.compareAndSet(false, true);
    }

    void onSignal() {
        if (!claimed.compareAndSet(false, true)) {
            return;
        }
        LOG.info("stopping: detaching the probe and flushing the sinks");
        int status = stopWithinBound() ? ExitCode.OK : ExitCode.FAILED;
        summary.run();
        System.out.flush();
        System.err.flush();
        halt.accept(status);
    }

    private boolean stopWithinBound() {
        try {
            stop.get().toCompletableFuture().get(bound.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            LOG.error("the detector did not stop within {} s; exiting without waiting further", bound.toSeconds());
        } catch (ExecutionException e) {
            LOG.error("the detector failed while stopping: {}", e.getCause() == null ? e : e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("the detector failed while stopping: {}", e.getMessage());
        }
        return false;
    }
}
