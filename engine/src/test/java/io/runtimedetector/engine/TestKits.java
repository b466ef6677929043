package io.runtimedetector.engine;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** The actor system the synthetic tests share per class: starting one per test would dominate the run time. */
final class TestKits {

    private TestKits() {
    }

    static ActorTestKit create() {
        // Pekko's own logging through SLF4J, like the detector's own system, so logback-test.xml governs it;
        // dead letters of stopped process actors are expected at shutdown and only add noise.
        return ActorTestKit.create(ConfigFactory.parseString("""
                pekko.loggers = ["org.apache.pekko.event.slf4j.Slf4jLogger"]
                pekko.logging-filter = "org.apache.pekko.event.slf4j.Slf4jLoggingFilter"
                pekko.loglevel = WARNING
                pekko.stdout-loglevel = OFF
                pekko.log-dead-letters = off
                pekko.log-dead-letters-during-shutdown = off
                """).withFallback(ConfigFactory.load()));
    }
}
