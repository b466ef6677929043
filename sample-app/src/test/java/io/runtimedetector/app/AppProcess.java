package io.runtimedetector.app;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The packaged app run as a process by the end-to-end tests, with its stdout and stderr
 * collected line by line as they come.
 */
final class AppProcess implements AutoCloseable {

    private final Process process;
    private final List<String> stdout = new CopyOnWriteArrayList<>();
    private final List<String> stderr = new CopyOnWriteArrayList<>();
    private final Thread outReader;
    private final Thread errReader;

    private AppProcess(Process process) {
        this.process = process;
        this.outReader = collect(process.getInputStream(), stdout, "app-stdout");
        this.errReader = collect(process.getErrorStream(), stderr, "app-stderr");
    }

    /** The shaded jar, from failsafe's {@code sampleApp.jar} property; fails clearly when it was not built. */
    static Path jar() {
        Path jar = Path.of(System.getProperty("sampleApp.jar", "target/sample-app.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError(jar + " is missing: the end-to-end tests run after `mvn package`");
        }
        return jar;
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** @param command the whole command line, e.g. java -jar the.jar --format json */
    static AppProcess start(List<String> command, Path workDir) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(workDir.toFile());
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        return new AppProcess(builder.start());
    }

    /**
     * {@code java -jar JAR ARGS}, as the README tells users to run it: on JDK 23 and later
     * with {@code --sun-misc-unsafe-memory-access=allow}, since Pekko's use of
     * {@code sun.misc.Unsafe} warns there and no manifest attribute can say it (17 refuses the
     * flag). Native access needs nothing: the jar's manifest declares it.
     */
    static List<String> javaJar(Path jar, String... args) {
        return javaJar(List.of(), jar, args);
    }

    /** As {@link #javaJar(Path, String...)}, with these JVM options before {@code -jar}. */
    static List<String> javaJar(List<String> jvmOptions, Path jar, String... args) {
        List<String> command = new ArrayList<>(List.of(java()));
        if (Runtime.version().feature() >= 23) {
            command.add("--sun-misc-unsafe-memory-access=allow");
        }
        command.addAll(jvmOptions);
        command.addAll(List.of("-jar", jar.toString()));
        command.addAll(List.of(args));
        return command;
    }

    private static Thread collect(InputStream in, List<String> into, String name) {
        Thread thread = new Thread(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                    into.add(line);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    Process process() {
        return process;
    }

    List<String> stdout() {
        return List.copyOf(stdout);
    }

    List<String> stderr() {
        return List.copyOf(stderr);
    }

    /** Waits for a stderr line; fails, with everything the app said, if it exits or the time runs out. */
    String awaitStderr(Predicate<String> wanted, Duration timeout) throws InterruptedException {
        return await(stderr, wanted, timeout, "stderr");
    }

    /** Waits for a stdout line; fails, with everything the app said, if it exits or the time runs out. */
    String awaitStdout(Predicate<String> wanted, Duration timeout) throws InterruptedException {
        return await(stdout, wanted, timeout, "stdout");
    }

    private String await(List<String> lines, Predicate<String> wanted, Duration timeout, String stream)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String line : lines) {
                if (wanted.test(line)) {
                    return line;
                }
            }
            if (!process.isAlive()) {
                joinReaders();
                for (String line : lines) {
                    if (wanted.test(line)) {
                        return line;
                    }
                }
                throw new AssertionError("the app exited with " + process.exitValue()
                        + " before the expected " + stream + " line\n" + transcript());
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no expected " + stream + " line within " + timeout.toSeconds() + " s\n"
                        + transcript());
            }
            Thread.sleep(50);
        }
    }

    /** @return the exit status, or fails if the app is still running after the timeout */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("the app did not exit within " + timeout.toSeconds() + " s\n" + transcript());
        }
        joinReaders();
        return process.exitValue();
    }

    private void joinReaders() throws InterruptedException {
        outReader.join(5_000);
        errReader.join(5_000);
    }

    String transcript() {
        return "--- stdout:\n" + String.join("\n", stdout) + "\n--- stderr:\n" + String.join("\n", stderr);
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
