package io.runtimedetector.deploy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code podman run} of a DaemonSet's one container, derived from the manifest field by
 * field, so that what the tests run and what a cluster runs cannot drift apart. A field this
 * class does not know how to honour is an error naming it, never silently dropped: a new
 * setting in the chart must be taught here before the tests pass again.
 *
 * <p>What the kubelet does and how it is mapped:
 * <ul>
 *   <li>capabilities drop/add, {@code runAsUser}, {@code readOnlyRootFilesystem},
 *       {@code allowPrivilegeEscalation: false} (no-new-privileges), seccomp and AppArmor
 *       {@code Unconfined}: the same podman flags;
 *   <li>hostPath volumes: bind mounts with their {@code readOnly}; an {@code emptyDir} of
 *       medium Memory: a tmpfs of its size limit (exec, as a Kubernetes emptyDir is);
 *   <li>env values and the downward API's {@code spec.nodeName}; args after the image;
 *   <li>{@code hostPID: false}: a PID namespace of its own (podman's default);
 *   <li>{@code resources.limits}: {@code --memory} and {@code --cpus};
 *   <li>the pod network: slirp4netns, with each container port published on loopback,
 *       where the probes reach it as the kubelet reaches the pod IP.
 * </ul>
 *
 * @param flags        podman run flags from the manifest (before the image)
 * @param image        the container's image
 * @param args         the container's args (after the image)
 * @param ports        container port by name
 * @param graceSeconds terminationGracePeriodSeconds
 * @param liveness     the livenessProbe object
 * @param readiness    the readinessProbe object
 * @param memoryLimit  resources.limits.memory in bytes, 0 when unlimited
 */
record PodmanRun(List<String> flags, String image, List<String> args, Map<String, Integer> ports,
        int graceSeconds, Map<String, Object> liveness, Map<String, Object> readiness, long memoryLimit) {

    /** Container fields mapped below, or (image pull policy, probes) honoured by the tests themselves. */
    private static final java.util.Set<String> CONTAINER_FIELDS = java.util.Set.of("name", "image", "imagePullPolicy",
            "command", "args", "ports", "env", "livenessProbe", "readinessProbe", "securityContext", "resources",
            "volumeMounts");

    /** @param nodeName what the downward API's spec.nodeName gives */
    static PodmanRun of(Map<String, Object> daemonSet, String nodeName) {
        Map<String, Object> podSpec = map(map(map(daemonSet, "spec"), "template"), "spec");
        List<Map<String, Object>> containers = list(podSpec, "containers");
        if (containers.size() != 1 || podSpec.containsKey("initContainers")) {
            throw unsupported("spec.template.spec: exactly one container and no init containers");
        }
        Map<String, Object> c = containers.get(0);
        for (String key : c.keySet()) {
            if (!CONTAINER_FIELDS.contains(key)) {
                throw unsupported("containers[0]." + key);
            }
        }
        List<String> flags = new ArrayList<>();
        pod(podSpec, flags);
        security(map(c, "securityContext"), flags);
        mounts(c, podSpec, flags);
        env(c, nodeName, flags);
        long memory = resources(c, flags);
        if (c.containsKey("command")) {
            List<String> command = strings(c.get("command"));
            flags.add("--entrypoint=" + toJsonArray(command));
        }
        Map<String, Integer> ports = new LinkedHashMap<>();
        for (Map<String, Object> port : list(c, "ports")) {
            if (!"TCP".equals(port.getOrDefault("protocol", "TCP"))) {
                throw unsupported("ports: only TCP");
            }
            ports.put((String) port.get("name"), ((Number) port.get("containerPort")).intValue());
        }
        Object grace = podSpec.getOrDefault("terminationGracePeriodSeconds", 30);
        return new PodmanRun(List.copyOf(flags), (String) c.get("image"), strings(c.getOrDefault("args", List.of())),
                Map.copyOf(ports), ((Number) grace).intValue(), map(c, "livenessProbe"), map(c, "readinessProbe"),
                memory);
    }

    /**
     * The whole {@code podman run -d} command (without "podman") for a container of this
     * name, with {@code hostFlags} (runtime, rlimits, cgroup parent) and each container
     * port published on 127.0.0.1 at the given host port.
     */
    List<String> command(String name, List<String> hostFlags, Map<String, Integer> hostPorts, List<String> extraArgs) {
        List<String> command = new ArrayList<>(List.of("run", "-d", "--name=" + name));
        command.addAll(hostFlags);
        command.add("--network=slirp4netns:port_handler=slirp4netns");
        ports.forEach((portName, containerPort) -> {
            Integer hostPort = Objects.requireNonNull(hostPorts.get(portName), "no host port for " + portName);
            command.add("--publish=127.0.0.1:" + hostPort + ":" + containerPort + "/tcp");
        });
        command.add("--stop-timeout=" + graceSeconds);
        command.addAll(flags);
        command.add(image);
        command.addAll(args);
        command.addAll(extraArgs);
        return command;
    }

    /** These flags without any that adds this capability: the same container, one capability short. */
    PodmanRun without(String capability) {
        List<String> fewer = flags.stream().filter(f -> !f.equals("--cap-add=" + capability)).toList();
        if (fewer.size() == flags.size()) {
            throw new IllegalArgumentException("the manifest does not add " + capability);
        }
        return new PodmanRun(fewer, image, args, ports, graceSeconds, liveness, readiness, memoryLimit);
    }

    /**
     * The same container on a node where the host path {@code hostPath} is this directory
     * instead: e.g. a node whose kernel has no BTF, as an empty /sys/kernel/btf.
     */
    PodmanRun withHostPath(String hostPath, java.nio.file.Path replacement) {
        String prefix = "--volume=" + hostPath + ":";
        List<String> replaced = flags.stream()
                .map(f -> f.startsWith(prefix) ? "--volume=" + replacement + ":" + f.substring(prefix.length()) : f)
                .toList();
        if (replaced.equals(flags)) {
            throw new IllegalArgumentException("the manifest mounts no host path " + hostPath);
        }
        return new PodmanRun(replaced, image, args, ports, graceSeconds, liveness, readiness, memoryLimit);
    }

    private static void pod(Map<String, Object> podSpec, List<String> flags) {
        for (String key : podSpec.keySet()) {
            switch (key) {
                case "containers", "terminationGracePeriodSeconds", "volumes", "tolerations", "nodeSelector",
                        "affinity", "priorityClassName", "automountServiceAccountToken", "serviceAccountName" -> {
                    // the container itself, read below, or scheduling and API access: nothing on the node's runtime
                }
                case "hostPID" -> {
                    if (Boolean.TRUE.equals(podSpec.get(key))) {
                        flags.add("--pid=host");
                    }
                }
                case "hostNetwork" -> {
                    if (Boolean.TRUE.equals(podSpec.get(key))) {
                        throw unsupported("hostNetwork: true (the tests publish the pod's ports on loopback)");
                    }
                }
                default -> throw unsupported("spec.template.spec." + key);
            }
        }
    }

    private static void security(Map<String, Object> sc, List<String> flags) {
        for (String key : sc.keySet()) {
            switch (key) {
                case "runAsUser" -> flags.add("--user=" + sc.get(key));
                case "privileged" -> {
                    if (Boolean.TRUE.equals(sc.get(key))) {
                        flags.add("--privileged");
                    }
                }
                case "allowPrivilegeEscalation" -> {
                    if (Boolean.FALSE.equals(sc.get(key))) {
                        flags.add("--security-opt=no-new-privileges");
                    }
                }
                case "readOnlyRootFilesystem" -> {
                    if (Boolean.TRUE.equals(sc.get(key))) {
                        flags.add("--read-only");
                    }
                }
                case "capabilities" -> {
                    Map<String, Object> caps = map(sc, key);
                    strings(caps.getOrDefault("drop", List.of())).forEach(cap -> flags.add("--cap-drop=" + cap));
                    strings(caps.getOrDefault("add", List.of())).forEach(cap -> flags.add("--cap-add=" + cap));
                }
                case "seccompProfile" -> flags.add("--security-opt=seccomp=" + profile(map(sc, key), "seccomp"));
                case "appArmorProfile" -> flags.add("--security-opt=apparmor=" + profile(map(sc, key), "apparmor"));
                default -> throw unsupported("securityContext." + key);
            }
        }
    }

    private static String profile(Map<String, Object> profile, String what) {
        Object type = profile.get("type");
        if ("Unconfined".equals(type)) {
            return "unconfined";
        }
        throw unsupported(what + " profile type " + type + " (only Unconfined is mapped)");
    }

    private static void mounts(Map<String, Object> c, Map<String, Object> podSpec, List<String> flags) {
        Map<String, Map<String, Object>> volumes = new LinkedHashMap<>();
        for (Map<String, Object> v : list(podSpec, "volumes")) {
            volumes.put((String) v.get("name"), v);
        }
        for (Map<String, Object> m : list(c, "volumeMounts")) {
            Map<String, Object> v = volumes.get((String) m.get("name"));
            if (v == null) {
                throw unsupported("volumeMounts: no volume named " + m.get("name"));
            }
            String target = (String) m.get("mountPath");
            boolean readOnly = Boolean.TRUE.equals(m.get("readOnly"));
            if (v.containsKey("hostPath")) {
                String source = (String) map(v, "hostPath").get("path");
                flags.add("--volume=" + source + ":" + target + (readOnly ? ":ro" : ""));
            } else if (v.containsKey("emptyDir")) {
                Map<String, Object> emptyDir = map(v, "emptyDir");
                if (!"Memory".equals(emptyDir.get("medium"))) {
                    throw unsupported("emptyDir without medium Memory");
                }
                String size = emptyDir.containsKey("sizeLimit")
                        ? ",size=" + Quantity.bytes(emptyDir.get("sizeLimit").toString()) : "";
                // A Kubernetes emptyDir is exec; podman's tmpfs is noexec unless asked.
                flags.add("--tmpfs=" + target + ":" + (readOnly ? "ro" : "rw") + ",exec" + size);
            } else {
                throw unsupported("volume " + v.get("name") + ": only hostPath and emptyDir are mapped");
            }
        }
    }

    private static void env(Map<String, Object> c, String nodeName, List<String> flags) {
        for (Map<String, Object> e : list(c, "env")) {
            String name = (String) e.get("name");
            if (e.containsKey("value")) {
                flags.add("--env=" + name + "=" + e.get("value"));
            } else {
                Map<String, Object> fieldRef = map(map(e, "valueFrom"), "fieldRef");
                if (!"spec.nodeName".equals(fieldRef.get("fieldPath"))) {
                    throw unsupported("env " + name + ": only values and fieldRef spec.nodeName are mapped");
                }
                flags.add("--env=" + name + "=" + nodeName);
            }
        }
    }

    private static long resources(Map<String, Object> c, List<String> flags) {
        Map<String, Object> limits = map(map(c, "resources"), "limits");
        long memory = 0;
        for (String key : limits.keySet()) {
            switch (key) {
                case "memory" -> {
                    memory = Quantity.bytes(limits.get(key).toString());
                    flags.add("--memory=" + memory);
                }
                case "cpu" -> flags.add("--cpus=" + Quantity.cpus(limits.get(key).toString()));
                default -> throw unsupported("resources.limits." + key);
            }
        }
        return memory;
    }

    private static String toJsonArray(List<String> values) {
        StringBuilder json = new StringBuilder("[");
        for (String v : values) {
            json.append(json.length() > 1 ? "," : "").append('"').append(v.replace("\\", "\\\\").replace("\"", "\\\""))
                    .append('"');
        }
        return json.append(']').toString();
    }

    private static IllegalArgumentException unsupported(String what) {
        return new IllegalArgumentException("the DaemonSet sets " + what
                + ", which PodmanRun does not map to podman yet: teach it, so that the tests run what the manifest says");
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value == null ? Map.of() : (Map<String, Object>) value;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> list(Map<String, Object> parent, String key) {
        Object value = parent.get(key);
        return value == null ? List.of() : (List<Map<String, Object>>) value;
    }

    private static List<String> strings(Object value) {
        return ((List<?>) value).stream().map(String::valueOf).toList();
    }
}
