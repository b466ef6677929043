package io.runtimedetector.probe;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * Loads the JNI library bundled in the jar under {@code native/linux-ARCH/}: extracted
 * once per JVM into a private temporary directory, loaded, and deleted at exit.
 */
final class NativeLibrary {

    static final String LIBRARY = "libruntimedetector.so";

    private static volatile boolean loaded;

    private NativeLibrary() {
    }

    static synchronized void load() {
        if (loaded) {
            return;
        }
        String resource = "/native/" + platform() + "/" + LIBRARY;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new ProbeException("this build has no native library for " + platform()
                        + " (looked for " + resource + ")", 0);
            }
            Path dir = Files.createTempDirectory("runtime-detector",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            Path lib = dir.resolve(LIBRARY);
            Files.copy(in, lib, StandardCopyOption.REPLACE_EXISTING);
            System.load(lib.toString());
            // The mapping stays valid after unlink, so nothing is left behind in /tmp.
            Files.delete(lib);
            Files.delete(dir);
            loaded = true;
        } catch (IOException e) {
            throw new ProbeException("cannot extract the native library: " + e.getMessage(), e);
        } catch (UnsatisfiedLinkError e) {
            throw new ProbeException("cannot load the native library (are libelf and zlib installed?): "
                    + e.getMessage(), e);
        }
    }

    static String platform() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        String machine = switch (arch) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> arch;
        };
        return "linux-" + machine;
    }
}
