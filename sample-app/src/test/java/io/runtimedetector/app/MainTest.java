package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The paths of Main that end before a detector starts. */
class MainTest {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final Main main = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8), Map.of());

    @Test
    void helpPrintsEveryFlagToStdoutAndExitsZero() {
        assertEquals(0, main.run("--help"));
        String help = out.toString(StandardCharsets.UTF_8);
        for (String flag : new String[] {"--env-prefix", "--env=", "--exclude-exe", "--min-duration", "--open-trigger",
                "--track-pid", "--proc", "--format", "--output", "--log-level", "--stats-interval", "--kafka-bootstrap", "--kafka-topic", "--kafka-property", "--node-name",
                "--metrics-port", "--metrics-address", "--help", "--version"}) {
            assertTrue(help.contains(flag), flag + " missing from help");
        }
        assertEquals("", err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void versionPrintsTheProjectVersionAndExitsZero() {
        assertEquals(0, main.run("--version"));
        String version = out.toString(StandardCharsets.UTF_8);
        // Filtered from the pom at build time: a literal ${project.version} means filtering broke.
        assertTrue(Pattern.matches("runtime-detector \\d+\\.\\d+\\.\\d+(-SNAPSHOT)?\\R", version), version);
    }

    @Test
    void aBadFlagGivesOneLineAndAHintOnStderrAndExitsTwo() {
        assertEquals(2, main.run("--min-duration", "-3s"));
        assertEquals("runtime-detector: --min-duration: '-3s' is negative; the duration must be 0 or more\n"
                + "Try 'runtime-detector --help' for more information.\n",
                err.toString(StandardCharsets.UTF_8).replace(System.lineSeparator(), "\n"));
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }

    @Test
    void anUnknownFlagExitsTwoWithoutAStackTrace() {
        assertEquals(2, main.run("--verbose"));
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertTrue(stderr.startsWith("runtime-detector: --verbose: unknown flag"), stderr);
        assertFalse(stderr.contains("Exception"), stderr);
        assertFalse(stderr.contains("\tat "), stderr);
    }

    /** Every kind of bad value: exit 2, one line naming the flag, then the hint; nothing on stdout. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            --min-duration|1x
            --min-duration|-250ms
            --min-duration|5
            --stats-interval|-1s
            --exclude-exe|usr/bin/bash
            --open-trigger|./secret
            --proc|proc
            --env-prefix|PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP
            --track-pid|nine
            --track-pid|-1
            --format|yaml
            --log-level|chatty
            --no-such-flag|x
            """)
    void everyRefusalExitsTwoNamingTheFlagWithoutAStackTrace(String flag, String value) {
        assertEquals(2, main.run(flag, value));
        assertRefusedNaming(flag);
    }

    @Test
    void aRelativeHostProcfsIsRefusedNamingTheVariable() {
        Main inPod = new Main(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("HOST_PROCFS", "host/proc"));
        assertEquals(2, inPod.run());
        assertRefusedNaming("HOST_PROCFS");
    }

    @Test
    void anOutputFileThatCannotBeOpenedExitsTwoNamingTheFlag(@TempDir Path dir) {
        assertEquals(2, main.run("--output", dir.resolve("missing/events.jsonl").toString()));
        assertRefusedNaming("--output");
    }

    private void assertRefusedNaming(String subject) {
        String[] lines = err.toString(StandardCharsets.UTF_8).split("\\R");
        assertEquals(2, lines.length, String.join("\n", lines));
        assertTrue(lines[0].startsWith("runtime-detector: " + subject + ": "), lines[0]);
        assertEquals("Try 'runtime-detector --help' for more information.", lines[1]);
        assertFalse(lines[0].contains("Exception"), lines[0]);
        assertEquals("", out.toString(StandardCharsets.UTF_8));
    }
}
