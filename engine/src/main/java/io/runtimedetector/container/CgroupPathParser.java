package io.runtimedetector.container;

import io.runtimedetector.event.ContainerInfo;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a cgroup path says about the container and pod of the processes in it: the
 * runtime, the container id and the pod UID, from the names runtimes and the kubelet
 * give their cgroups. Pure: a path in, a {@link ContainerInfo} (without names) or null out.
 *
 * <p>Layouts known, systemd and cgroupfs drivers alike:
 * <ul>
 * <li>docker: {@code /docker/<id>}, {@code /system.slice/docker-<id>.scope}</li>
 * <li>containerd under Kubernetes: {@code .../kubepods-<qos>-pod<uid>.slice/cri-containerd-<id>.scope},
 *     {@code /kubepods/<qos>/pod<uid>/<id>}; without CRI: {@code /<namespace>/<id>}</li>
 * <li>CRI-O: {@code crio-<id>.scope}, {@code crio-<id>}; {@code crio-conmon-<id>} is its monitor, not a container</li>
 * <li>podman: {@code libpod-<id>(.scope)} under {@code libpod_parent} or {@code machine.slice}, with crun's
 *     {@code container} leaf below it; {@code libpod-conmon-<id>} is its monitor</li>
 * <li>nested (kind, minikube, docker in docker): the innermost container wins.</li>
 * </ul>
 * A container directly in a kubelet pod cgroup under the cgroupfs driver ({@code pod<uid>/<id>})
 * has no runtime in its name, and none is guessed: the runtime stays null.
 */
public final class CgroupPathParser {

    private static final String HEX64 = "([0-9a-f]{64})";
    /** A container's own cgroup: a runtime prefix, the id, and ".scope" under systemd. */
    private static final Pattern PREFIXED =
            Pattern.compile("(docker|cri-containerd|crio|libpod)-" + HEX64 + "(?:\\.scope)?");
    private static final Pattern BARE_ID = Pattern.compile(HEX64);
    /** cgroupfs: pod<uid>; systemd: kubepods[-qos]-pod<uid with '_' for '-'>.slice (kind: kubelet-kubepods-...). */
    private static final Pattern POD = Pattern.compile("(?:.*-)?pod([0-9a-f]{8}[_-]?(?:[0-9a-f]{4}[_-]?){3}[0-9a-f]{12})(?:\\.slice)?");
    /** containerd's namespace names: what ctr accepts (letters, digits, '.', '_', '-'). */
    private static final Pattern NAMESPACE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");

    private CgroupPathParser() {
    }

    /**
     * @param path a cgroup path as /proc/PID/cgroup shows it, relative to the hierarchy's root
     * @return the container and pod the path names, or null for a path outside any
     */
    public static ContainerInfo parse(String path) {
        if (path == null || path.isEmpty()) {
            return null;
        }
        String[] parts = path.split("/");
        int container = -1;
        String runtime = null;
        String id = null;
        for (int i = parts.length - 1; i >= 0 && container < 0; i--) {
            Matcher prefixed = PREFIXED.matcher(parts[i]);
            if (prefixed.matches()) {
                container = i;
                id = prefixed.group(2);
                runtime = runtimeOfPrefix(prefixed.group(1));
            } else if (BARE_ID.matcher(parts[i]).matches()) {
                container = i;
                id = parts[i];
                runtime = runtimeOfParent(parts, i);
            }
        }
        String podUid = podUid(parts, container < 0 ? parts.length - 1 : container - 1);
        if (id == null && podUid == null) {
            return null;
        }
        return ContainerInfo.of(id, runtime, podUid);
    }

    private static String runtimeOfPrefix(String prefix) {
        return switch (prefix) {
            case "docker" -> ContainerInfo.DOCKER;
            case "cri-containerd" -> ContainerInfo.CONTAINERD;
            case "crio" -> ContainerInfo.CRIO;
            case "libpod" -> ContainerInfo.PODMAN;
            default -> throw new IllegalStateException("prefix not in the pattern: " + prefix);
        };
    }

    /** A bare id: its parent directory tells the runtime, or nothing. */
    private static String runtimeOfParent(String[] parts, int i) {
        String parent = i > 0 ? parts[i - 1] : "";
        if (parent.equals("docker")) {
            return ContainerInfo.DOCKER;
        }
        // containerd without CRI: /<namespace>/<id>, directly under the root.
        boolean topLevel = i == 2 && parts[0].isEmpty();
        if (topLevel && NAMESPACE.matcher(parent).matches() && !POD.matcher(parent).matches()
                && !parent.equals("kubepods")) {
            return ContainerInfo.CONTAINERD;
        }
        return null;
    }

    /**
     * The nearest pod cgroup at or above index {@code from}, its UID with dashes; null if
     * none. A static pod's UID is the 32-digit hash of its manifest and has no dashes.
     */
    private static String podUid(String[] parts, int from) {
        for (int i = from; i >= 0; i--) {
            Matcher pod = POD.matcher(parts[i]);
            if (pod.matches()) {
                // systemd cannot have '-' inside a slice name's component: the kubelet writes '_'.
                return pod.group(1).replace('_', '-');
            }
        }
        return null;
    }
}
