package io.runtimedetector.app;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code --stats-interval}: logs the detector's counters at a fixed rate on a daemon thread. */
final class PeriodicStats implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PeriodicStats.class);

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "rd-stats");
        thread.setDaemon(true);
        return thread;
    });

    PeriodicStats(Duration interval, Supplier<String> stats) {
        long millis = interval.toMillis();
        timer.scheduleAtFixedRate(() -> log(stats), millis, millis, TimeUnit.MILLISECONDS);
    }

    private static void log(Supplier<String> stats) {
        try {
            LOG.info("stats: {}", stats.get());
        } catch (RuntimeException e) {
            // A failed read must not cancel the schedule, which one uncaught exception would.
            LOG.warn("could not read the detector's metrics: {}", e.toString());
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
