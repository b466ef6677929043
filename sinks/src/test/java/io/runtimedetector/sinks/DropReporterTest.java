package io.runtimedetector.sinks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class DropReporterTest {

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();
    private final Logger runnerLog = (Logger) LoggerFactory.getLogger(SinkRunner.class);
    private final AtomicLong clock = new AtomicLong();
    private final SinkCounterCells counters = new SinkCounterCells("slow");
    private final DropReporter reporter = new DropReporter(counters, 8, Duration.ofSeconds(10), clock::get);

    @BeforeEach
    void capture() {
        logged.start();
        runnerLog.addAppender(logged);
    }

    @AfterEach
    void release() {
        runnerLog.detachAppender(logged);
    }

    @Test
    void countsEveryDropButLogsOncePerInterval() {
        for (int i = 0; i < 100; i++) {
            reporter.dropped();
        }
        clock.addAndGet(Duration.ofSeconds(10).toNanos());
        reporter.dropped();
        reporter.dropped();
        reporter.finish();

        assertEquals(102, counters.snapshot().dropped());
        assertEquals(List.of(
                "sink slow is too slow: dropped 1 event(s) since the last report (buffer of 8 full)",
                "sink slow is too slow: dropped 100 event(s) since the last report (buffer of 8 full)",
                "sink slow dropped 1 more event(s) before the stream ended"),
                logged.list.stream().map(ILoggingEvent::getFormattedMessage).toList());
    }
}
