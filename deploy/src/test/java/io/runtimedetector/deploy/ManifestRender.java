package io.runtimedetector.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes deploy/daemonset.yaml, the plain manifest for clusters without Helm: a header saying how
 * to apply it, then the chart's render with its default values, release and namespace
 * runtime-detector. The file is generated rather than kept by hand so that it cannot drift from
 * the chart; ChartTest fails while it differs from what {@link #manifest()} gives now.
 */
public final class ManifestRender {

    /** What regenerates the file, from the repository's root; named by the test that finds it stale. */
    public static final String REGENERATE = "make manifest";

    private static final String HEADER = """
            # runtime-detector as a DaemonSet, for clusters without Helm:
            #
            #   kubectl create namespace runtime-detector
            #   kubectl apply -n runtime-detector -f deploy/daemonset.yaml
            #
            # Generated from the Helm chart deploy/chart/runtime-detector with its default values
            # (release and namespace runtime-detector): edit the chart, not this file, then
            # regenerate it with `%s`. With Helm, install the chart instead:
            #
            #   helm install runtime-detector deploy/chart/runtime-detector \\
            #     --namespace runtime-detector --create-namespace
            """.formatted(REGENERATE);

    private ManifestRender() {}

    /** The plain manifest's path, deploy/daemonset.yaml. */
    public static Path file() {
        return Chart.moduleDirectory().resolve("daemonset.yaml");
    }

    /** The plain manifest's content: the header, then Helm's render as it prints it. */
    public static String manifest() {
        return HEADER + Chart.render(Map.of());
    }

    public static void main(String[] args) throws IOException {
        Path file = file();
        Files.writeString(file, manifest());
        System.out.println("wrote " + file);
    }
}
