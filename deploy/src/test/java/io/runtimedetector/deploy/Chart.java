package io.runtimedetector.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Helm chart deploy/chart/runtime-detector, rendered by Helm's own library (helm-java: the
 * Go code through JNI, no helm binary), with release name and namespace {@value #RELEASE}.
 * ChartTest checks the chart with it and the plain manifest is generated with it
 * (ManifestRender); ImageIT renders the chart with its test values and runs the container the
 * way the DaemonSet says.
 */
public final class Chart {

    /** The release name, which is also the namespace, of every render here and of the plain manifest. */
    public static final String RELEASE = "runtime-detector";

    private Chart() {}

    /** The deploy module's directory, from where its test classes are (target/test-classes), whatever the working directory. */
    public static Path moduleDirectory() {
        try {
            Path classes = Path.of(Chart.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path module = classes.getParent().getParent();
            if (!Files.isRegularFile(module.resolve("chart/runtime-detector/Chart.yaml"))) {
                throw new IllegalStateException("no chart/runtime-detector/Chart.yaml in " + module
                        + " (found from the test classes at " + classes + ")");
            }
            return module;
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The chart's directory, deploy/chart/runtime-detector. */
    public static Path directory() {
        return moduleDirectory().resolve("chart/runtime-detector");
    }

    /**
     * {@code helm template runtime-detector deploy/chart/runtime-detector -n runtime-detector
     * --set KEY=VALUE...}: the rendered manifests, as Helm prints them. Each entry is one
     * {@code --set}: {@code a\.b} for a dot inside a key (Java string {@code "a\\.b"}),
     * {@code envKeys[0]=A} for a list's element, {@code null} removes a default, and a
     * number or true/false is taken as such. Unlike the helm command, helm-java passes a value
     * whole: a comma does not separate values, and {@code {A,B}} is a string, not a list.
     */
    public static String render(Map<String, String> setValues) {
        TemplateCommand template = new Helm(directory()).template().withName(RELEASE).withNamespace(RELEASE);
        setValues.forEach(template::set);
        return template.call();
    }

    /** The DaemonSet of a render, parsed: maps, lists, strings, numbers and booleans as in the YAML. */
    public static Map<String, Object> daemonSet(String render) {
        Map<String, Object> found = null;
        for (Object document : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(render)) {
            if (document instanceof Map<?, ?> map && "DaemonSet".equals(map.get("kind"))) {
                if (found != null) {
                    throw new IllegalArgumentException("more than one DaemonSet in the render");
                }
                found = cast(map);
            }
        }
        if (found == null) {
            throw new IllegalArgumentException("no DaemonSet in the render:\n" + render);
        }
        return found;
    }

    /** The DaemonSet's only container: spec.template.spec.containers[0]. */
    public static Map<String, Object> container(Map<String, Object> daemonSet) {
        Map<String, Object> spec = cast(daemonSet.get("spec"));
        Map<String, Object> template = cast(spec.get("template"));
        Map<String, Object> podSpec = cast(template.get("spec"));
        List<Object> containers = cast(podSpec.get("containers"));
        if (containers.size() != 1) {
            throw new IllegalArgumentException("expected one container, found " + containers.size());
        }
        return cast(containers.get(0));
    }

    @SuppressWarnings("unchecked")
    static <T> T cast(Object yamlNode) {
        return (T) yamlNode;
    }
}
