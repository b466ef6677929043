package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.status.Status;
import ch.qos.logback.core.status.StatusUtil;
import java.net.URL;
import org.junit.jupiter.api.Test;

/** A logback.xml that does not parse makes logback print its complaints and a stack trace: catch it here. */
class LogbackConfigTest {

    @Test
    void theConfigurationLoadsCleanlyAndLogsToStderrOnly() throws Exception {
        URL config = getClass().getResource("/logback.xml");
        assertNotNull(config);
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(config);

        int highest = new StatusUtil(context).getHighestLevel(0);
        assertTrue(highest < Status.WARN, () -> context.getStatusManager().getCopyOfStatusList().toString());
        var root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        assertEquals(Level.INFO, root.getLevel());
        var appenders = new java.util.ArrayList<ch.qos.logback.core.Appender<?>>();
        root.iteratorForAppenders().forEachRemaining(appenders::add);
        assertEquals(1, appenders.size());
        assertEquals("System.err", ((ConsoleAppender<?>) appenders.get(0)).getTarget());
        assertTrue(context.getStatusManager().getCopyOfStatusListenerList().stream()
                .anyMatch(StderrStatusListener.class::isInstance), "logback's own warnings must not go to stdout");
        context.stop();
    }
}
