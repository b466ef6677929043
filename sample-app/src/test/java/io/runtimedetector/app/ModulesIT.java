package io.runtimedetector.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.lang.module.ModuleDescriptor;
import java.lang.module.ModuleFinder;
import java.lang.module.ModuleReference;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The published jars as a JPMS user sees them: each has a stable module name, and no
 * package is split between two of them (the module system refuses to start with such
 * jars on the module path). Runs after package, on the reactor's jars as failsafe puts
 * them on the class path.
 */
class ModulesIT {

    /** Artifact directory → the module name its jar must declare. */
    private static final Map<String, String> NAMES = Map.of(
            "api", "io.runtimedetector.api",
            "kernel-probe", "io.runtimedetector.probe",
            "probe-testkit", "io.runtimedetector.probe.testkit",
            "sinks", "io.runtimedetector.sinks",
            "engine", "io.runtimedetector.engine",
            "sink-kafka", "io.runtimedetector.sink.kafka",
            "cri-client", "io.runtimedetector.cri");

    @Test
    void everyPublishedJarHasItsModuleNameAndNoPackageIsSplit() {
        Map<String, ModuleDescriptor> found = new TreeMap<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Path path = Path.of(entry);
            // <repo>/<module>/target/<module>-<version>.jar, not a test-jar
            if (path.getParent() == null || !path.getParent().endsWith("target") || entry.endsWith("-tests.jar")) {
                continue;
            }
            String module = path.getParent().getParent().getFileName().toString();
            if (!NAMES.containsKey(module)) {
                continue;
            }
            if (!entry.endsWith(".jar")) {
                fail(module + " is on the class path as " + entry + ", not as its jar: run the test after package");
            }
            Set<ModuleReference> refs = ModuleFinder.of(path).findAll();
            assertEquals(1, refs.size(), entry);
            found.put(module, refs.iterator().next().descriptor());
        }
        assertEquals(NAMES.keySet(), found.keySet(), "the published jars on the class path");

        Map<String, String> owner = new HashMap<>();
        found.forEach((module, descriptor) -> {
            assertEquals(NAMES.get(module), descriptor.name(), module + "'s Automatic-Module-Name");
            for (String pkg : descriptor.packages()) {
                String before = owner.putIfAbsent(pkg, descriptor.name());
                if (before != null) {
                    fail("package " + pkg + " is split between " + before + " and " + descriptor.name());
                }
            }
        });
    }

    @Test
    void theEnginePackageShowsOnlyTheDetectorAndItsOptions() throws Exception {
        Path engineJar = Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(Path::of)
                .filter(p -> p.getParent() != null && p.getParent().endsWith(Path.of("engine", "target"))
                        && p.toString().endsWith(".jar") && !p.toString().endsWith("-tests.jar"))
                .findFirst().orElseThrow(() -> new AssertionError("the engine's jar is not on the class path"));
        Set<String> publicTypes = new TreeSet<>();
        try (JarFile jar = new JarFile(engineJar.toFile())) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                String name = entry.getName();
                if (name.startsWith("io/runtimedetector/engine/") && name.endsWith(".class") && !name.contains("$")
                        && name.indexOf('/', "io/runtimedetector/engine/".length()) < 0) {
                    String type = name.substring(0, name.length() - ".class".length()).replace('/', '.');
                    if (Modifier.isPublic(Class.forName(type, false, getClass().getClassLoader()).getModifiers())) {
                        publicTypes.add(type.substring(type.lastIndexOf('.') + 1));
                    }
                }
            }
        }
        // Engine, the supervisor, the lifecycles: package-private, so no user can depend on them.
        assertEquals(Set.of("Detector", "DetectorOptions"), publicTypes);
    }
}
