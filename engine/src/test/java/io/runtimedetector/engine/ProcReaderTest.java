package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ProcReader} on the fake procfs the synthetic tests rely on: if this breaks, the
 * engine tests would test a /proc the engine does not understand.
 */
class ProcReaderTest {

    @TempDir
    Path root;
    private FakeProcfs procfs;
    private EngineCounters counters;
    private ProcReader reader;

    @BeforeEach
    void setUp() {
        procfs = new FakeProcfs(root);
        counters = new EngineCounters();
        reader = new ProcReader(root, new EnvSelector(Set.of("APP_ENV"), "APP_"), counters);
    }

    @Test
    void readsEveryFieldOfAnEntry() {
        SimProcess p = SimProcess.of(77, 3.0);
        p.in(procfs).comm("my (odd) app").ppid(5).uid(1001).nsPid(3).exe("/usr/bin/app")
                .cmdline("app", "--flag", "").environ("APP_ENV=test", "HOME=/root").create();
        ProcessKey key = new ProcessKey(77, p.startBootTimeNs());

        ProcSnapshot s = reader.read(key);
        assertEquals("/usr/bin/app", s.exePath());
        assertEquals(List.of("app", "--flag", ""), s.cmdLine());
        assertEquals(Map.of("APP_ENV", "test"), s.envs());
        assertEquals(EnvMatch.MATCH, s.envMatch());
        assertEquals(5, s.ppid());
        assertEquals(1001, s.uid());
        assertEquals(3, s.nsPid());
        assertEquals(0, counters.procReadErrorCount());
    }

    @Test
    void startTimeHasTickPrecisionAndMatchesTheKernelsNanoseconds() {
        SimProcess p = SimProcess.of(78, 3.0);
        p.in(procfs).comm("a) b").create();
        long ticks = reader.startBootTimeNs(78).orElseThrow();

        assertEquals(0, ticks % ProcessKey.NANOS_PER_TICK);
        assertTrue(new ProcessKey(78, ticks).sameProcess(78, p.startBootTimeNs()));
        assertTrue(reader.isAlive(new ProcessKey(78, p.startBootTimeNs())));
        assertFalse(reader.isAlive(new ProcessKey(78, p.startBootTimeNs() + ProcessKey.NANOS_PER_TICK)));
    }

    @Test
    void entryOfAnotherProcessOnTheSamePidReadsAsGone() {
        SimProcess now = SimProcess.of(79, 1.0);
        now.in(procfs).create();
        assertEquals(ProcSnapshot.gone(), reader.read(new ProcessKey(79, FakeProcfs.startNs(5.0))));
    }

    @Test
    void missingEntryIsGoneWithoutAReadError() {
        assertEquals(ProcSnapshot.gone(), reader.read(new ProcessKey(80, FakeProcfs.startNs(1.0))));
        assertEquals(0, counters.procReadErrorCount());
    }

    @Test
    void listsOnlyProcessDirectoriesAndReadsUptime() throws Exception {
        SimProcess.of(81, 1.0).in(procfs).create();
        SimProcess.of(82, 1.0).in(procfs).create();
        Files.createDirectory(root.resolve("self"));

        assertEquals(Set.of(81, 82), Set.copyOf(reader.pids()));
        assertEquals(FakeProcfs.UPTIME_NS / 1e9, reader.uptimeSeconds().orElseThrow(), 0.001);
    }

    @Test
    void startTimesInOneTickAreDistinctWhenBothHaveNanoseconds() {
        long tick = FakeProcfs.startNs(1.0) / ProcessKey.NANOS_PER_TICK * ProcessKey.NANOS_PER_TICK;
        assertTrue(new ProcessKey(83, tick + 5).sameProcess(83, tick + 5));
        assertFalse(new ProcessKey(83, tick + 5).sameProcess(83, tick + 6), "two kernel starts: two processes");
        assertTrue(new ProcessKey(83, tick).sameProcess(83, tick + 6), "a /proc start covers its tick");
        assertFalse(new ProcessKey(83, tick).sameProcess(84, tick), "another pid");
    }
}
