package io.runtimedetector.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Starts real processes for kernel tests, including the shapes rd_testproc makes. */
public final class TestProcesses {

    private static Path testproc;

    private TestProcesses() {
    }

    /** The compiled rd_testproc helper (see rd_testproc.c), built with gcc once per JVM. */
    public static synchronized Path testproc() {
        if (testproc != null) {
            return testproc;
        }
        try {
            Path dir = Files.createTempDirectory("rd-testproc");
            Path src = dir.resolve("rd_testproc.c");
            try (InputStream in = TestProcesses.class.getResourceAsStream("rd_testproc.c")) {
                Files.copy(in, src);
            }
            Path bin = dir.resolve("rd_testproc");
            Process cc = new ProcessBuilder("gcc", "-O1", "-pthread", "-o", bin.toString(), src.toString())
                    .inheritIO().start();
            if (cc.waitFor() != 0) {
                throw new IllegalStateException("gcc failed to build rd_testproc");
            }
            testproc = bin;
            return bin;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Starts {@code command} with exactly {@code env} as its environment. */
    public static Process start(Map<String, String> env, String... command) {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            return pb.start();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Runs {@code command} through {@code env -i} with {@code filler} variables first and
     * {@code env} last, in that order (a ProcessBuilder environment has no order).
     */
    public static Process startWithFiller(int filler, Map<String, String> env, String... command) {
        List<String> argv = new ArrayList<>(List.of("/usr/bin/env", "-i"));
        for (int i = 0; i < filler; i++) {
            argv.add(String.format("FILLER_%04d=value-%d", i, i));
        }
        env.forEach((k, v) -> argv.add(k + "=" + v));
        argv.addAll(List.of(command));
        return start(Map.of(), argv.toArray(String[]::new));
    }

    public static int waitFor(Process p) {
        try {
            return p.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static List<String> cmd(String... parts) {
        return new ArrayList<>(List.of(parts));
    }
}
