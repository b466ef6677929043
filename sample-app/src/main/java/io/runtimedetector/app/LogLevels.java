package io.runtimedetector.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import org.slf4j.LoggerFactory;

/** Applies {@code --log-level} to logback's root logger, which Pekko's logs also go through. */
final class LogLevels {

    private LogLevels() {
    }

    /** @param level one of the names {@link FlagValues#logLevel} accepts, upper case */
    static void apply(String level) {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(level, Level.INFO));
    }
}
