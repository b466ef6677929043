package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class GracefulShutdownTest {

    private final List<Integer> halted = new ArrayList<>();
    private final List<String> steps = new ArrayList<>();

    private GracefulShutdown shutdown(Supplier<CompletionStage<?>> stop) {
        return new GracefulShutdown(stop, () -> steps.add("summary"), Duration.ofMillis(200), halted::add);
    }

    @Test
    void aSignalStopsThenSummarizesThenExitsZero() {
        GracefulShutdown shutdown = shutdown(() -> {
            steps.add("stop");
            return CompletableFuture.completedFuture(null);
        });
        shutdown.onSignal();
        assertEquals(List.of("stop", "summary"), steps);
        assertEquals(List.of(0), halted);
    }

    @Test
    void aStopThatHangsStillExitsAfterTheBoundButNotWithZero() {
        GracefulShutdown shutdown = shutdown(CompletableFuture::new);
        shutdown.onSignal();
        assertEquals(List.of("summary"), steps);
        assertEquals(List.of(1), halted);
    }

    @Test
    void aFailedStopExitsOne() {
        GracefulShutdown shutdown = shutdown(() -> CompletableFuture.failedFuture(new IllegalStateException("detach failed")));
        shutdown.onSignal();
        assertEquals(List.of(1), halted);
    }

    @Test
    void whenMainExitsFirstTheHookLeavesItsStatusAlone() {
        AtomicInteger stops = new AtomicInteger();
        GracefulShutdown shutdown = shutdown(() -> {
            stops.incrementAndGet();
            return CompletableFuture.completedFuture(null);
        });
        assertTrue(shutdown.claimForMain());
        shutdown.onSignal();
        assertEquals(0, stops.get());
        assertEquals(List.of(), halted);
    }

    @Test
    void afterASignalMainCannotClaimTheExit() {
        GracefulShutdown shutdown = shutdown(() -> CompletableFuture.completedFuture(null));
        shutdown.onSignal();
        assertFalse(shutdown.claimForMain());
    }
}
