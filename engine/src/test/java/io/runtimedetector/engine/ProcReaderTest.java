package io.runtimedetector.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.FileSystemException;
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

    @Test
    void aFailedReadCountsOnlyWhileTheProcessIsStillThere() throws Exception {
        SimProcess p = SimProcess.of(79, 3.0);
        p.in(procfs).comm("app").environ("APP_ENV=x").create();
        Path environ = root.resolve("79/environ");
        // ESRCH as Java reports it: a FileSystemException with the C library's text, no errno.
        FileSystemException esrch = new FileSystemException(environ.toString(), null, "No such process");

        assertFalse(ProcReader.vanished(esrch, environ), "the process' directory is still there: a real failure");
        Files.delete(environ);
        Files.createDirectory(environ); // reading it fails with EISDIR while the process lives
        reader.read(new ProcessKey(79, p.startBootTimeNs()));
        assertEquals(1, counters.procReadErrorCount());

        Path stat = root.resolve("79/stat");
        Files.writeString(stat, Files.readString(stat).replace(") S ", ") Z "));
        assertTrue(ProcReader.vanished(esrch, environ), "a zombie: the process has ended, its read is no failure");
        procfs.remove(79);
        assertTrue(ProcReader.vanished(esrch, environ), "the process is gone: its end, not a failure");

        // A kernel thread (PF_KTHREAD in the flags, field 9) has no environment to read.
        Files.createDirectories(root.resolve("80"));
        Files.writeString(root.resolve("80/stat"), "80 (kworker/0:1-events) I 2 0 0 0 -1 69238880 0 0 0 0 0 0 0 0 0 "
                + "20 0 1 0 300 0 0\n");
        assertTrue(ProcReader.vanished(esrch, root.resolve("80/environ")), "a kernel thread: nothing to read");
    }
}
