package io.runtimedetector.engine;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every synthetic engine test needs: an actor system for the class, a fresh fake
 * procfs per test, and detectors that are closed even when an assertion fails, so that
 * one failing test does not leave a running detector behind to disturb the next.
 */
abstract class SyntheticTestBase {

    static ActorTestKit kit;

    @TempDir
    Path procRoot;
    FakeProcfs procfs;
    private final List<SyntheticDetector> detectors = new ArrayList<>();

    @BeforeAll
    static void startKit() {
        kit = TestKits.create();
    }

    @AfterAll
    static void stopKit() {
        kit.shutdownTestKit();
    }

    @BeforeEach
    void freshProcfs() {
        procfs = new FakeProcfs(procRoot);
    }

    @AfterEach
    void closeDetectors() {
        detectors.forEach(SyntheticDetector::close);
    }

    /** Defaults for tests where timing is not the subject: every process is reported at once. */
    static DetectorOptions.Builder options() {
        return DetectorOptions.builder().minDuration(Duration.ZERO);
    }

    SyntheticDetector start(DetectorOptions.Builder options) {
        return keep(SyntheticDetector.start(kit, procfs, options));
    }

    SyntheticDetector created(DetectorOptions.Builder options) {
        return keep(SyntheticDetector.created(kit, procfs, options));
    }

    private SyntheticDetector keep(SyntheticDetector d) {
        detectors.add(d);
        return d;
    }
}
