package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.runtimedetector.probe.testkit.SyntheticProbe;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The detector's own lines go to the logger its options name, and not to the default one. */
class DetectorLoggerTest extends SyntheticTestBase {

    @Test
    void theDetectorLogsToTheLoggerOfItsOptions() {
        ListAppender<ILoggingEvent> mine = attach("myapp.detector.node-a");
        ListAppender<ILoggingEvent> fallback = attach(Detector.class.getName());
        SyntheticProbe probe = SyntheticProbe.recording();
        Detector detector = Detector.create(DetectorOptions.builder().minDuration(Duration.ZERO)
                .procfs(procfs.root()).loggerName("myapp.detector.node-a").build(), probe::open);
        try {
            detector.start().toCompletableFuture().join();
        } finally {
            detector.close();
        }
        assertTrue(mine.list.stream().anyMatch(e -> e.getFormattedMessage().startsWith("probe attached")),
                "the attach line in the chosen logger: " + mine.list);
        assertEquals(0, fallback.list.size(), "nothing in the default logger: " + fallback.list);
    }

    @Test
    void anEmptyLoggerNameIsRefusedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DetectorOptions.builder().loggerName(" "));
        assertTrue(e.getMessage().startsWith("loggerName:"), e.getMessage());
    }

    private static ListAppender<ILoggingEvent> attach(String name) {
        Logger logger = (Logger) LoggerFactory.getLogger(name);
        logger.setLevel(Level.INFO); // the test configuration keeps the root at WARN
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        return appender;
    }
}
