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

    /**
     * A directory of prebuilt helpers ({@code rd_testproc}, {@code rd_compat32}) for this
     * machine, for where no compiler runs: the arm64 guests of {@code make test-kernels},
     * whose helpers the host cross-builds. Unset: the helpers are compiled here.
     */
    public static final String HELPERS_PROPERTY = "runtimedetector.test.helpers";

    private static Path compat32;

    /** The compiled rd_testproc helper (see rd_testproc.c), built with gcc once per JVM. */
    public static synchronized Path testproc() {
        if (testproc == null) {
            testproc = helper("rd_testproc", List.of("gcc", "-O1", "-pthread"));
        }
        return testproc;
    }

    /**
     * The 32-bit program of the compat-syscall test (see rd_compat32.c): ia32 on x86-64
     * ({@code gcc -m32}), AArch32 on arm64 (Debian's {@code arm-linux-gnueabihf-gcc}).
     */
    public static synchronized Path compat32() {
        if (compat32 == null) {
            List<String> cc = switch (System.getProperty("os.arch")) {
                case "amd64", "x86_64" -> List.of("gcc", "-m32", "-fno-pie", "-no-pie");
                case "aarch64", "arm64" -> List.of("arm-linux-gnueabihf-gcc", "-marm", "-fno-pie", "-no-pie");
                default -> throw new IllegalStateException("no 32-bit compat mode known for " + System.getProperty("os.arch"));
            };
            List<String> flags = new ArrayList<>(cc);
            flags.addAll(List.of("-O1", "-static", "-nostdlib", "-fno-stack-protector"));
            compat32 = helper("rd_compat32", flags);
        }
        return compat32;
    }

    /** NAME from the prebuilt helpers, or NAME.c compiled by {@code compiler} into a directory removed at exit. */
    private static Path helper(String name, List<String> compiler) {
        String prebuilt = System.getProperty(HELPERS_PROPERTY);
        if (prebuilt != null) {
            Path bin = Path.of(prebuilt, name);
            if (!Files.isExecutable(bin)) {
                throw new IllegalStateException(HELPERS_PROPERTY + "=" + prebuilt + " has no executable " + name);
            }
            return bin;
        }
        try {
            Path dir = Files.createTempDirectory(name);
            dir.toFile().deleteOnExit();
            Path src = dir.resolve(name + ".c");
            Path bin = dir.resolve(name);
            // Deleted in reverse order: the files, then the directory.
            src.toFile().deleteOnExit();
            bin.toFile().deleteOnExit();
            try (InputStream in = TestProcesses.class.getResourceAsStream(name + ".c")) {
                Files.copy(in, src);
            }
            List<String> cmd = new ArrayList<>(compiler);
            cmd.addAll(List.of("-o", bin.toString(), src.toString()));
            Process cc = new ProcessBuilder(cmd).inheritIO().start();
            if (cc.waitFor() != 0) {
                throw new IllegalStateException(String.join(" ", cmd) + " failed to build " + name);
            }
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
