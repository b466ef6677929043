package io.runtimedetector.container;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the hierarchies attribution reads are mounted, from a mountinfo file: the unified
 * (cgroup2) one, and the v1 memory controller's, whose ids the kernel records beside the
 * unified one. Either may be absent (a v1-only host has no unified tree for containers,
 * a v2-only host no v1 one).
 *
 * @param unified  mount point of cgroup2, or null
 * @param unifiedRoot the cgroup of that mount's root ("/" unless in a cgroup namespace)
 * @param memoryV1 mount point of the v1 memory controller, or null
 * @param memoryV1Root the cgroup of that mount's root
 */
public record CgroupMounts(Path unified, String unifiedRoot, Path memoryV1, String memoryV1Root) {

    /**
     * @param mountinfo a /proc/PID/mountinfo: the host's ({@code <procfs>/1/mountinfo}) in a container
     * @param fsRoot    prefixed to each mount point: {@code <procfs>/1/root} reaches the host's mounts
     */
    public static CgroupMounts read(Path mountinfo, Path fsRoot) throws IOException {
        return parse(Files.readAllLines(mountinfo), fsRoot);
    }

    /** Lines of a mountinfo file: "id parent maj:min root mountpoint options [optional...] - type source superoptions". */
    static CgroupMounts parse(List<String> lines, Path fsRoot) {
        Path unified = null;
        String unifiedRoot = "/";
        Path memory = null;
        String memoryRoot = "/";
        for (String line : lines) {
            String[] halves = line.split(" - ", 2);
            String[] mount = halves[0].split(" ");
            if (halves.length != 2 || mount.length < 5) {
                continue;
            }
            String[] fs = halves[1].split(" ");
            Path point = fsRoot.resolve(unescape(mount[4]).substring(1));
            if (fs[0].equals("cgroup2") && unified == null) {
                unified = point;
                unifiedRoot = unescape(mount[3]);
            } else if (fs[0].equals("cgroup") && fs.length >= 3 && memory == null
                    && List.of(fs[2].split(",")).contains("memory")) {
                memory = point;
                memoryRoot = unescape(mount[3]);
            }
        }
        return new CgroupMounts(unified, unifiedRoot, memory, memoryRoot);
    }

    /** mountinfo writes space, tab, newline and backslash in paths as octal escapes. */
    private static String unescape(String field) {
        if (field.indexOf('\\') < 0) {
            return field;
        }
        StringBuilder out = new StringBuilder(field.length());
        for (int i = 0; i < field.length(); i++) {
            char c = field.charAt(i);
            if (c == '\\' && i + 3 < field.length()
                    && field.substring(i + 1, i + 4).chars().allMatch(d -> d >= '0' && d <= '7')) {
                out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
