package io.runtimedetector.app;

import io.runtimedetector.probe.InsufficientPrivilegesException;
import io.runtimedetector.probe.KernelProbe;
import io.runtimedetector.probe.PinsInUseException;
import io.runtimedetector.probe.ProbeException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code runtime-detector}: flags in, events out. {@link #run} returns the exit status
 * instead of exiting, so that everything but the final {@code System.exit} is testable.
 */
public final class Main {

    static final String PROGRAM = "runtime-detector";

    private final PrintStream out;
    /** Where events go: file descriptor 1 itself, whose writes fail loudly, unlike System.out's. */
    private final java.io.OutputStream events;
    private final PrintStream err;
    private final Map<String, String> environment;

    Main(PrintStream out, PrintStream err, Map<String, String> environment) {
        this(out, err, environment, out);
    }

    Main(PrintStream out, PrintStream err, Map<String, String> environment, java.io.OutputStream events) {
        this.events = events;
        this.out = out;
        this.err = err;
        this.environment = environment;
    }

    public static void main(String[] args) {
        int status = new Main(System.out, System.err, System.getenv(),
                new java.io.FileOutputStream(java.io.FileDescriptor.out)).run(args);
        System.exit(status);
    }

    /** Runs the command; for a running detector, returns only if it ends on its own. */
    int run(String... args) {
        CliOptions options;
        try {
            options = new Cli(environment).parse(List.of(args));
        } catch (UsageException e) {
            return usageError(e);
        }
        return switch (options.command()) {
            case HELP -> {
                out.print(Cli.help());
                out.flush();
                yield ExitCode.OK;
            }
            case VERSION -> {
                out.println(PROGRAM + " " + VersionInfo.version());
                out.flush();
                yield ExitCode.OK;
            }
            case RUN -> runDetector(options);
            case UNPIN -> unpin(options.pinning().orElseThrow().dir());
        };
    }

    /** The uninstall path of pinned mode: what --pin-dir holds goes, and with it the programs. */
    private int unpin(Path dir) {
        try {
            KernelProbe.unpin(dir);
        } catch (PinsInUseException e) {
            err.println(PROGRAM + ": " + e.getMessage() + "; stop it first");
            err.flush();
            return ExitCode.FAILED;
        } catch (InsufficientPrivilegesException e) {
            err.println(PROGRAM + ": " + e.getMessage());
            err.flush();
            return ExitCode.NO_PRIVILEGES;
        } catch (ProbeException e) {
            err.println(PROGRAM + ": cannot unpin: " + e.getMessage());
            err.flush();
            return ExitCode.FAILED;
        }
        out.println(PROGRAM + ": removed the pinned programs and maps in " + dir + "; none of them is attached any more");
        out.flush();
        return ExitCode.OK;
    }

    private int runDetector(CliOptions options) {
        try {
            return new DetectorApp(options, events, err).run();
        } catch (UsageException e) {
            return usageError(e);
        } catch (RuntimeException e) {
            // Before the detector exists (logging, actor system): still one line, no stack trace.
            err.println(PROGRAM + ": cannot start: " + e);
            err.flush();
            return ExitCode.FAILED;
        }
    }

    private int usageError(UsageException e) {
        err.println(PROGRAM + ": " + e.getMessage());
        err.println("Try '" + PROGRAM + " --help' for more information.");
        err.flush();
        return ExitCode.USAGE;
    }
}
